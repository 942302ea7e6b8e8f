"""Discord end to end: fake gateway/REST -> real discord.py -> our adapter -> the real Runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest

from tests.fakes.channel_host import FakeHost, started
from tests.fakes.discord_api import BOT_ID, FakeDiscord, serve_discord
from tests.harness import running_runtime
from zeroclaw_py.channels.discord import DiscordService
from zeroclaw_py.channels.factories import discord as create

pytestmark = pytest.mark.anyio


def _config(fake: FakeDiscord, *, mention_only: bool = False, stream: str = "off") -> str:
    return f"""
[channels_config.discord]
bot_token = "{fake.token}"
allowed_users = ["42"]
mention_only = {str(mention_only).lower()}
stream_mode = "{stream}"
api_base_url = "{fake.api}"
gateway_url = "{fake.gateway_url}"
"""


@asynccontextmanager
async def _daemon(config_text: str) -> AsyncIterator[DiscordService]:
    async with running_runtime(config_text) as runtime:
        service = create(FakeHost(runtime), runtime.config)
        assert service is not None
        async with started(service, service.wait_ready):
            yield service


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serve_discord() as server:
        yield server


async def _texts(fake: FakeDiscord, count: int) -> list[str]:
    with anyio.fail_after(5):
        await fake.wait_for(lambda: len(fake.texts()) >= count)
    return fake.texts()


async def test_guild_answer_and_command(fake: FakeDiscord) -> None:
    async with _daemon(_config(fake)):
        await fake.send_message("hello there")
        assert await _texts(fake, 1) == ["[echo] hello there"]
        await fake.send_message("/model gpt-4o")
        texts = await _texts(fake, 2)
    assert texts[1] == "Model switched to `gpt-4o` for provider `echo` in this sender session."


async def test_mention_only_and_commands_addressed_to_the_bot(fake: FakeDiscord) -> None:
    async with _daemon(_config(fake, mention_only=True)):
        await fake.send_message("not for the bot")
        await fake.send_message("/models@someone_else")
        await fake.send_message("/model@zcbot gpt-4o")
        await fake.send_message(f"<@{BOT_ID}> and now?")
        texts = await _texts(fake, 2)
    assert texts == [
        "Model switched to `gpt-4o` for provider `echo` in this sender session.",
        "[gpt-4o] and now?",
    ]


async def test_denied_dm_gets_the_id_hint_once_and_guild_stays_silent(fake: FakeDiscord) -> None:
    async with _daemon(_config(fake)):
        await fake.send_message("let me in", author_id="666", guild=False, channel_id="801")
        await fake.send_message("again", author_id="666", guild=False, channel_id="801")
        await fake.send_message("in the guild", author_id="666")
        await fake.send_message("marker")  # an allowed user, proves the rest was processed
        with anyio.fail_after(5):
            await fake.wait_for(lambda: "[echo] marker" in fake.texts())
            await fake.wait_for(lambda: len(fake.texts()) == 2)
    hint = [m for m in fake.messages.values() if m["channel_id"] == "801"]
    assert len(hint) == 1
    assert "666" in hint[0]["content"]
    assert "channels_config.discord.allowed_users" in hint[0]["content"]


async def test_streaming_edits_with_the_echo_provider(fake: FakeDiscord) -> None:
    words = " ".join(f"w{i}" for i in range(40))
    async with _daemon(_config(fake, stream="partial")):
        await fake.send_message(words)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: fake.texts() == [f"[echo] {words}"])
    assert len(fake.sent()) == 1


async def test_long_answer_is_split(fake: FakeDiscord) -> None:
    text = "ça va 😀 " * 400  # 3600 characters
    async with _daemon(_config(fake)):
        await fake.send_message(text)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: len(fake.texts()) == 2)
    assert "".join(fake.texts()) == f"[echo] {text.strip()}"
