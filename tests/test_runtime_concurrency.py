"""Many conversations at once: nothing lost, order kept per conversation, no lingering locks."""

from __future__ import annotations

import asyncio
import random

import anyio
import pytest

from tests.fakes.provider_server import FakeProvider
from tests.harness import RecordingResponder, ask, msg, openai_provider, running_runtime
from zeroclaw_py.channels.base import Answer
from zeroclaw_py.runtime.context import Runtime

pytestmark = pytest.mark.anyio


class JitteryResponder(RecordingResponder):
    """Streams and yields to the loop a random number of times per token (channel latency)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(streams=True)
        self._rng = rng

    async def token(self, text: str) -> None:
        for _ in range(self._rng.randrange(4)):
            await asyncio.sleep(0)
        await super().token(text)

    async def finish(self, answer: Answer) -> None:
        await asyncio.sleep(0)
        await super().finish(answer)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_hundred_conversations_ten_messages_each(backend: str) -> None:
    rng = random.Random(7)
    async with running_runtime(backend=backend) as runtime:
        responders = {f"user{c}": JitteryResponder(rng) for c in range(100)}
        tasks = [
            asyncio.create_task(runtime.handle(msg(f"{sender} says {i}", sender=sender), resp))
            for i in range(10)
            for sender, resp in responders.items()
        ]
        await asyncio.gather(*tasks)
        for sender, resp in responders.items():
            assert resp.replies == [f"[echo] {sender} says {i}" for i in range(10)]
            history = await runtime.get_history(f"test_{sender}")
            assert [m.content for m in history[::2]] == [f"{sender} says {i}" for i in range(10)]
        dispatcher = runtime._dispatcher
        assert dispatcher is not None
        assert dispatcher.active_conversations == 0
        assert runtime.in_flight == 0


async def test_commands_and_turns_of_one_conversation_stay_in_order() -> None:
    async with running_runtime() as runtime:
        resp = RecordingResponder()
        texts = ["a", "/model m1", "b", "/model m2", "c", "/new", "d"]
        await asyncio.gather(*(runtime.handle(msg(t), resp) for t in texts))
        assert [r for r in resp.replies if r.startswith("[")] == [
            "[echo] a",
            "[m1] b",
            "[m2] c",
            "[m2] d",
        ]
        assert len(await runtime.get_history("test_alice")) == 2


def _slow_config(fake: FakeProvider, history_on_switch: str = "clear") -> str:
    return (
        f'[channels_config]\nhistory_on_switch = "{history_on_switch}"\n'
        '[agent.model]\nprimary = "f/slow"\n' + openai_provider("f", fake)
    )


async def _start_slow_turn(
    runtime: Runtime, fake: FakeProvider, **fields: str
) -> tuple[asyncio.Task[None], RecordingResponder]:
    fake.script("slow", reply="slow answer", delay=1.0)
    before = len(fake.requests)
    responder = RecordingResponder()
    task = asyncio.create_task(runtime.handle(msg("go", **fields), responder))
    await fake.wait_requests(before + 1)  # the turn is talking to the model now
    return task, responder


async def test_a_command_does_not_wait_for_the_running_turn() -> None:
    """SPEC §5: a switch made while a turn runs is taken at once and leaves that turn alone."""
    async with FakeProvider() as fake, running_runtime(_slow_config(fake)) as runtime:
        running, first = await _start_slow_turn(runtime, fake, chat="group")
        with anyio.fail_after(0.5):  # well before the slow answer
            reply = await ask(runtime, "/model fast", chat="dm")  # same sender, other chat
        assert reply == "Model switched to `fast` for provider `f` in this sender session."
        assert first.replies == []
        await running
        assert first.replies == ["slow answer"]  # the running turn kept its route
        assert await ask(runtime, "next") == "[fast] next"


@pytest.mark.parametrize(
    ("policy", "command", "stored"),
    [
        ("clear", "/new", 0),
        ("clear", "/model other", 0),
        ("keep", "/model other", 2),
    ],
)
async def test_a_clear_during_a_turn_keeps_its_exchange_out(
    policy: str, command: str, stored: int
) -> None:
    async with FakeProvider() as fake, running_runtime(_slow_config(fake, policy)) as runtime:
        running, first = await _start_slow_turn(runtime, fake)
        with anyio.fail_after(0.5):
            await ask(runtime, command)
        await running
        assert first.replies == ["slow answer"]
        assert len(await runtime.get_history("test_alice")) == stored


async def test_a_command_still_waits_for_earlier_messages_that_have_not_started() -> None:
    async with FakeProvider() as fake, running_runtime(_slow_config(fake)) as runtime:
        running, _ = await _start_slow_turn(runtime, fake)
        queued = RecordingResponder()
        # tasks start in creation order: "queued" takes its place before the command arrives
        waiting = asyncio.create_task(runtime.handle(msg("queued"), queued))
        switched = asyncio.create_task(ask(runtime, "/model fast"))
        await asyncio.gather(running, waiting)
        assert queued.replies == ["slow answer"]  # sent before the switch: the old route
        assert (await switched).startswith("Model switched to `fast`")
