"""Web chat under load: N concurrent WebSocket sessions streaming from the instant echo provider.

Starts `python -m zeroclaw_py daemon` (temp ZEROCLAW_HOME, gateway on a free loopback port, the
default SQLite state store), opens N sessions through POST /api/session, connects N WebSockets,
then every session sends M messages one after another. Prints messages/s over the whole run and
p50/p99 of time to first token (send -> first `token` event) and of the whole turn (send ->
final `message` event). The client runs in this process, so both sides share the machine.

    python bench/ws_load.py [--sessions 200] [--messages 10] [--state sqlite|memory]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from idle_rss import memory_kib, running_daemon  # bench helper, same folder


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


async def one_session(
    http: aiohttp.ClientSession,
    url: str,
    messages: int,
    go: asyncio.Event,
    ready: list[int],
    ttft: list[float],
    turns: list[float],
) -> None:
    async with http.post(f"{url}/api/session") as resp:
        resp.raise_for_status()
        body = await resp.json()
    ws_url = f"{url}/ws?session={body['session']}&token={body['token']}"
    async with http.ws_connect(ws_url) as ws:
        ready.append(1)
        await go.wait()
        for n in range(messages):
            sent = time.perf_counter()
            first: float | None = None
            await ws.send_json({"type": "message", "text": f"load test message {n}"})
            while True:
                event = await ws.receive_json()
                kind = event["event_type"]
                if kind == "token" and first is None:
                    first = time.perf_counter()
                elif kind == "message":
                    done = time.perf_counter()
                    break
                elif kind == "error":
                    raise RuntimeError(event["payload"]["message"])
            ttft.append((first or done) - sent)
            turns.append(done - sent)


async def run(
    url: str, sessions: int, messages: int
) -> tuple[float, float, list[float], list[float]]:
    go = asyncio.Event()
    ready: list[int] = []
    ttft: list[float] = []
    turns: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(one_session(http, url, messages, go, ready, ttft, turns))
            for _ in range(sessions)
        ]
        while len(ready) < sessions:  # every socket is open before the clock starts
            done = [t for t in tasks if t.done()]
            for task in done:
                task.result()  # surface a failed connect at once
            await asyncio.sleep(0.01)
        connect_s = time.perf_counter() - started
        began = time.perf_counter()
        go.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
    return connect_s, wall, ttft, turns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="messages per session")
    parser.add_argument("--state", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args()
    config = f'[state]\nbackend = "{args.state}"\n'
    with running_daemon(config) as (proc, url, _startup):
        connect_s, wall, ttft, turns = asyncio.run(run(url, args.sessions, args.messages))
        rss = memory_kib(proc.pid)["VmRSS"] / 1024
    total = len(turns)
    ms = 1000.0
    print(f"sessions {args.sessions}, messages {total} ({args.messages} each), state {args.state}")
    print(f"connect all sessions    {connect_s:7.2f} s")
    print(f"throughput              {total / wall:7.0f} messages/s  ({wall:.2f} s)")
    print(
        f"time to first token     p50 {statistics.median(ttft) * ms:6.1f} ms   "
        f"p99 {percentile(ttft, 99) * ms:6.1f} ms"
    )
    print(
        f"whole turn              p50 {statistics.median(turns) * ms:6.1f} ms   "
        f"p99 {percentile(turns, 99) * ms:6.1f} ms"
    )
    print(f"daemon RSS after load   {rss:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
