"""Telegram end to end: fake Bot API -> real PTB -> our adapter -> the real Runtime (echo)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from tests.fakes.channel_host import FakeHost, started
from tests.fakes.telegram_api import FakeTelegram, serve_telegram
from tests.harness import running_runtime
from zeroclaw_py.channels.factories import telegram as create
from zeroclaw_py.channels.telegram import TelegramService

pytestmark = pytest.mark.anyio

GROUP: dict[str, Any] = {"chat_id": -100, "chat_type": "supergroup"}


def _config(fake: FakeTelegram, *, mention_only: bool = False, stream: str = "off") -> str:
    return f"""
[channels_config.telegram]
bot_token = "{fake.token}"
allowed_users = ["alice", "99"]
mention_only = {str(mention_only).lower()}
stream_mode = "{stream}"
api_base_url = "{fake.base}"
draft_update_interval_ms = 50
"""


@asynccontextmanager
async def _daemon(config_text: str) -> AsyncIterator[TelegramService]:
    async with running_runtime(config_text) as runtime:
        service = create(FakeHost(runtime), runtime.config)
        assert service is not None
        async with started(service):
            yield service


async def _texts(fake: FakeTelegram, count: int) -> list[str]:
    with anyio.fail_after(5):
        await fake.wait_for(lambda: len(fake.texts) >= count)
    return list(fake.texts.values())


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with serve_telegram() as server:
        yield server


async def test_private_chat_answer_and_commands(fake: FakeTelegram) -> None:
    async with _daemon(_config(fake)):
        fake.push_message("hello world")
        assert await _texts(fake, 1) == ["[echo] hello world"]
        fake.push_message("/models")
        texts = await _texts(fake, 2)
    assert texts[1].startswith("Current provider: `echo`")
    assert "Available providers:" in texts[1]


async def test_numeric_id_is_accepted_when_listed(fake: FakeTelegram) -> None:
    async with _daemon(_config(fake)):
        fake.push_message("hi", user_id=99, username=None, chat_id=99)
        assert await _texts(fake, 1) == ["[echo] hi"]


async def test_denied_private_chat_gets_the_id_hint_once(fake: FakeTelegram) -> None:
    async with _daemon(_config(fake)):
        fake.push_message("let me in", user_id=555, username="mallory", chat_id=555)
        fake.push_message("please", user_id=555, username="mallory", chat_id=555)
        fake.push_message("group noise", user_id=555, username="mallory", **GROUP)
        fake.push_message("marker")  # alice, allowed: proves the others were processed
        with anyio.fail_after(5):
            await fake.wait_for(lambda: "[echo] marker" in fake.texts.values())
            await fake.wait_for(lambda: len(fake.texts) == 2)
    hints = [f["text"] for f in fake.sent() if f["chat_id"] == "555"]
    assert len(hints) == 1
    assert "555" in hints[0]
    assert "channels_config.telegram.allowed_users" in hints[0]
    assert not [f for f in fake.sent() if f["chat_id"] == "-100"]


async def test_group_mention_rules_with_commands(fake: FakeTelegram) -> None:
    async with _daemon(_config(fake, mention_only=True)):
        fake.push_message("no mention here", **GROUP)
        fake.push_message("/models@other_bot", **GROUP)
        fake.push_message("/model@zc_bot gpt-4o", **GROUP)
        texts = await _texts(fake, 1)
        assert texts == ["Model switched to `gpt-4o` for provider `echo` in this sender session."]
        fake.push_message("@zc_bot how are you", **GROUP)
        texts = await _texts(fake, 2)
    assert texts[1] == "[gpt-4o] how are you"


async def test_forum_topic_reply(fake: FakeTelegram) -> None:
    async with _daemon(_config(fake)):
        fake.push_message("topic question", thread_id=5, **GROUP)
        assert await _texts(fake, 1) == ["[echo] topic question"]
    assert fake.sent()[0]["message_thread_id"] == "5"


async def test_streaming_with_the_echo_provider(fake: FakeTelegram) -> None:
    words = " ".join(f"word{i}" for i in range(30))
    async with _daemon(_config(fake, stream="partial")):
        fake.push_message(words)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: list(fake.texts.values()) == [f"[echo] {words}"])
    assert fake.count("sendMessage") == 1


async def test_unsupported_attachment_gets_a_clear_answer(fake: FakeTelegram) -> None:
    voice = {"file_id": "v", "file_unique_id": "v", "duration": 2}
    async with _daemon(_config(fake)):
        fake.push_message(extra={"voice": voice})
        texts = await _texts(fake, 1)
    assert "voice" in texts[0]
    assert "ignored" in texts[0]


async def test_long_multibyte_answer_is_split(fake: FakeTelegram) -> None:
    text = "日本語 😀 " * 700  # 4900 characters, 6300 UTF-16 units with the prefix
    async with _daemon(_config(fake)):
        fake.push_message(text)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: len(fake.texts) == 2)
    assert "".join(fake.texts.values()) == f"[echo] {text.strip()}"


async def test_photo_reaches_the_turn(fake: FakeTelegram) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    fake.add_file("p1", png)
    photo = [{"file_id": "p1", "file_unique_id": "p", "width": 10, "height": 10, "file_size": 40}]
    async with _daemon(_config(fake)):
        fake.push_message(extra={"photo": photo, "caption": "what is it"})
        texts = await _texts(fake, 1)
    assert fake.sent("getFile")[0]["file_id"] == "p1"
    assert texts[0].startswith("[echo] what is it")
    assert "cannot see images" in texts[0]  # echo is text-only: the dispatcher says so (§7.4)


async def test_a_command_during_a_slow_answer_is_answered_first_and_order_is_kept(
    fake: FakeTelegram,
) -> None:
    """Same chat, same sender: `/model` is not stuck behind a slow answer, the slow answer keeps
    the route it started with, and the next chat message still waits for the slow one."""
    from tests.fakes.provider_server import FakeProvider
    from tests.harness import openai_provider

    async with FakeProvider() as llm:
        llm.script("slow", reply="slow answer", delay=0.5)
        llm.script("fast", reply="fast answer")
        config = (
            '[agent.model]\nprimary = "llm/slow"\n'
            + openai_provider("llm", llm, "sk-test")
            + _config(fake)
        )
        async with _daemon(config):
            fake.push_message("take your time")
            with anyio.fail_after(5):
                await llm.wait_requests(1)  # the slow turn is on the wire
            fake.push_message("/model fast")
            fake.push_message("and now?")
            texts = await _texts(fake, 3)
    assert texts == [
        "Model switched to `fast` for provider `llm` in this sender session.",
        "slow answer",
        "fast answer",
    ]
