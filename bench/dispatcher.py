"""Dispatcher figures: per-message cost, sustained throughput, memory for many conversations.

    python bench/dispatcher.py [--conversations 10000] [--history 50] [--backend sqlite|memory]

Prints, with N conversations each holding a full history:
- p50/p99 of `runtime.handle` for a command (`/model <id>` switch, `/models` listing) and for a
  chat turn answered by the instant `echo` provider: allowlist + key + per-conversation lock +
  command parse + route resolution + history read/append (targets: p50 < 0.2 ms, p99 < 2 ms);
- sustained messages/s with all conversations sending at once (target >= 1,000/s);
- RSS growth for the N conversations with their histories.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zeroclaw_py.channels.base import Answer, InboundMessage
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message
from zeroclaw_py.runtime.allowlist import trust_local_channel
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.state import MemoryStore, SqliteStore, StateStore

trust_local_channel("bench")  # the in-process channel these figures are measured through


class NullResponder:
    """Answers go nowhere: we measure the runtime, not a channel."""

    streams = False

    async def send(self, text: str) -> None:
        return None

    async def token(self, text: str) -> None:
        return None

    async def finish(self, answer: Answer) -> None:
        return None

    @asynccontextmanager
    async def typing(self) -> AsyncIterator[None]:
        yield


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(runtime: Runtime, messages: list[InboundMessage]) -> list[float]:
    responder = NullResponder()
    samples = []
    for msg in messages:
        start = time.perf_counter_ns()
        await runtime.handle(msg, responder)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def report(label: str, samples: list[float]) -> None:
    print(
        f"{label:<28} p50 {statistics.median(samples):.3f} ms   "
        f"p99 {percentile(samples, 0.99):.3f} ms   (n={len(samples)})"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        store: StateStore = (
            SqliteStore(state / "state.db") if args.backend == "sqlite" else MemoryStore()
        )
        config = parse_config("", env={})
        runtime = Runtime(config, store=store, state_dir=state)
        await runtime.start()
        n = args.conversations
        senders = [f"user{i}" for i in range(n)]
        gc.collect()
        before = rss_kib()
        user_text = "Could you summarise the main points of the last message for me, please?"
        answer_text = "Sure. " + "Here is a concise summary of what we discussed so far. " * 3
        for sender in senders:
            history = [
                Message(role, f"{text} ({sender} #{k})")
                for k in range(args.history // 2)
                for role, text in (("user", user_text), ("assistant", answer_text))
            ]
            await store.append_history(f"bench_{sender}", history, max_messages=args.history)
        for sender in senders[::10]:  # every tenth conversation has switched model
            await runtime.set_route(f"bench_{sender}", Route("echo", "switched"))
        if isinstance(store, SqliteStore):
            await store.flush()  # measure the hot path, not the initial bulk load
        gc.collect()
        grown = rss_kib() - before
        print(f"backend {args.backend}; {n} conversations x {args.history}-message histories")
        print(
            f"RSS growth for the conversations: {grown / 1024:.1f} MiB "
            f"({grown * 1024 / n / 1024:.1f} KiB per conversation); total RSS "
            f"{rss_kib() / 1024:.1f} MiB"
        )

        def batch(text: str, count: int) -> list[InboundMessage]:
            return [
                InboundMessage("bench", senders[(i * 7919) % n], "c", text) for i in range(count)
            ]

        await timed(runtime, batch("warm up", 500))
        report("command /model <id>", await timed(runtime, batch("/model bench-model", 5000)))
        report("command /models", await timed(runtime, batch("/models", 2000)))
        report("chat turn (echo provider)", await timed(runtime, batch("hello there", 5000)))

        total = args.messages
        responder = NullResponder()
        msgs = batch("throughput", total)
        start = time.perf_counter()
        cpu_start = time.process_time()
        for i in range(0, total, args.concurrency):
            await asyncio.gather(
                *(runtime.handle(m, responder) for m in msgs[i : i + args.concurrency])
            )
        if isinstance(store, SqliteStore):
            await store.flush()  # the writes belong to the throughput
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        print(
            f"sustained: {total / elapsed:,.0f} messages/s wall, {total / cpu:,.0f} per CPU-second "
            f"({total} chat messages, {args.concurrency} in flight at a time)"
        )
        print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        await runtime.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "memory"], default="sqlite")
    asyncio.run(main(parser.parse_args()))
