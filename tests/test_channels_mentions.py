"""Addressing rules shared by Telegram and Discord (SPEC §6), plus the restart supervisor."""

from __future__ import annotations

import anyio
import pytest

from zeroclaw_py.channels.drafts import EditPacer
from zeroclaw_py.channels.mentions import BotIdentity, addressed_text, command_target
from zeroclaw_py.channels.supervise import Backoff, supervise

TG = BotIdentity("zc_bot")
DC = BotIdentity("zcbot", tags=("<@900>", "<@!900>"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@zc_bot hi", "hi"),
        ("hi @zc_bot", "hi"),
        ("@ZC_Bot: what now", "what now"),
        ("@zc_bot, ok", "ok"),
        ("line one\n@zc_bot line two", "line one\nline two"),
        ("hi @zc_bot.", "hi ."),
    ],
)
def test_telegram_mentions_are_removed(text: str, expected: str) -> None:
    assert addressed_text(text, TG, group=True, mention_only=True) == expected


@pytest.mark.parametrize(
    "text",
    ["hello all", "mail a@zc_bot", "@zc_bot_fan hi", "@zc_botx", "/models@other_bot", "zc_bot"],
)
def test_not_addressed_in_mention_only_groups(text: str) -> None:
    assert addressed_text(text, TG, group=True, mention_only=True) is None


def test_commands_addressed_to_the_bot_lose_the_suffix() -> None:
    assert addressed_text("/models@zc_bot", TG, group=True, mention_only=True) == "/models"
    assert addressed_text("/model@ZC_BOT  a  b", TG, group=True, mention_only=True) == (
        "/model  a  b"
    )
    assert addressed_text("/model@zc_bot\nx", TG, group=True, mention_only=True) == "/model\nx"


def test_other_bots_commands_are_dropped_in_groups_only() -> None:
    assert addressed_text("/models@other_bot", TG, group=True, mention_only=False) is None
    assert addressed_text("/models@other_bot", TG, group=False, mention_only=False) == (
        "/models@other_bot"
    )


def test_private_chats_never_need_a_mention() -> None:
    assert addressed_text("hello", TG, group=False, mention_only=True) == "hello"


def test_reply_to_the_bot_addresses_it() -> None:
    assert addressed_text("more?", TG, group=True, mention_only=True, replied_to_bot=True) == (
        "more?"
    )


def test_mention_then_command_is_a_command() -> None:
    assert addressed_text("@zc_bot /models", TG, group=True, mention_only=True) == "/models"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@900> hi", "hi"),
        ("hey <@!900> you", "hey you"),
        ("/models@zcbot openai", "/models openai"),
    ],
)
def test_discord_tags_and_commands(text: str, expected: str) -> None:
    assert addressed_text(text, DC, group=True, mention_only=True) == expected


def test_discord_other_user_tag_is_not_a_mention() -> None:
    assert addressed_text("<@901> hi", DC, group=True, mention_only=True) is None


def test_command_target() -> None:
    assert command_target("  /models@bot x") == "bot"
    assert command_target("/models x") is None
    assert command_target("hi /models@bot") is None
    assert command_target("") is None


def test_backoff_doubles_to_cap_and_resets() -> None:
    backoff = Backoff(first=1.0, cap=5.0)
    assert [backoff.next() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next() == 1.0


def test_pacer_spaces_edits_per_chat() -> None:
    pacer = EditPacer(10.0)
    assert pacer.delay("a") == 0.0
    pacer.mark("a")
    assert pacer.delay("a") > 9.0
    assert pacer.delay("b") == 0.0


@pytest.mark.anyio
async def test_supervise_restarts_a_crashing_loop(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []
    done = anyio.Event()

    async def flaky() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("boom")
        done.set()
        await anyio.sleep_forever()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(supervise, "test loop", flaky, Backoff(first=0.01, cap=0.02))
            await done.wait()
            tg.cancel_scope.cancel()
    assert len(runs) == 3
    assert sum("test loop crashed" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.anyio
async def test_supervise_lets_fatal_errors_through() -> None:
    async def fatal() -> None:
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        await supervise("fatal loop", fatal, Backoff(first=0.01), fatal=(PermissionError,))
