"""THE guarantee (SPEC §1, §5, §10): hot reloads under traffic never drop, fail or mix a turn.

Real Runtime (tests/harness.py), real reload service (watchfiles on a real file, the manager,
H2's parser), real OpenAI wire against the loopback fake provider, so the model on the wire and
in each answer is visible.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from tests.fakes.provider_server import FakeProvider, RecordedRequest
from tests.harness import RecordingResponder, ask, msg, running_runtime
from tests.reload_support import LogWatch, watch_logs, write_atomic
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.models.refs import Route
from zeroclaw_py.reload.manager import ReloadManager
from zeroclaw_py.reload.service import ReloadService
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.state import MemoryStore

pytestmark = pytest.mark.anyio

CONVERSATIONS = 20
EDITS = 50
MODELS = ("model-a", "model-b")
APPLIED = "config hot reload applied ("
PACE_S = 0.03


def config(api_url: str, primary: str = "fake/model-a", extra: str = "") -> str:
    return (
        f'[agent.model]\nprimary = "{primary}"\n\n'
        f'[providers.fake]\nkind = "openai"\napi_url = "{api_url}"\napi_key = "k-test"\n\n'
        "[gateway.reload]\ndebounce_ms = 20\n\n" + extra
    )


def echo_config(primary: str) -> str:
    return f'[agent.model]\nprimary = "{primary}"\n\n[gateway.reload]\ndebounce_ms = 20\n'


def chats(server: FakeProvider) -> list[RecordedRequest]:
    """Chat calls only (a provider's warmup may also list models)."""
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


@asynccontextmanager
async def reloading(
    text: str, home: Path
) -> AsyncIterator[tuple[Runtime, ReloadService, Path, LogWatch]]:
    async with running_runtime(text, home=home) as runtime:
        path = home / "config.toml"
        service = ReloadService(path, runtime)
        with watch_logs() as logs:
            await service.start()
            try:
                yield runtime, service, path, logs
            finally:
                await service.stop()


async def wait_applied(logs: LogWatch, count: int) -> None:
    with anyio.fail_after(10):
        await logs.wait_for(lambda _: sum(x.startswith(APPLIED) for x in logs.lines) >= count)


async def test_traffic_during_50_model_edits(tmp_path: Path) -> None:
    """20 conversations talk without pause while 50 edits flip the default model.

    The echo provider (in-process, names its model in every answer) keeps the traffic dense on
    2 cores; the fake-server tests below cover the wire and provider instances.
    """
    async with reloading(echo_config("echo/model-a"), tmp_path) as (runtime, _, path, logs):
        edits_done = anyio.Event()
        checked_exact = 0
        total = 0
        problems: list[str] = []

        async def conversation(n: int) -> None:
            nonlocal checked_exact, total
            sent = 0
            while True:
                last_round = edits_done.is_set()
                before = runtime.config
                responder = RecordingResponder()
                text = f"c{n} m{sent}"
                await runtime.handle(msg(text, sender=f"user{n}"), responder)
                after = runtime.config
                # echo never yields: pace each conversation (a person types; 2 shared cores)
                await anyio.sleep(PACE_S)
                sent += 1
                total += 1
                if len(responder.replies) != 1 or len(responder.answers) != 1:
                    problems.append(f"{text}: replies {responder.replies!r}")
                    continue
                reply = responder.replies[0]
                model = reply.partition("]")[0].removeprefix("[")
                if reply != f"[{model}] {text}" or model not in MODELS:
                    problems.append(f"{text}: unexpected answer {reply!r}")
                if before is after:  # no reload during this turn: exactly that snapshot's model
                    checked_exact += 1
                    expected = before.agent.model.primary.removeprefix("echo/")
                    if model != expected:
                        problems.append(f"{text}: {model} answered, {expected} configured")
                if last_round:
                    final = after.agent.model.primary.removeprefix("echo/")
                    if model != final:
                        problems.append(f"{text}: after the last edit got {model}, not {final}")
                    return

        async with anyio.create_task_group() as group:
            for n in range(CONVERSATIONS):
                group.start_soon(conversation, n)
            for i in range(1, EDITS + 1):
                primary = f"echo/{MODELS[i % 2]}"
                write_atomic(path, echo_config(primary))
                await wait_applied(logs, i)
                assert runtime.config.agent.model.primary == primary
            edits_done.set()

    assert problems == []
    assert runtime.config.agent.model.primary == f"echo/{MODELS[EDITS % 2]}"
    assert total >= CONVERSATIONS * EDITS // 2  # traffic really overlapped the edits
    assert checked_exact > total // 2
    assert not [line for line in logs.lines if "skipped" in line or "failed" in line]


async def test_a_turn_in_flight_finishes_on_its_original_provider_instance(
    tmp_path: Path,
) -> None:
    async with FakeProvider() as old_server, FakeProvider() as new_server:
        old_server.script("model-a", reply="from the old server", delay=1.0)
        new_server.script("model-a", reply="from the new server")
        async with reloading(config(old_server.base_url("openai")), tmp_path) as (
            runtime,
            _,
            path,
            logs,
        ):
            slow = RecordingResponder()
            async with anyio.create_task_group() as group:
                group.start_soon(runtime.handle, msg("slow one", sender="alice"), slow)
                await old_server.wait_requests(1)  # the turn is on the wire
                write_atomic(path, config(new_server.base_url("openai")))
                await wait_applied(logs, 1)
                assert runtime.in_flight == 1  # still running across the reload
                assert await ask(runtime, "fast one", sender="bob") == "from the new server"
            assert slow.replies == ["from the old server"]
            assert [r.json["messages"][-1]["content"] for r in chats(old_server)] == ["slow one"]
            assert [r.json["messages"][-1]["content"] for r in chats(new_server)] == ["fast one"]
            assert "config hot reload applied (providers.fake.api_url)" in logs.lines


async def test_sender_overrides_survive_a_reload(tmp_path: Path) -> None:
    async with (
        FakeProvider() as fake,
        reloading(config(fake.base_url("openai")), tmp_path) as (runtime, _, path, logs),
    ):
        switched = await ask(runtime, "/model model-c", sender="bob")
        assert switched == "Model switched to `model-c` for provider `fake` in this sender session."
        write_atomic(path, config(fake.base_url("openai"), "fake/model-b"))
        await wait_applied(logs, 1)
        assert await ask(runtime, "hi", sender="bob") == "[model-c] hi"
        assert await ask(runtime, "hi", sender="alice") == "[model-b] hi"


async def test_removing_a_provider_someone_switched_to(tmp_path: Path) -> None:
    async with FakeProvider() as fake:
        url = fake.base_url("openai")
        other = f'[providers.other]\nkind = "openai"\napi_url = "{url}"\napi_key = "k"\n'
        async with reloading(config(url, extra=other), tmp_path) as (runtime, _, path, logs):
            switched = await ask(runtime, "/models other", sender="bob")
            assert switched.startswith("Provider switched to `other`")
            assert await ask(runtime, "hi", sender="bob") == "[model-a] hi"  # on `other`
            write_atomic(path, config(url, "fake/model-b"))  # [providers.other] removed
            await wait_applied(logs, 1)
            reply = await ask(runtime, "still there?", sender="bob")
            assert reply == (
                "⚠️ Provider `other` is no longer configured, so your conversation is back on "
                "the default `fake` / `model-b`.\n[model-b] still there?"
            )
            assert await ask(runtime, "and now?", sender="bob") == "[model-b] and now?"


async def test_a_bad_edit_under_traffic_keeps_serving_then_a_good_one_applies(
    tmp_path: Path,
) -> None:
    async with (
        FakeProvider() as fake,
        reloading(config(fake.base_url("openai")), tmp_path) as (runtime, _, path, logs),
    ):
        write_atomic(path, config(fake.base_url("openai"), "fake/model-b") + "[agent\n")
        with anyio.fail_after(10):
            await logs.wait_for(lambda x: x.startswith("config reload skipped (invalid config)"))
        assert await ask(runtime, "hi") == "[model-a] hi"
        write_atomic(path, config(fake.base_url("openai"), "fake/model-b"))
        await wait_applied(logs, 1)
        assert await ask(runtime, "hi") == "[model-b] hi"


class PausingStore(MemoryStore):
    """A state store whose next `get_route` waits at a gate (the sqlite store yields there too)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = anyio.Event()
        self.gate: anyio.Event | None = None

    async def get_route(self, key: str) -> Route | None:
        if self.gate is not None:
            gate, self.gate = self.gate, None
            self.entered.set()
            await gate.wait()
        return await super().get_route(key)


async def test_a_reload_landing_while_a_turn_resolves_its_route(tmp_path: Path) -> None:
    """The turn took snapshot A before it awaited the store; it must answer from A's route."""
    path = tmp_path / "config.toml"
    path.write_text(echo_config("echo/model-a"))
    store = PausingStore()
    config = parse_config(path.read_text(), source=path, env={})
    runtime = Runtime(config, store=store, state_dir=tmp_path / "state")
    await runtime.start()
    try:
        manager = ReloadManager(path, runtime)
        store.gate = gate = anyio.Event()
        responder = RecordingResponder()
        async with anyio.create_task_group() as group:
            group.start_soon(runtime.handle, msg("hi"), responder)
            with anyio.fail_after(5):
                await store.entered.wait()
            write_atomic(path, echo_config("echo/model-b"))
            assert (await manager.reload_now("test"))["result"] == "applied"
            gate.set()
        assert responder.replies == ["[model-a] hi"]
        assert await ask(runtime, "again") == "[model-b] again"
    finally:
        await runtime.aclose()
