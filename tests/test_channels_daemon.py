"""Channels inside the real daemon: an unconfigured platform gets no service; a rejected token
is one clear error, and the rest runs on."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.fakes.channel_host import FakeHost
from tests.fakes.discord_api import serve_discord
from tests.fakes.telegram_api import serve_telegram
from tests.harness import running_runtime
from zeroclaw_py.channels import factories
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.daemon import Daemon

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("factory", [factories.telegram, factories.discord])
async def test_factory_returns_none_without_a_token(factory: Any) -> None:
    async with running_runtime("") as runtime:
        assert factory(FakeHost(runtime), runtime.config) is None


async def test_bad_telegram_token_leaves_discord_running(
    zeroclaw_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with serve_telegram() as telegram, serve_discord() as discord_api:
        text = f"""
[gateway]
enabled = false

[channels_config.telegram]
bot_token = "1:not-the-right-token"
allowed_users = ["*"]
api_base_url = "{telegram.base}"

[channels_config.discord]
bot_token = "{discord_api.token}"
allowed_users = ["*"]
api_base_url = "{discord_api.api}"
gateway_url = "{discord_api.gateway_url}"
"""
        path = zeroclaw_home / "config.toml"
        path.write_text(text)
        daemon = Daemon(parse_config(text, source=path, env={}), path)
        task = asyncio.create_task(daemon.run())
        try:
            with anyio.fail_after(20):
                await discord_api.wait_ready()
                await discord_api.send_message("still here?", guild=False, channel_id="801")
                await discord_api.wait_for(lambda: discord_api.texts() == ["[echo] still here?"])
            assert "telegram" not in daemon.services
            assert "discord" in daemon.services
        finally:
            daemon.request_stop()
            with anyio.fail_after(20):
                await task
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "service telegram failed to start" in errors[0]
    assert "channels_config.telegram.bot_token" in errors[0]
    assert "not-the-right-token" not in errors[0]
