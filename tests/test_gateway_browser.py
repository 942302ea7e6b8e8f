"""The web chat page in a real browser: Debian's chromium, headless, driven by Playwright.

Loads the page (which opens a session and a WebSocket), sends a message, switches the model with
the pickers (POST /api/models/select, then `update_model` on the live socket) and checks the next
answer comes from the new model, with the page saying which provider/model produced each answer.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gateway_support import running_gateway

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ECHO_MODELS = """
[providers.echo]
models = [{ id = "echo" }, { id = "echo-large" }]
"""
TIMEOUT_MS = 10_000


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def _size(path: Path) -> int:
    return path.stat().st_size


async def test_chat_and_switch_model_with_the_pickers(chromium: Path, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with running_gateway(ECHO_MODELS) as gw, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 720})
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            await page.goto(gw.url)
            await page.wait_for_selector('#status[data-state="online"]', timeout=TIMEOUT_MS)

            await page.fill("#input", "hello browser")
            await page.press("#input", "Enter")
            first = page.locator('.msg.assistant[data-model="echo"]').last
            await first.wait_for(timeout=TIMEOUT_MS)
            first_text = await first.locator(".text").inner_text()
            first_meta = await first.locator(".meta").inner_text()

            await page.select_option("#model", "echo-large")
            await page.get_by_text("Now using echo / echo-large").wait_for(timeout=TIMEOUT_MS)

            await page.fill("#input", "after the switch")
            await page.press("#input", "Enter")
            second = page.locator('.msg.assistant[data-model="echo-large"]').last
            await second.wait_for(timeout=TIMEOUT_MS)
            second_text = await second.locator(".text").inner_text()
            second_meta = await second.locator(".meta").inner_text()
            picked = await page.eval_on_selector("#model", "el => el.value")

            shot = Path(os.environ.get("ZEROCLAW_SCREENSHOT", tmp_path / "webchat.png"))
            await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()

    assert first_text == "[echo] hello browser"
    assert first_meta == "answered by echo / echo"
    assert second_text == "[echo-large] after the switch"
    assert second_meta == "answered by echo / echo-large"
    assert picked == "echo-large"
    assert problems == []
    assert _size(shot) > 0
