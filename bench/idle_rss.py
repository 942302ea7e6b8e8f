"""Idle RSS of `python -m zeroclaw_py daemon` with the gateway up (target: < 60 MiB).

Starts the daemon in a temp ZEROCLAW_HOME (echo provider, gateway on a free loopback port),
polls GET /health until it answers, lets it settle, then reads VmRSS/VmHWM from /proc. Three runs:
the floor (channel adapter modules blocked, so only runtime + gateway + reload load), the daemon
as users start it, and the daemon with python-telegram-bot and discord.py imported up front (what
a daemon with both channels configured carries).

    python bench/idle_rss.py [--settle 2.0]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_MIB = 60.0
RUN_DAEMON = "import runpy; runpy.run_module('zeroclaw_py', run_name='__main__', alter_sys=True)"
# name -> Python prelude run before the daemon starts
VARIANTS = {
    # The floor: the channel adapter modules cannot be imported, so the daemon skips them.
    "gateway only (no channel mods)": (
        "import sys; sys.modules['zeroclaw_py.channels.telegram'] = None; "
        "sys.modules['zeroclaw_py.channels.discord'] = None; "
    ),
    "daemon as shipped": "",
    "+ telegram & discord imported": "import telegram, telegram.ext, discord; ",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> float:
    """Seconds until /health answered 200 (the daemon is up)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"daemon exited with {proc.returncode} before /health answered")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.05)  # polling a process we do not control; no event to wait on
    raise SystemExit(f"/health did not answer within {timeout}s")


@contextlib.contextmanager
def running_daemon(
    config_text: str = "", *, prelude: str = ""
) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    """A daemon subprocess on a free port: yields (process, base url, startup seconds)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="zeroclaw-bench-") as home:
        Path(home, "config.toml").write_text(
            f"[gateway]\nport = {port}\n{config_text}", encoding="utf-8"
        )
        env = {**os.environ, "ZEROCLAW_HOME": home, "ZEROCLAW_LOG_LEVEL": "WARNING"}
        env.pop("ZEROCLAW_CONFIG", None)
        cmd = [sys.executable, "-c", prelude + RUN_DAEMON, "daemon"]
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            yield proc, url, wait_healthy(url, proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def measure(prelude: str, settle: float) -> tuple[float, dict[str, int]]:
    with running_daemon(prelude=prelude) as (proc, _url, startup):
        time.sleep(settle)  # idle means idle: let start-up garbage and warmups finish
        return startup, memory_kib(proc.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before reading")
    args = parser.parse_args()
    for label, prelude in VARIANTS.items():
        startup, mem = measure(prelude, args.settle)
        rss = mem["VmRSS"] / 1024
        verdict = "ok" if rss < TARGET_MIB else "over"
        print(
            f"{label:<32} RSS {rss:6.1f} MiB  peak {mem['VmHWM'] / 1024:6.1f} MiB  "
            f"(/health after {startup:.2f}s)  target < {TARGET_MIB:.0f} MiB: {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
