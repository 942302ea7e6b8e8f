"""Per-conversation routes: isolation, scopes, history on switch, reload interplay (SPEC §5)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.fakes.provider_server import FakeProvider
from tests.harness import RecordingResponder, ask, msg, openai_provider, running_runtime
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.models.refs import Route

pytestmark = pytest.mark.anyio


async def test_a_switch_touches_only_that_sender() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "/model big", sender="alice")
        assert await ask(runtime, "hi", sender="alice") == "[big] hi"
        assert await ask(runtime, "hi", sender="bob") == "[echo] hi"
        assert await ask(runtime, "hi", sender="alice", channel="other") == "[echo] hi"


def _two_fakes_config(a: FakeProvider, b: FakeProvider) -> str:
    return (
        '[agent.model]\nprimary = "alpha/model-a"\n'
        + openai_provider("alpha", a, "key-alpha-123456")
        + openai_provider("beta", b, "key-beta-654321")
    )


async def test_switched_provider_gets_its_own_url_key_and_model_on_the_wire() -> None:
    async with FakeProvider() as fa, FakeProvider() as fb:
        async with running_runtime(_two_fakes_config(fa, fb)) as runtime:
            await ask(runtime, "/models beta", sender="alice")
            await ask(runtime, "/model model-b", sender="alice")
            assert await ask(runtime, "one", sender="alice") == "[model-b] one"
            assert await ask(runtime, "two", sender="bob") == "[model-a] two"
        chat_a = [r for r in fa.requests if r.model]
        chat_b = [r for r in fb.requests if r.model]
    assert [(r.model, r.api_key) for r in chat_a] == [("model-a", "key-alpha-123456")]
    assert [(r.model, r.api_key) for r in chat_b] == [("model-b", "key-beta-654321")]


@pytest.mark.parametrize(
    ("scope", "same_key_pairs"),
    [
        ("sender", [(("alice", "g1"), ("alice", "g2"))]),
        ("chat", [(("alice", "g1"), ("bob", "g1"))]),
        ("chat_sender", []),
    ],
)
async def test_route_scope_decides_who_shares_a_switch(
    scope: str, same_key_pairs: list[tuple[tuple[str, str], tuple[str, str]]]
) -> None:
    config = f'[channels_config]\nroute_scope = "{scope}"\n'
    async with running_runtime(config) as runtime:
        await ask(runtime, "/model switched", sender="alice", chat="g1")
        results = {
            (sender, chat): await ask(runtime, "x", sender=sender, chat=chat)
            for sender, chat in [("alice", "g1"), ("alice", "g2"), ("bob", "g1")]
        }
    shared = {pair[1] for pair in same_key_pairs}
    assert results[("alice", "g1")] == "[switched] x"
    for who in [("alice", "g2"), ("bob", "g1")]:
        assert results[who] == ("[switched] x" if who in shared else "[echo] x")


def test_conversation_key_formats() -> None:
    from zeroclaw_py.runtime.context import KEY_FORMATS

    message = msg("hi", channel="telegram", sender="alice", chat="-100")
    assert KEY_FORMATS["sender"](message) == "telegram_alice"
    assert KEY_FORMATS["chat"](message) == "telegram_-100"
    assert KEY_FORMATS["chat_sender"](message) == "telegram_-100_alice"


async def test_storing_the_default_removes_the_override() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "/model other")
        assert await runtime.get_override("test_alice") == Route("echo", "other")
        await ask(runtime, "/model echo")
        assert await runtime.get_override("test_alice") is None


@pytest.mark.parametrize(("policy", "kept"), [("clear", 0), ("keep", 2)])
async def test_history_on_switch(policy: str, kept: int) -> None:
    config = f'[channels_config]\nhistory_on_switch = "{policy}"\n'
    async with running_runtime(config) as runtime:
        await ask(runtime, "first")
        await ask(runtime, "/model other")
        assert len(await runtime.get_history("test_alice")) == kept
        await ask(runtime, "second")
        await ask(runtime, "/models groq")  # provider changed: same policy
        assert len(await runtime.get_history("test_alice")) == (0 if policy == "clear" else 4)


async def test_same_provider_switch_keeps_history() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "first")
        await ask(runtime, "/models echo")
        assert len(await runtime.get_history("test_alice")) == 2


async def test_history_is_sent_and_bounded() -> None:
    async with FakeProvider() as fake:
        config = f"""
[agent]
system_prompt = "be brief"
[agent.model]
primary = "f/m"
{openai_provider("f", fake)}[channels_config]
max_history = 4
"""
        async with running_runtime(config) as runtime:
            for word in ("one", "two", "three"):
                await ask(runtime, word)
            history = await runtime.get_history("test_alice")
        last = [r for r in fake.requests if r.model][-1].json["messages"]
    assert [m.content for m in history] == ["two", "[m] two", "three", "[m] three"]
    assert [(m["role"], m["content"]) for m in last] == [
        ("system", "be brief"),
        ("user", "one"),
        ("assistant", "[m] one"),
        ("user", "two"),
        ("assistant", "[m] two"),
        ("user", "three"),
    ]


async def test_route_of_removed_provider_falls_back_with_a_notice() -> None:
    config = '[providers.gone]\nkind = "openai"\napi_url = "http://127.0.0.1:9/v1"\n'
    async with running_runtime(config) as runtime:
        await ask(runtime, "/models gone")
        runtime.apply_config(parse_config("", env={}))
        reply = await ask(runtime, "still there?")
        assert reply == (
            "⚠️ Provider `gone` is no longer configured, so your conversation is back on the "
            "default `echo` / `echo`.\n[echo] still there?"
        )
        assert await runtime.get_override("test_alice") is None


async def test_route_is_fixed_at_turn_start() -> None:
    """A switch while a turn runs does not change that turn."""
    async with FakeProvider() as fake:
        fake.script("slow", reply="slow answer", delay=0.3)
        config = '[agent.model]\nprimary = "f/slow"\n' + openai_provider("f", fake)
        async with running_runtime(config) as runtime:
            first = RecordingResponder()
            before = len(fake.requests)  # the warmup's model-list call is already there
            running = asyncio.create_task(runtime.handle(msg("go"), first))
            await fake.wait_requests(before + 1)
            runtime.apply_config(
                dataclasses.replace(
                    runtime.config,
                    agent=dataclasses.replace(
                        runtime.config.agent,
                        model=dataclasses.replace(runtime.config.agent.model, primary="f/fast"),
                    ),
                )
            )
            await running
            assert first.replies == ["slow answer"]
            assert await ask(runtime, "again") == "[fast] again"
