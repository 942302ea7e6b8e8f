"""Fallback latency when the primary is down (target: steady-state overhead < 20 ms).

Two outages of the routed model `fa/primary`, each with `fb/backup` as the fallback:
  refused  `fa` points at a bound but never-listening loopback port (connection refused), and
  503      `fa` is the loopback fake provider answering `503 Service Unavailable`.
With the default `[reliability]` (2 retries, 500 ms backoff doubling with jitter, breaker after
3 failures for 30 s), the first message pays the retry ladder once; after that the breaker is open
and every message goes straight to the fallback. We report wall time until the fallback's answer
arrives (real sleeps, real OpenAI wire, one shared httpx pool) for the first message, the median
of the following `--messages` messages, and the fallback's own latency (the same runner routed to
`fb/backup` directly). Overhead = steady-state median minus that baseline. A `no breaker` line
(threshold set out of reach) shows what every message would cost without the breaker.

    python bench/fallback.py [--messages 50] [--no-breaker-messages 2]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._common import fake_in_thread  # noqa: E402
from tests.fakes.provider_server import FakeProvider  # noqa: E402
from tests.fallback_support import WireProviders  # noqa: E402
from zeroclaw_py.config.schema import (  # noqa: E402
    AgentConfig,
    Config,
    ModelChain,
    ProviderSettings,
    ReliabilityConfig,
)
from zeroclaw_py.models.breaker import CandidateBreaker  # noqa: E402
from zeroclaw_py.models.fallback import FallbackDeps, TurnRequest, run_turn  # noqa: E402
from zeroclaw_py.models.refs import Route  # noqa: E402
from zeroclaw_py.providers.base import Message  # noqa: E402

TARGET_MS = 20.0
ASK = (Message("user", "ping"),)


def scripted_fake() -> FakeProvider:
    fake = FakeProvider()
    fake.script("primary", error="unavailable")
    fake.script("backup", reply="pong from backup")
    return fake


def make_config(primary_url: str, backup_url: str, *, breaker: bool) -> Config:
    reliability = ReliabilityConfig()
    if not breaker:
        reliability = replace(reliability, failure_threshold=10**9)
    return Config(
        agent=AgentConfig(model=ModelChain("fa/primary", ("fb/backup",))),
        providers={
            "fa": ProviderSettings(kind="openai", api_url=primary_url),
            "fb": ProviderSettings(kind="openai", api_url=backup_url),
        },
        reliability=reliability,
    )


async def timed_turns(config: Config, route: Route, count: int) -> list[float]:
    """Wall seconds per turn, one deps (so breaker state carries across turns)."""
    providers = WireProviders(config)
    rel = config.reliability
    deps = FallbackDeps(
        get_provider=providers,
        config=config,
        breaker=CandidateBreaker(
            failure_threshold=rel.failure_threshold, cooldown_s=rel.cooldown_s
        ),
    )
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            result = await run_turn(TurnRequest(route, ASK, "bench"), deps)
            times.append(time.perf_counter() - started)
            if result.text != "pong from backup":
                raise SystemExit(f"unexpected result: {result}")
    finally:
        await providers.aclose()
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def main_async(args: argparse.Namespace, fake: FakeProvider) -> int:
    backup_url = fake.base_url("openai")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connect() is refused
        refused_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        outages = {"refused": refused_url, "503": backup_url}
        baseline_config = make_config(backup_url, backup_url, breaker=True)
        await timed_turns(baseline_config, Route("fb", "backup"), 5)  # warm the pool
        base = statistics.median(
            await timed_turns(baseline_config, Route("fb", "backup"), args.messages)
        )
        print(f"fallback alone (fb/backup, median of {args.messages}): {ms(base)}")
        worst = 0.0
        for name, url in outages.items():
            config = make_config(url, backup_url, breaker=True)
            times = await timed_turns(config, Route("fa", "primary"), args.messages + 1)
            steady = statistics.median(times[1:])
            worst = max(worst, steady - base)
            print(
                f"primary {name:7} first message {ms(times[0])} | steady state median "
                f"{ms(steady)} | overhead {ms(steady - base)}"
            )
            if args.no_breaker_messages:
                no_breaker = make_config(url, backup_url, breaker=False)
                slow = await timed_turns(
                    no_breaker, Route("fa", "primary"), args.no_breaker_messages
                )
                print(
                    f"primary {name:7} without breaker, every message {ms(statistics.median(slow))}"
                )
    verdict = "OK" if worst < TARGET_MS / 1000 else "ABOVE TARGET"
    print(f"steady-state overhead (worst) {ms(worst)} (target < {TARGET_MS:.0f} ms): {verdict}")
    return 0 if worst < TARGET_MS / 1000 else 1


def main() -> int:
    logging.getLogger("zeroclaw_py").setLevel(logging.ERROR)  # the expected failures, once each
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--no-breaker-messages", type=int, default=2)
    args = parser.parse_args()
    with fake_in_thread(scripted_fake()) as fake:  # its own thread: its work is not on our clock
        return asyncio.run(main_async(args, fake))


if __name__ == "__main__":
    raise SystemExit(main())
