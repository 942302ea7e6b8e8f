"""Config hot-reload figures (SPEC §10).

    python bench/reload_latency.py [--edits 50] [--debounce-ms 300] [--turns 20000]

1. Latency from the config file's atomic rename (an editor saving `agent.model.primary`) to the
   first turn answered by the new model: p50/p99 over `--edits` edits with the real watcher
   (watchfiles on the directory), trailing debounce, parser, diff, plan and `apply_config`.
   A probe conversation sends a message every millisecond, as a busy channel would. Target with
   the default 300 ms debounce: p99 < 400 ms (the debounce itself is most of it, by design).
2. Per-message cost of the reload machinery when nothing changes: the same echo turns timed
   with and without the reload service running (watcher idle). Target: no measurable difference.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reload_support import config_text, write_atomic
from zeroclaw_py.channels.base import Answer, InboundMessage
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.reload.service import ReloadService
from zeroclaw_py.runtime.allowlist import trust_local_channel
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.state import MemoryStore

trust_local_channel("bench")  # the in-process channel these figures are measured through

PROBE_INTERVAL_S = 0.001


class LastAnswer:
    """A responder that keeps only the last answer."""

    streams = False

    def __init__(self) -> None:
        self.text = ""

    async def send(self, text: str) -> None:
        self.text = text

    async def token(self, text: str) -> None:
        return None

    async def finish(self, answer: Answer) -> None:
        self.text = answer.text

    def typing(self) -> _NoTyping:
        return _NoTyping()


class _NoTyping:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


def bench_config(model: str, debounce_ms: int) -> str:
    """The reload tests' config with an `echo/<model>` primary and the memory state store."""
    memory = '[state]\nbackend = "memory"\n'
    return config_text(f"echo/{model}", debounce_ms=debounce_ms, extra=memory)


async def make_runtime(home: Path, text: str) -> tuple[Runtime, Path]:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    runtime = Runtime(
        parse_config(text, source=path, env={}), store=MemoryStore(), state_dir=home / "state"
    )
    await runtime.start()
    return runtime, path


def msg(text: str, sender: str = "probe") -> InboundMessage:
    return InboundMessage(channel="bench", sender=sender, chat=sender, text=text)


async def reload_latency(edits: int, debounce_ms: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        runtime, path = await make_runtime(Path(tmp), bench_config("m0", debounce_ms))
        service = ReloadService(path, runtime)
        await service.start()
        latencies: list[float] = []
        try:
            for i in range(1, edits + 1):
                model = f"m{i}"
                write_atomic(path, bench_config(model, debounce_ms))
                renamed = time.perf_counter()
                responder = LastAnswer()
                while True:
                    await runtime.handle(msg("ping"), responder)
                    if responder.text.startswith(f"[{model}]"):
                        break
                    if time.perf_counter() - renamed > 10:
                        raise SystemExit(f"edit {i} was never applied")
                    await asyncio.sleep(PROBE_INTERVAL_S)
                latencies.append((time.perf_counter() - renamed) * 1000)
        finally:
            await service.stop()
            await runtime.aclose()
        return latencies


async def turn_cost(turns: int, with_reload: bool) -> list[float]:
    """Per-turn wall time (µs) of echo turns over 20 conversations."""
    with tempfile.TemporaryDirectory() as tmp:
        runtime, path = await make_runtime(Path(tmp), bench_config("m0", 300))
        service = ReloadService(path, runtime) if with_reload else None
        if service is not None:
            await service.start()
        responder = LastAnswer()
        samples: list[float] = []
        try:
            for n in range(turns):
                started = time.perf_counter()
                await runtime.handle(msg(f"hello {n}", sender=f"s{n % 20}"), responder)
                samples.append((time.perf_counter() - started) * 1e6)
                if n % 100 == 0:
                    await asyncio.sleep(0)  # let the idle watcher run, as it would in a daemon
        finally:
            if service is not None:
                await service.stop()
            await runtime.aclose()
        return samples


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    latencies = await reload_latency(args.edits, args.debounce_ms)
    print(
        f"reload latency, rename -> first turn on the new model ({args.edits} edits, "
        f"debounce {args.debounce_ms} ms):"
    )
    print(
        f"  p50 {statistics.median(latencies):.0f} ms  p90 {pct(latencies, 0.9):.0f} ms  "
        f"p99 {pct(latencies, 0.99):.0f} ms  "
        f"min {min(latencies):.0f} ms  max {max(latencies):.0f} ms  "
        f"(p50 beyond the debounce: {statistics.median(latencies) - args.debounce_ms:.0f} ms)"
    )
    # alternate to spread machine noise over both variants
    without: list[float] = []
    with_service: list[float] = []
    for _ in range(2):
        without += await turn_cost(args.turns // 2, with_reload=False)
        with_service += await turn_cost(args.turns // 2, with_reload=True)
    for label, samples in (
        ("without reload service", without),
        ("with reload service", with_service),
    ):
        print(
            f"echo turn {label:<24} p50 {statistics.median(samples):7.1f} µs  "
            f"p99 {pct(samples, 0.99):7.1f} µs  mean {statistics.fmean(samples):7.1f} µs"
        )
    delta = statistics.median(with_service) - statistics.median(without)
    print(f"reload bookkeeping per message (p50 difference): {delta:+.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--debounce-ms", type=int, default=300)
    parser.add_argument("--turns", type=int, default=20000)
    asyncio.run(main(parser.parse_args()))
