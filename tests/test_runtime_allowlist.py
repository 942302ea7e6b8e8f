"""Who may talk to the bot (SPEC §6): allowlists as data, one refusal per sender per run."""

from __future__ import annotations

import pytest

from tests.harness import ask, ask_all, msg, running_runtime

pytestmark = pytest.mark.anyio


def _telegram(users: str) -> str:
    return f'[channels_config.telegram]\nbot_token = "123:abc"\nallowed_users = {users}\n'


def _discord(users: str) -> str:
    return f'[channels_config.discord]\nbot_token = "x.y.z"\nallowed_users = {users}\n'


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"sender": "alice"}, True),
        ({"sender": "ALICE"}, True),
        ({"sender": "42", "sender_id": "42"}, True),
        ({"sender": "carol", "sender_id": "42"}, True),
        ({"sender": "zed", "sender_aliases": ("bobby",)}, True),
        ({"sender": "mallory", "sender_id": "7"}, False),
    ],
)
async def test_telegram_entries_are_normalised(fields: dict[str, object], allowed: bool) -> None:
    config = _telegram('[" @Alice ", "42", "@bobby"]')
    async with running_runtime(config) as runtime:
        reply = await ask(runtime, "hi", channel="telegram", **fields)
    assert reply.startswith("[echo]") is allowed


async def test_star_allows_everyone_and_empty_allows_nobody() -> None:
    async with running_runtime(_telegram('["*"]')) as runtime:
        assert await ask(runtime, "hi", channel="telegram", sender="anyone") == "[echo] hi"
    async with running_runtime(_telegram("[]")) as runtime:
        reply = await ask(runtime, "hi", channel="telegram", sender="alice", sender_id="1")
        assert not reply.startswith("[echo]")


async def test_denied_private_sender_is_told_once_with_id_and_key() -> None:
    async with running_runtime(_telegram('["alice"]')) as runtime:
        first = await ask_all(runtime, "hi", channel="telegram", sender="eve", sender_id="99")
        second = await ask_all(runtime, "/models", channel="telegram", sender="eve", sender_id="99")
        other = await ask(runtime, "hi", channel="telegram", sender="oscar", sender_id="100")
    assert first.sent == [
        "🔒 You are not allowed to talk to this bot yet. Your id is `99`: ask the operator "
        "to add it to `channels_config.telegram.allowed_users` in config.toml."
    ]
    assert first.answers == []
    assert second.events == []
    assert "`100`" in other


async def test_denied_group_messages_are_ignored_silently() -> None:
    async with running_runtime(_telegram('["alice"]')) as runtime:
        responder = await ask_all(
            runtime,
            "hi",
            channel="telegram",
            sender="eve",
            sender_id="9",
            chat="-1",
            is_private=False,
        )
    assert responder.events == []


async def test_discord_matches_ids_exactly() -> None:
    async with running_runtime(_discord('["111111111111111111"]')) as runtime:
        ok = await ask(runtime, "hi", channel="discord", sender="111111111111111111")
        near = await ask(runtime, "hi", channel="discord", sender="11111111111111111")
    assert ok == "[echo] hi"
    assert "channels_config.discord.allowed_users" in near


async def test_console_and_web_are_always_allowed() -> None:
    async with running_runtime(_telegram("[]") + _discord("[]")) as runtime:
        assert await ask(runtime, "hi", channel="console") == "[echo] hi"
        assert await ask(runtime, "hi", channel="web") == "[echo] hi"


def test_a_channel_without_a_rule_is_denied_by_default() -> None:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.allowlist import is_allowed, trust_local_channel

    stranger = msg("hi", channel="unregistered-channel")
    assert not is_allowed(Config(), stranger)
    assert is_allowed(Config(), msg("hi", channel="console"))
    with pytest.raises(ValueError, match="allowed_users"):
        trust_local_channel("telegram")
