"""Spec-conformance audit of SPEC §5/§6 as an outside tester sees them: whitespace an upstream
split honours, model ids with dated suffixes, the did-you-mean note, history under both
`history_on_switch` values, and the default-removal rule after a reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import ask, running_runtime
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message
from zeroclaw_py.runtime.context import Runtime

pytestmark = pytest.mark.anyio

KEY = "test_alice"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/model\x0bbig", "Model switched to `big` for provider `echo` in this sender session."),
        (
            "\x0c/model\x85big",
            "Model switched to `big` for provider `echo` in this sender session.",
        ),
        (
            "/model\u3000big\u2028one",
            "Model switched to `big one` for provider `echo` in this sender session.",
        ),
    ],
)
async def test_unicode_whitespace_controls_separate_tokens(text: str, expected: str) -> None:
    async with running_runtime() as runtime:
        assert await ask(runtime, text) == expected


@pytest.mark.parametrize("suffix", ["20251001", "20251001-v2", "2025-10-01", "q4_K_M", "8bit"])
async def test_dated_and_quantised_suffixes_stay_in_the_model_id(suffix: str) -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, f"/model claude-x@{suffix}")
        assert reply == (
            f"Model switched to `claude-x@{suffix}` for provider `echo` in this sender session."
        )


async def test_did_you_mean_ignores_case(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    entry = {"provider": "echo", "fetched_at_unix": 1, "models": ["gpt-4o", "o3"]}
    (state / "models_cache.json").write_text(json.dumps({"entries": [entry]}))
    async with running_runtime(home=tmp_path) as runtime:
        reply = await ask(runtime, "/model GPT-4o")
    assert reply == (
        "Model switched to `GPT-4o` for provider `echo` in this sender session.\n"
        "Note: `GPT-4o` is not in the cached model list for `echo`. Did you mean `gpt-4o`?"
    )


async def _seed(runtime: Runtime) -> None:
    await runtime.append_history(KEY, [Message("user", "hi"), Message("assistant", "yo")])


@pytest.mark.parametrize(
    ("policy", "command", "kept"),
    [
        ("clear", "/models echo", 2),  # already current: reply sent, nothing cleared
        ("clear", "/models openai", 0),
        ("clear", "/model echo", 0),  # every /model X clears under "clear", even the same model
        ("clear", "/model other", 0),
        ("keep", "/models openai", 2),
        ("keep", "/model other", 2),
        ("keep", "/new", 0),
    ],
)
async def test_history_after_each_command(policy: str, command: str, kept: int) -> None:
    config = f'[channels_config]\nhistory_on_switch = "{policy}"\n'
    async with running_runtime(config) as runtime:
        await _seed(runtime)
        reply = await ask(runtime, command)
        assert reply  # every command answers, including a switch to the current provider
        assert len(await runtime.get_history(KEY)) == kept


async def test_switch_to_current_provider_still_replies_and_stores_nothing() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models ECHO extra words")
        assert reply == (
            "Provider switched to `echo` for this sender session. Current model is `echo`.\n"
            "Use `/model <model-id>` to set a provider-compatible model."
        )
        assert await runtime.get_override(KEY) is None


async def test_storing_the_new_default_after_a_reload_removes_the_override() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "/models openai")
        assert await runtime.get_override(KEY) == Route("openai", "echo")
        await ask(runtime, "/model gpt-x")
        runtime.apply_config(parse_config('[agent.model]\nprimary = "openai/gpt-y"\n', env={}))
        assert await runtime.get_override(KEY) == Route("openai", "gpt-x")  # still the choice
        await ask(runtime, "/model gpt-y")
        assert await runtime.get_override(KEY) is None
        await ask(runtime, "/models echo")
        assert await runtime.get_override(KEY) == Route("echo", "gpt-y")
        assert await ask(runtime, "/models openai") != ""
        assert await runtime.get_override(KEY) is None


async def test_a_command_addressed_to_a_bot_is_cut_at_the_at_sign() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/Models@SomeBot groq")
        assert reply.startswith("Provider switched to `groq`")
        assert await ask(runtime, "/modelsx", sender="bob") == "[echo] /modelsx"
        assert await ask(runtime, "／models", sender="bob") == "[echo] ／models"


async def test_denied_private_sender_gets_the_numeric_id_and_the_key_once() -> None:
    config = '[channels_config.telegram]\nbot_token = "1:x"\nallowed_users = ["bob"]\n'
    async with running_runtime(config) as runtime:
        fields = {"channel": "telegram", "sender": "mallory", "sender_id": "987654321"}
        first = await ask(runtime, "/models", **fields)
        again = await ask(runtime, "hello", **fields)
    assert "`987654321`" in first
    assert "allowed_users" in first
    assert again == ""


async def test_a_profile_may_follow_a_dated_suffix() -> None:
    config = '[auth.profiles."anthropic:work"]\nprovider = "anthropic"\n'
    async with running_runtime(config) as runtime:
        reply = await ask(runtime, "/model anthropic/claude-x@20251001@anthropic:work")
        assert reply == (
            "Model switched to `claude-x@20251001` for provider `anthropic` in this sender "
            "session.\nAuth profile set to `anthropic:work`."
        )
        assert await runtime.get_override(KEY) == Route(
            "anthropic", "claude-x@20251001", "anthropic:work"
        )


async def test_lone_surrogates_in_a_message_become_replacement_characters() -> None:
    async with running_runtime(backend="sqlite") as runtime:
        assert await ask(runtime, "/model caf\udce9") == (
            "Model switched to `caf\ufffd` for provider `echo` in this sender session."
        )
        assert await ask(runtime, "hi \ud83d") == "[caf\ufffd] hi \ufffd"
