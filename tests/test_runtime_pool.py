"""Provider instances: one per (id, settings), warmed once, replaced by a reload for new turns."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.fakes.provider_server import FakeProvider
from tests.harness import RecordingResponder, ask, msg, openai_provider, running_runtime
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.config.schema import ProviderSettings

pytestmark = pytest.mark.anyio


def _config(fake: FakeProvider, key: str = "key-one-123456") -> str:
    return openai_provider("f", fake, key)


async def test_ten_concurrent_first_uses_build_one_instance() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script_models(delay=0.2)  # a slow warmup keeps the window open
        before = runtime.pool.created
        providers = await asyncio.gather(*(runtime.get_provider("f") for _ in range(10)))
        assert len({id(p) for p in providers}) == 1
        assert runtime.pool.created == before + 1
        warmups = [r for r in fake.requests if r.path.endswith("/models")]
        assert len(warmups) == 1


async def test_warmup_failure_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script_models(error="server")
        provider = await runtime.get_provider("f")
        assert provider.id == "f"
        assert await ask(runtime, "/models f") == (
            "Provider switched to `f` for this sender session. Current model is `echo`.\n"
            "Use `/model <model-id>` to set a provider-compatible model."
        )


async def test_reload_changing_settings_replaces_instance_for_new_turns_only() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("slow", reply="old answer", delay=0.3)
        await ask(runtime, "/models f")
        await ask(runtime, "/model slow")
        old = await runtime.get_provider("f")
        responder = RecordingResponder()
        before = len(fake.requests)
        running = asyncio.create_task(runtime.handle(msg("go"), responder))
        await fake.wait_requests(before + 1)
        settings = dict(runtime.config.providers)
        settings["f"] = dataclasses.replace(settings["f"], api_key="key-two-654321")
        retired = runtime.apply_config(dataclasses.replace(runtime.config, providers=settings))
        assert retired == ["f"]
        new = await runtime.get_provider("f")
        assert new is not old
        await runtime.pool.settle()
        assert runtime.pool.closed == 0  # the turn in flight still holds the old instance
        await running
        assert responder.replies == ["old answer"]
        await runtime.pool.settle()
        assert runtime.pool.closed == 1
        fake.script("slow", reply="new answer")
        assert await ask(runtime, "again") == "new answer"
    chats = [r.api_key for r in fake.requests if r.model == "slow"]
    assert chats == ["key-one-123456", "key-two-654321"]


async def test_reload_without_changes_keeps_the_instance() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        first = await runtime.get_provider("f")
        assert runtime.apply_config(dataclasses.replace(runtime.config)) == []
        assert await runtime.get_provider("f") is first


async def test_removed_provider_is_retired() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        await runtime.get_provider("f")
        providers: dict[str, ProviderSettings] = {}
        assert runtime.apply_config(dataclasses.replace(runtime.config, providers=providers)) == [
            "f"
        ]
        await runtime.pool.settle()
        assert runtime.pool.closed == 1  # idle: closed at once


async def test_drain_waits_for_turns_in_flight() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("slow", reply="done", delay=0.3)
        await ask(runtime, "/models f")
        await ask(runtime, "/model slow")
        responder = RecordingResponder()
        before = len(fake.requests)
        running = asyncio.create_task(runtime.handle(msg("go"), responder))
        await fake.wait_requests(before + 1)
        assert runtime.in_flight == 1
        assert await runtime.drain(0.01) is False
        assert await runtime.drain(5.0) is True
        assert runtime.in_flight == 0
        await running
        assert responder.replies == ["done"]


async def test_reload_invalidates_the_catalog() -> None:
    async with running_runtime() as runtime:
        assert runtime.catalog().lookup("openai", "gpt-4o") is None
        agent = parse_config('[agent.models."openai/gpt-4o"]\nalias = "Four"\n', env={}).agent
        runtime.apply_config(dataclasses.replace(runtime.config, agent=agent))
        assert runtime.catalog().lookup("openai", "gpt-4o") is not None
