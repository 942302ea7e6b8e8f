"""Many conversations at once: nothing lost, order kept per conversation, no lingering locks."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.harness import RecordingResponder, msg, running_runtime
from zeroclaw_py.channels.base import Answer

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
