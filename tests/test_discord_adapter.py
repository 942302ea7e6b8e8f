"""Discord adapter through a real discord.py Client against the fake REST API and gateway."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakes.channel_host import FakeHost, RecordingRuntime, running_discord
from tests.fakes.discord_api import BOT_ID, BOT_ROLE_ID, FakeDiscord, serve_discord

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serve_discord() as server:
        yield server


def _run(
    fake: FakeDiscord, runtime: RecordingRuntime, **overrides: object
) -> AbstractAsyncContextManager[Any]:
    return running_discord(FakeHost(runtime), fake.api, fake.gateway_url, fake.token, **overrides)


async def _sent(fake: FakeDiscord, count: int) -> None:
    with anyio.fail_after(5):
        await fake.wait_for(lambda: len(fake.sent()) >= count)


async def test_guild_message_is_passed_and_answered(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        await fake.send_message("hello bot", author_id="42")
        await _sent(fake, 1)
    msg = runtime.messages[0]
    assert (msg.channel, msg.sender, msg.sender_id, msg.is_private) == (
        "discord",
        "42",
        "42",
        False,
    )
    assert msg.sender_aliases == ("alice",)
    assert fake.sent()[0].body["content"] == "echo: hello bot"
    assert fake.sent()[0].body["allowed_mentions"]["parse"] == []
    assert fake.identify is not None
    assert fake.identify["intents"] & (1 << 15)  # MESSAGE_CONTENT
    assert fake.typing_calls() >= 1


async def test_class_level_urls_are_not_patched(fake: FakeDiscord) -> None:
    async with _run(fake, RecordingRuntime()):
        assert Route.BASE == "https://discord.com/api/v10"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_gateway_is_asked_of_the_rest_api_when_not_configured(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    host = FakeHost(runtime)
    async with running_discord(host, fake.api, None, fake.token):
        await fake.send_message("hi")
        await _sent(fake, 1)
    assert any(c.path == "gateway/bot" for c in fake.calls)


async def test_own_messages_and_other_bots_are_ignored(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        await fake.send_message("my own echo", author_id=BOT_ID, author_name="zcbot", bot=True)
        await fake.send_message("beep", author_id="77", author_name="otherbot", bot=True)
        await fake.send_message("human")
        await _sent(fake, 1)
    assert [m.text for m in runtime.messages] == ["human"]


async def test_listen_to_bots(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, listen_to_bots=True):
        await fake.send_message("beep", author_id="77", author_name="otherbot", bot=True)
        await _sent(fake, 1)
    assert runtime.messages[0].sender == "77"


async def test_guild_filter_passes_dms(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, guild_id="123"):
        await fake.send_message("from the configured guild? no")
        await fake.send_message("a dm", guild=False, channel_id="800")
        await _sent(fake, 1)
    assert [(m.text, m.is_private, m.chat) for m in runtime.messages] == [("a dm", True, "800")]


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        (f"<@{BOT_ID}> what's up", "what's up"),
        (f"hey <@!{BOT_ID}> there", "hey there"),
        ("/models@zcbot openai", "/models openai"),
        (f"<@&{BOT_ROLE_ID}> via the bot's role", "via the bot's role"),
    ],
)
async def test_mention_only_in_guilds(fake: FakeDiscord, text: str, passed: str) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, mention_only=True):
        await fake.send_message("chatter")
        await fake.send_message("/models@otherbot")
        await fake.send_message(text)
        await _sent(fake, 1)
        await fake.send_message("dm needs no mention", guild=False, channel_id="800")
        await _sent(fake, 2)
    assert [m.text for m in runtime.messages] == [passed, "dm needs no mention"]


async def test_reply_to_the_bot_counts_as_mention(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, mention_only=True):
        await fake.send_message("and then?", reply_to=fake.bot_message())
        await _sent(fake, 1)
    assert runtime.messages[0].text == "and then?"


async def test_long_reply_is_split_at_2000_characters(fake: FakeDiscord) -> None:
    long = "ünïcödé 😀 " * 500  # 5500 characters
    runtime = RecordingRuntime(reply=lambda m: long)
    async with _run(fake, runtime):
        await fake.send_message("long")
        with anyio.fail_after(5):
            await fake.wait_for(lambda: "".join(fake.texts()) == long)
    assert len(fake.sent()) == 3


async def test_streaming_edits_one_message(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    runtime.tokens = ["Hel", "lo ", "from ", "a stream"]
    async with _run(fake, runtime, stream_mode="partial"):
        await fake.send_message("stream")
        with anyio.fail_after(5):
            await fake.wait_for(lambda: fake.texts() == ["Hello from a stream"])
    assert len(fake.sent()) == 1
    assert len(fake.edits()) >= 1


async def test_send_failure_is_retried(fake: FakeDiscord) -> None:
    fake.fail_sends.append((500, {"message": "oops", "code": 0}))
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        await fake.send_message("hi")
        with anyio.fail_after(15):
            await fake.wait_for(lambda: fake.texts() == ["echo: hi"])


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


async def test_image_attachment_downloaded_and_others_listed(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        attachments = [
            fake.attachment("cat.png", PNG, "image/png"),
            fake.attachment("notes.pdf", b"%PDF", "application/pdf"),
        ]
        await fake.send_message("look", attachments=attachments)
        await _sent(fake, 1)
    msg = runtime.messages[0]
    assert [(i.mime_type, i.data) for i in msg.images] == [("image/png", PNG)]
    assert msg.unsupported_attachments == ("file notes.pdf",)


async def test_bad_token_fails_start_clearly(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    from zeroclaw_py.errors import ChannelStartError

    host = FakeHost(RecordingRuntime())
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(
            ChannelStartError, match=r"token was rejected.*channels_config\.discord\.bot_token"
        ),
    ):
        async with running_discord(host, fake.api, fake.gateway_url, "wrong"):
            pass
    # the one error line is the daemon's (it logs the exception); we add no second one
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_library_names_we_rely_on_exist() -> None:
    assert isinstance(Route.BASE, str)
    assert DiscordWebSocket.DEFAULT_GATEWAY is not None
    assert hasattr(discord.http.HTTPClient, "ws_connect")


async def test_gateway_drop_is_survived(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        await fake.drop_gateway()
        with anyio.fail_after(10):
            await fake.wait_ready()  # the client came back and resumed its session
        await fake.send_message("still there?")
        await _sent(fake, 1)
    assert (fake.identifies, fake.resumes) == (1, 1)
    assert runtime.messages[0].text == "still there?"


async def test_stop_lets_an_answer_in_flight_finish(fake: FakeDiscord) -> None:
    runtime = RecordingRuntime()
    runtime.hold = anyio.Event()
    async with _run(fake, runtime) as service:
        await fake.send_message("slow question")
        with anyio.fail_after(5):
            await runtime.received.wait()
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.stop)
            runtime.hold.set()
    assert fake.texts() == ["echo: slow question"]
