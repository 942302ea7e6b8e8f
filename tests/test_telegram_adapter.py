"""Telegram adapter through real PTB against the fake Bot API (recording dispatcher)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import pytest

from tests.fakes.channel_host import FakeHost, RecordingRuntime, running_telegram
from tests.fakes.telegram_api import FakeTelegram, serve_telegram

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with serve_telegram() as server:
        yield server


def _run(
    fake: FakeTelegram, runtime: RecordingRuntime, **overrides: object
) -> AbstractAsyncContextManager[Any]:
    return running_telegram(FakeHost(runtime), fake.base, fake.token, **overrides)


async def test_private_message_is_passed_and_answered(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("hello there", user_id=7, username="alice")
        with anyio.fail_after(5):
            await fake.wait_for(lambda: fake.count("sendMessage") == 1)
    msg = runtime.messages[0]
    assert (msg.channel, msg.sender, msg.sender_id, msg.chat, msg.is_private) == (
        "telegram",
        "alice",
        "7",
        "42",
        True,
    )
    assert msg.sender_aliases == ("7",)
    sent = fake.sent()[0]
    assert sent["text"] == "echo: hello there"
    assert sent["parse_mode"] == "Markdown"
    assert fake.count("sendChatAction") >= 1
    assert fake.count("getMe") == 1


GROUP: dict[str, Any] = {"chat_id": -100, "chat_type": "supergroup"}


async def _answered(fake: FakeTelegram, count: int) -> None:
    with anyio.fail_after(5):
        await fake.wait_for(lambda: fake.count("sendMessage") >= count)


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("@zc_bot what time is it", "what time is it"),
        ("hey @ZC_BOT, how are you", "hey how are you"),
        ("/models@zc_bot openai", "/models openai"),
        ("/model@zc_bot gpt-4o", "/model gpt-4o"),
    ],
)
async def test_group_mention_only_addressed_forms(
    fake: FakeTelegram, text: str, passed: str
) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, mention_only=True):
        fake.push_message("just chatting", **GROUP)  # not for us
        fake.push_message("mail me@zc_bot.com", **GROUP)  # @ inside a word is no mention
        fake.push_message("/models@other_bot", **GROUP)  # another bot's command
        fake.push_message(text, **GROUP)
        await _answered(fake, 1)
    assert [m.text for m in runtime.messages] == [passed]
    assert runtime.messages[0].is_private is False
    assert fake.sent()[0]["chat_id"] == "-100"


async def test_group_reply_to_bot_counts_as_addressed(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime, mention_only=True):
        fake.push_message("thanks, and more?", reply_to=fake.bot_message(-100), **GROUP)
        await _answered(fake, 1)
    assert runtime.messages[0].text == "thanks, and more?"


async def test_group_without_mention_only_takes_everything_but_other_bots_commands(
    fake: FakeTelegram,
) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("/models@other_bot", **GROUP)
        fake.push_message("plain chatter", **GROUP)
        await _answered(fake, 1)
    assert [m.text for m in runtime.messages] == ["plain chatter"]


async def test_forum_topic_reply_goes_to_the_same_topic(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("in a topic", thread_id=77, **GROUP)
        await _answered(fake, 1)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: fake.count("sendChatAction") >= 1)
    assert runtime.messages[0].thread == "77"
    assert fake.sent()[0]["message_thread_id"] == "77"
    assert fake.sent("sendChatAction")[0]["message_thread_id"] == "77"


async def test_long_reply_split_at_4096_utf16_units(fake: FakeTelegram) -> None:
    long = ("Grüße 😀 " * 300 + "\n") * 3  # emoji count twice in UTF-16
    runtime = RecordingRuntime(reply=lambda m: long)
    async with _run(fake, runtime):
        fake.push_message("long please")
        await _answered(fake, 2)
        with anyio.fail_after(5):
            await fake.wait_for(lambda: "".join(f["text"] for f in fake.sent()) == long)
    assert len(fake.sent()) > 1  # the fake itself rejects anything over 4096 units


async def test_markdown_rejected_is_resent_as_plain_text(fake: FakeTelegram) -> None:
    reply = "snake_case names *everywhere"
    runtime = RecordingRuntime(reply=lambda m: reply)
    async with _run(fake, runtime):
        fake.push_message("hi")
        await _answered(fake, 2)
    first, second = fake.sent()
    assert (first["parse_mode"], first["text"]) == ("Markdown", reply)
    assert (second.get("parse_mode"), second["text"]) == (None, reply)
    assert list(fake.texts.values()) == [reply]


async def test_flood_control_is_waited_out(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    async with _run(fake, runtime):
        fake.push_message("hi")
        await _answered(fake, 2)
    calls = [c for c in fake.calls if c.method == "sendMessage"]
    assert calls[1].at - calls[0].at >= 0.9
    assert list(fake.texts.values()) == ["echo: hi"]


async def test_streaming_edits_one_message_and_ends_exact(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    runtime.tokens = ["Hello", " wor", "ld", ", *bold* and", " more"]
    async with _run(fake, runtime, stream_mode="partial"):
        fake.push_message("stream")
        with anyio.fail_after(5):
            await fake.wait_for(
                lambda: list(fake.texts.values()) == ["Hello world, *bold* and more"]
            )
    assert fake.count("sendMessage") == 1
    assert fake.count("editMessageText") >= 1
    assert fake.sent("editMessageText")[-1]["parse_mode"] == "Markdown"
    edits = [c.at for c in fake.calls if c.method in ("sendMessage", "editMessageText")]
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(edits))


async def test_streamed_answer_over_the_limit_is_split_on_finish(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    runtime.tokens = ["word " * 500, "word " * 500]  # 5000 characters
    async with _run(fake, runtime, stream_mode="partial"):
        fake.push_message("stream")
        with anyio.fail_after(5):
            await fake.wait_for(
                lambda: (
                    "".join(fake.texts.values()) == "word " * 1000
                    and fake.count("sendMessage") == 2
                )
            )


async def test_bad_token_fails_start_clearly(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    from zeroclaw_py.errors import ChannelStartError

    with (
        caplog.at_level(logging.INFO),
        pytest.raises(
            ChannelStartError, match=r"token was rejected.*channels_config\.telegram\.bot_token"
        ),
    ):
        async with running_telegram(FakeHost(RecordingRuntime()), fake.base, "1:wrong"):
            pass
    # the one error line is the daemon's (it logs the exception); we add no second one
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def test_conflict_is_reported_once_and_polling_resumes(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        fake.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request")
    runtime = RecordingRuntime()
    async with _run(fake, runtime) as service:
        fake.push_message("after the conflict")
        await _answered(fake, 1)
    assert service.conflicts == 3
    conflict_lines = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert [r.levelname for r in conflict_lines] == ["ERROR"]


async def test_stalled_poll_is_restarted_by_the_watchdog(fake: FakeTelegram) -> None:
    fake.stall_polls = 1
    runtime = RecordingRuntime()
    async with _run(fake, runtime) as service:
        fake.push_message("are you alive")
        await _answered(fake, 1)
    assert service.stalls == 1


async def test_offset_is_persisted_and_not_repeated_after_restart(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    host = FakeHost(runtime)
    async with running_telegram(host, fake.base, fake.token):
        fake.push_message("first")
        await _answered(fake, 1)
    stored = runtime.store.kv
    assert list(stored.values()) == [str(fake.updates[-1]["update_id"] + 1)]
    async with running_telegram(host, fake.base, fake.token):  # same store: a re-exec
        fake.push_message("second")
        await _answered(fake, 2)
    assert [m.text for m in runtime.messages] == ["first", "second"]


async def test_typing_is_kept_alive_while_a_turn_runs(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    runtime.hold = anyio.Event()
    async with _run(fake, runtime):
        fake.push_message("slow one")
        with anyio.fail_after(5):
            await fake.wait_for(lambda: fake.count("sendChatAction") >= 3)
        runtime.hold.set()
        await _answered(fake, 1)
    assert fake.sent("sendChatAction")[0]["action"] == "typing"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_photo_and_image_document_are_downloaded(fake: FakeTelegram) -> None:
    fake.add_file("small", PNG)
    fake.add_file("big", PNG)
    fake.add_file("doc", PNG)
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 72},
        {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 800, "file_size": 72},
    ]
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message(extra={"photo": photo, "caption": "what is this"})
        fake.push_message(
            extra={
                "document": {
                    "file_id": "doc",
                    "file_unique_id": "d",
                    "file_name": "a.png",
                    "mime_type": "image/png",
                    "file_size": 72,
                }
            }
        )
        fake.push_message(
            extra={
                "document": {
                    "file_id": "pdf",
                    "file_unique_id": "p",
                    "file_name": "r.pdf",
                    "mime_type": "application/pdf",
                    "file_size": 10,
                }
            }
        )
        fake.push_message(
            extra={
                "photo": [
                    {
                        "file_id": "huge",
                        "file_unique_id": "h",
                        "width": 9000,
                        "height": 9000,
                        "file_size": 50 * 1024 * 1024,
                    }
                ]
            }
        )
        await _answered(fake, 4)
    first, second, third, fourth = sorted(runtime.messages, key=lambda m: int(m.message_id))
    assert first.text == "what is this"
    assert first.images[0].mime_type == "image/png"
    assert [image.data for image in second.images] == [PNG]
    assert third.unsupported_attachments == ("document r.pdf",)
    assert not third.images
    assert fourth.unsupported_attachments == ("photo over 10 MiB",)
    assert fake.sent("getFile")[0]["file_id"] == "big"
    assert "huge" not in [f["file_id"] for f in fake.sent("getFile")]


async def test_server_errors_are_retried_then_delivered(fake: FakeTelegram) -> None:
    for _ in range(2):
        fake.fail_next("sendMessage", 502, "Bad Gateway")
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("hi")
        with anyio.fail_after(5):
            await fake.wait_for(lambda: list(fake.texts.values()) == ["echo: hi"])
    assert fake.count("sendMessage") == 3


async def test_a_reply_lost_after_the_last_try_is_logged(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(4):
        fake.fail_next("sendMessage", 502, "Bad Gateway")
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("hi")
        with anyio.fail_after(5):
            await runtime.finished.wait()  # send() returned: every try was made
    assert fake.count("sendMessage") == 4
    lost = [r for r in caplog.records if "could not deliver" in r.getMessage()]
    assert [r.levelname for r in lost] == ["ERROR"]
    assert fake.texts == {}


async def test_stop_lets_an_answer_in_flight_finish(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    runtime.hold = anyio.Event()
    async with _run(fake, runtime) as service:
        fake.push_message("slow question")
        with anyio.fail_after(5):
            await runtime.received.wait()
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.stop)  # e.g. a config edit restarts the channel
            runtime.hold.set()
    assert list(fake.texts.values()) == ["echo: slow question"]


async def test_streamed_final_edit_falls_back_to_plain_text(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    runtime.tokens = ["2 * 3 ", "= 6"]  # one lone asterisk: Telegram refuses it as Markdown
    async with _run(fake, runtime, stream_mode="partial"):
        fake.push_message("math")
        with anyio.fail_after(5):
            await runtime.finished.wait()
    assert list(fake.texts.values()) == ["2 * 3 = 6"]
    final = fake.sent("editMessageText")[-2:]
    assert [f.get("parse_mode") for f in final] == ["Markdown", None]


async def test_token_revoked_while_polling_stops_with_one_error(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with _run(fake, RecordingRuntime()) as service:
        fake.token = "123456:rotated"  # every later call answers 401
        with anyio.fail_after(5):
            await service.wait_stopped()
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "revoked" in errors[0]


async def test_album_photos_become_one_message(fake: FakeTelegram) -> None:
    runtime = RecordingRuntime()
    for name in ("a1", "a2", "a3"):
        fake.add_file(name, PNG)

    def photo(file_id: str) -> dict[str, Any]:
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 9, "height": 9}
        return {"photo": [{**size, "file_size": len(PNG)}], "media_group_id": "album-1"}

    async with _run(fake, runtime):
        fake.push_message(extra=photo("a1"))
        fake.push_message(extra={**photo("a2"), "caption": "compare these"})
        fake.push_message(extra=photo("a3"))
        await _answered(fake, 1)
    assert len(runtime.messages) == 1
    assert runtime.messages[0].text == "compare these"
    assert len(runtime.messages[0].images) == 3


async def test_group_migrated_to_supergroup_gets_the_answer(fake: FakeTelegram) -> None:
    fake.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -1009},
    )
    runtime = RecordingRuntime()
    async with _run(fake, runtime):
        fake.push_message("hello group", chat_id=-5, chat_type="group")
        await _answered(fake, 2)
    assert [f["chat_id"] for f in fake.sent()] == ["-5", "-1009"]
    assert list(fake.texts.values()) == ["echo: hello group"]
