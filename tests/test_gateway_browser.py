"""The web chat page in a real browser: Debian's chromium, headless, driven by Playwright.

Loads the page (which opens a session and a WebSocket), sends a message, switches the model with
the pickers (POST /api/models/select, then `update_model` on the live socket) and checks the next
answer comes from the new model, with the page saying which provider/model produced each answer.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fakes.provider_server import FakeProvider
from tests.gateway_support import running_gateway

if TYPE_CHECKING:
    from playwright.async_api import Page

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


async def _say(page: Page, text: str, *, answered_by: str) -> tuple[str, str]:
    """Type `text` into the page; the text and meta line of the answer from model `answered_by`."""
    await page.fill("#input", text)
    await page.press("#input", "Enter")
    answer = page.locator(f'.msg.assistant[data-model="{answered_by}"]').last
    await answer.wait_for(timeout=TIMEOUT_MS)
    return await answer.locator(".text").inner_text(), await answer.locator(".meta").inner_text()


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

            first_text, first_meta = await _say(page, "hello browser", answered_by="echo")

            await page.select_option("#model", "echo-large")
            await page.get_by_text("Now using echo / echo-large").wait_for(timeout=TIMEOUT_MS)

            second_text, second_meta = await _say(
                page, "after the switch", answered_by="echo-large"
            )
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


@asynccontextmanager
async def open_page(chromium: Path, url: str) -> AsyncIterator[Page]:
    """The chat page at `url`, online; fails on any page error or console error."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        problems: list[str] = []
        try:
            page = await browser.new_page()
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            await page.goto(url)
            await page.wait_for_selector('#status[data-state="online"]', timeout=TIMEOUT_MS)
            yield page
        finally:
            await browser.close()
        assert problems == []


async def test_the_page_loses_neither_streamed_nor_typed_text(chromium: Path) -> None:
    """A stream cut off keeps what was shown (SPEC §7.1) with the notice on its own; a message
    over the socket's frame limit is refused on the page, kept in the box, socket still open."""
    async with FakeProvider() as fake:
        fake.script("cut", reply="alpha beta gamma delta", cut_after=2)
        config = f"""
[agent.model]
primary = "openai/cut"
[providers.openai]
api_url = "{fake.base_url("openai")}"
api_key = "sk-test"
[reliability]
provider_retries = 0
"""
        async with running_gateway(config) as gw, open_page(chromium, gw.url) as page:
            await page.fill("#input", "tell me")
            await page.press("#input", "Enter")
            notice = page.locator('.msg.assistant[data-model="cut"]').last
            await notice.wait_for(timeout=TIMEOUT_MS)
            kept = await page.locator(".msg.assistant.incomplete .text").inner_text()
            shown = await notice.locator(".text").inner_text()
            streaming = await page.locator(".msg.streaming").count()

            huge = "x" * (300 * 1024)
            await page.fill("#input", huge)
            await page.press("#input", "Enter")
            await page.get_by_text("too long to send").wait_for(timeout=TIMEOUT_MS)
            kept_input = await page.eval_on_selector("#input", "el => el.value")
            status = await page.get_attribute("#status", "data-state")

    assert kept.startswith("alpha beta")
    assert "cut off" in shown
    assert "alpha" not in shown
    assert streaming == 0
    assert kept_input == huge
    assert status == "online"
