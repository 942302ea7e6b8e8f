"""Streaming overhead of our OpenAI wire client vs raw httpx (target: < 5 %).

The loopback fake provider (tests/fakes/provider_server.py) runs in its own thread and event
loop and streams a 500-token reply (one SSE chunk per token, OpenAI format with usage). Each
round streams it once through:
  raw      httpx `client.stream()` + `aiter_lines()` + `json.loads` of every `data:` line, in
           one loop (the least any correct client must do),
  raw_gen  the same as an async generator of TextDelta (what any streaming API pays), and
  ours  `OpenAIProvider.stream()` (SSE framing, delta extraction, usage, [DONE] check, error
        boundary),
alternating, on one shared pool. Times are the client thread's CPU time (`time.thread_time`):
the fake server runs in another thread, and wall time on a shared, loaded machine is mostly
scheduler noise. Prints min and median per variant; the overhead is computed on the minimum
(the intrinsic cost, least disturbed by other processes sharing the CPU).

    python bench/provider_overhead.py [--rounds 40] [--tokens 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._common import fake_in_thread  # noqa: E402
from tests.fakes.provider_server import FakeProvider  # noqa: E402
from zeroclaw_py.config.schema import Config, ProviderSettings  # noqa: E402
from zeroclaw_py.providers.base import ChatRequest, Message, TextDelta  # noqa: E402
from zeroclaw_py.providers.factory import create_provider  # noqa: E402
from zeroclaw_py.providers.http import make_http_client  # noqa: E402
from zeroclaw_py.providers.registry import resolve  # noqa: E402

TARGET_PCT = 5.0
MODEL = "bench-model"


def scripted_fake(tokens: int) -> FakeProvider:
    fake = FakeProvider()
    fake.script(MODEL, reply=" ".join(f"tok{i}" for i in range(tokens)))
    return fake


async def measure(fake: FakeProvider, rounds: int, tokens: int) -> dict[str, list[float]]:
    base = fake.base_url("openai")
    spec = resolve("openai")
    assert spec is not None
    config = Config(providers={"openai": ProviderSettings(api_key="bench-key", api_url=base)})
    request = ChatRequest(model=MODEL, messages=(Message("user", "go"),))
    body = {"model": MODEL, "messages": [{"role": "user", "content": "go"}], "stream": True,
            "stream_options": {"include_usage": True}}  # fmt: skip
    headers = {"authorization": "Bearer bench-key"}
    async with make_http_client(30.0) as http:
        provider = create_provider(spec, config, http)

        async def raw() -> int:
            count = 0
            async with http.stream(
                "POST", base + "/chat/completions", json=body, headers=headers
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        chunk = json.loads(line[6:])
                        for choice in chunk["choices"]:
                            if choice["delta"].get("content"):
                                count += 1
            return count

        async def raw_events() -> AsyncIterator[TextDelta]:
            async with http.stream(
                "POST", base + "/chat/completions", json=body, headers=headers
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        for choice in json.loads(line[6:])["choices"]:
                            if text := choice["delta"].get("content"):
                                yield TextDelta(text)

        async def raw_gen() -> int:
            return sum([1 async for _ in raw_events()])

        async def ours() -> int:
            return sum([1 async for e in provider.stream(request) if isinstance(e, TextDelta)])

        variants = {"raw": raw, "raw_gen": raw_gen, "ours": ours}
        for fn in variants.values():
            assert await fn() == tokens  # warm-up + sanity
        times: dict[str, list[float]] = {name: [] for name in variants}
        for index in range(rounds):
            order = list(variants.items())
            for name, fn in order if index % 2 else reversed(order):
                start = time.thread_time()
                await fn()
                times[name].append(time.thread_time() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--tokens", type=int, default=500)
    args = parser.parse_args()
    with fake_in_thread(scripted_fake(args.tokens)) as fake:
        times = asyncio.run(measure(fake, args.rounds, args.tokens))
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    low = {name: min(values) * 1000 for name, values in times.items()}
    overhead = (low["ours"] - low["raw"]) / low["raw"] * 100
    vs_gen = (low["ours"] - low["raw_gen"]) / low["raw_gen"] * 100
    verdict = "ok" if overhead < TARGET_PCT else "OVER TARGET"
    print(f"{args.tokens}-token stream, {args.rounds} rounds each, client CPU time (min / median)")
    labels = {
        "raw": "raw httpx loop + json",
        "raw_gen": "raw httpx as event generator",
        "ours": "zeroclaw OpenAI client",
    }
    for name, label in labels.items():
        print(f"  {label:30}: {low[name]:7.2f} / {med[name]:7.2f} ms")
    target = f"target < {TARGET_PCT:.0f} %: {verdict}"
    print(f"  overhead vs raw loop (min)    : {overhead:+6.1f} %  ({target})")
    print(f"  overhead vs raw generator     : {vs_gen:+6.1f} %")
    return 0 if overhead < TARGET_PCT else 1


if __name__ == "__main__":
    raise SystemExit(main())
