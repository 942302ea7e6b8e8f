"""Telegram round trip: an update appearing on the (fake) Bot API -> our sendMessage reaching it.

Runs the real daemon (`python -m zeroclaw_py daemon`, temp ZEROCLAW_HOME, SQLite state, the
instant `echo` provider) against the loopback fake Bot API from tests/fakes, which lives in this
process together with the load generator. U users each send M messages one after another (the
next when the previous answer arrived), all users at once. Prints p50/p99/max of the round trip
and where the time goes, per message:

    poll wake   update pushed -> the pending getUpdates long poll answers with it
    daemon      getUpdates answered -> sendMessage arrives (PTB parsing, our adapter, the
                dispatcher, the echo turn with its history write, the Markdown send)
    turn        the mean agent turn inside the daemon (its zeroclaw_turn_seconds metric)

    python bench/telegram_latency.py [--users 100] [--messages 10] [--state sqlite|memory]
                                     [--profile PATH]   (cProfile the daemon, print a breakdown)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakes.telegram_api import Call, FakeTelegram, serve_telegram  # noqa: E402


@dataclass
class Sample:
    update_id: int
    pushed: float
    answered: float | None = None


@dataclass
class Tracker:
    """Matches API calls to the one outstanding message of each chat."""

    fake: FakeTelegram
    open: dict[str, tuple[Sample, asyncio.Future[None]]] = field(default_factory=dict)

    def on_call(self, call: Call) -> None:
        entry = self.open.get(call.form.get("chat_id", ""))
        if entry is None:
            return
        sample, done = entry
        if call.method == "sendMessage" and not done.done():
            sample.answered = call.at
            done.set_result(None)

    async def ask(self, user_id: int, text: str) -> Sample:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        msg = self.fake.push_message(text, chat_id=user_id, user_id=user_id, username=None)
        sample = Sample(self.fake._update_id, time.perf_counter())
        self.open[str(msg["chat"]["id"])] = (sample, done)
        await asyncio.wait_for(done, 30)
        del self.open[str(user_id)]
        return sample


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_config(home: str, text: str) -> None:
    Path(home, "config.toml").write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def user_loop(tracker: Tracker, user_id: int, count: int, out: list[Sample]) -> None:
    for i in range(count):
        out.append(await tracker.ask(user_id, f"message {i} from {user_id}"))


async def run(users: int, messages: int, warmup: int, state: str, profile: str | None) -> int:
    async with serve_telegram() as fake:
        fake.max_poll_wait = 30.0  # a real long poll: the daemon asks for 30 s
        tracker = Tracker(fake)
        fake.hooks.append(tracker.on_call)
        with tempfile.TemporaryDirectory(prefix="zeroclaw-bench-") as home:
            port = free_port()
            write_config(
                home,
                f'[gateway]\nport = {port}\n\n[state]\nbackend = "{state}"\n\n'
                "[channels_config.telegram]\n"
                f'bot_token = "{fake.token}"\nallowed_users = ["*"]\n'
                f'api_base_url = "{fake.base}"\n',
            )
            env = {**os.environ, "ZEROCLAW_HOME": home, "ZEROCLAW_LOG_LEVEL": "WARNING"}
            env.pop("ZEROCLAW_CONFIG", None)
            started = time.perf_counter()
            prof = ["-m", "cProfile", "-o", profile] if profile else []
            proc = await asyncio.create_subprocess_exec(
                sys.executable, *prof, "-m", "zeroclaw_py", "daemon", cwd=REPO, env=env
            )
            try:
                async with asyncio.timeout(60):
                    await fake.wait_for(lambda: fake.count("getUpdates") >= 1)
                print(f"daemon polling after {time.perf_counter() - started:.2f} s")
                warm: list[Sample] = []
                await user_loop(tracker, 1, warmup, warm)
                samples: list[Sample] = []
                cpu0, own0 = cpu_seconds(proc.pid), time.process_time()
                t0 = time.perf_counter()
                await asyncio.gather(
                    *(user_loop(tracker, 1000 + u, messages, samples) for u in range(users))
                )
                wall = time.perf_counter() - t0
                cpu, own = cpu_seconds(proc.pid) - cpu0, time.process_time() - own0
                turn_mean = await mean_turn_seconds(port)
            finally:
                proc.terminate()
                await proc.wait()
        report(fake, samples, wall, users, messages, turn_mean)
        if profile:
            print_profile(profile)
        print(
            f"daemon CPU   {cpu * 1000 / len(samples):.2f} ms per message "
            f"({cpu / wall * 100:.0f}% of one core during the run)"
            + f"; fake API + load generator {own / wall * 100:.0f}% of one core; API calls "
            + "per message: "
            + ", ".join(
                f"{m} {fake.count(m) / (len(samples) + warmup):.2f}"
                for m in ("sendMessage", "sendChatAction", "getUpdates")
            )
        )
    return 0


async def mean_turn_seconds(port: int) -> float:
    """Mean of the daemon's own zeroclaw_turn_seconds histogram (every turn of the run)."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as resp,
    ):
        text = await resp.text()
    sums = counts = 0.0
    for line in text.splitlines():
        if line.startswith("zeroclaw_turn_seconds_sum"):
            sums += float(line.rsplit(" ", 1)[1])
        elif line.startswith("zeroclaw_turn_seconds_count"):
            counts += float(line.rsplit(" ", 1)[1])
    return sums / counts if counts else float("nan")


def report(
    fake: FakeTelegram,
    samples: list[Sample],
    wall: float,
    users: int,
    messages: int,
    turn_mean: float,
) -> None:
    total = [(s.answered or 0) - s.pushed for s in samples]
    wake = [fake.delivered_at[s.update_id] - s.pushed for s in samples]
    daemon = [(s.answered or 0) - fake.delivered_at[s.update_id] for s in samples]
    polls = fake.count("getUpdates")

    def line(label: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (
            f"{label:<12} p50 {pct(ms, 50):7.1f} ms  p99 {pct(ms, 99):7.1f} ms  "
            f"max {max(ms):7.1f} ms  mean {statistics.fmean(ms):7.1f} ms"
        )

    print(
        f"{len(samples)} messages from {users} users ({messages} each) in {wall:.2f} s "
        f"= {len(samples) / wall:.0f} msg/s; {polls} getUpdates calls"
    )
    print(line("round trip", total))
    print(line("poll wake", wake))
    print(line("daemon", daemon))
    print(f"{'turn':<12} mean {turn_mean * 1000:7.2f} ms (daemon metric)")


def _package(file: str, function: str) -> str:
    if "site-packages/" in file:
        return file.split("site-packages/")[1].split("/")[0]
    if "zeroclaw_py/" in file:
        return "zeroclaw_py." + file.split("zeroclaw_py/")[1].split("/")[0].removesuffix(".py")
    if file == "~":
        return "C calls (sockets, builtins)"
    return "stdlib"


def print_profile(path: str, top: int = 10) -> None:
    """Where the daemon's CPU went (cProfile self time, grouped by package; whole run)."""
    import pstats
    from collections import Counter

    groups: Counter[str] = Counter()
    for (file, _line, function), row in pstats.Stats(path).stats.items():  # type: ignore[attr-defined]
        groups[_package(file, function)] += row[2]
    total = sum(groups.values())
    print("daemon CPU by package (cProfile self time, whole run incl. start-up):")
    for name, seconds in groups.most_common(top):
        print(f"  {name:<32} {100 * seconds / total:5.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--state", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the daemon into PATH")
    args = parser.parse_args()
    return asyncio.run(run(args.users, args.messages, args.warmup, args.state, args.profile))


if __name__ == "__main__":
    raise SystemExit(main())
