"""Wall time of light CLI paths (target: median < 150 ms) and what they import.

Runs `zeroclaw --help` and `zeroclaw models list` as subprocesses (`python -m zeroclaw_py`, so
the console-script shim is not measured), several times each, in a temp ZEROCLAW_HOME with a
small models cache, and prints the median and min, plus the median over a bare
`python -c pass` (the interpreter floor, which a loaded machine inflates). Then checks with
`-X importtime` that neither path imports telegram, discord, aiohttp (or httpx, which only
network paths need).

    python bench/cli_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0
COMMANDS = {"--help": ["--help"], "models list": ["models", "list"]}
FORBIDDEN = ("telegram", "discord", "aiohttp", "httpx")


def run_once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (time.perf_counter() - start) * 1000


def imported_top_level(args: list[str], env: dict[str, str]) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zeroclaw_py", *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    failed = False
    with tempfile.TemporaryDirectory() as home:
        state = Path(home) / "state"
        state.mkdir()
        (state / "models_cache.json").write_text(
            '{"entries": [{"provider": "echo", "fetched_at_unix": 0, "models": ["echo"]}]}'
        )
        env = {**os.environ, "ZEROCLAW_HOME": home, "PYTHONPATH": str(REPO)}
        floor = statistics.median([run_once_python(env) for _ in range(runs)])
        print(f"python -c pass (interpreter floor): median {floor:.0f} ms")
        for label, args in COMMANDS.items():
            run_once(args, env)  # warm the page cache and .pyc files
            times = [run_once(args, env) for _ in range(runs)]
            median = statistics.median(times)
            verdict = "ok" if median < TARGET_MS else "OVER TARGET"
            print(
                f"zeroclaw {label:12} median {median:6.1f} ms  min {min(times):6.1f} ms  "
                f"over floor {median - floor:+6.1f} ms  ({runs} runs, target < {TARGET_MS:.0f} ms: "
                f"{verdict})"
            )
            heavy = sorted(imported_top_level(args, env) & set(FORBIDDEN))
            print(f"  heavy imports: {', '.join(heavy) if heavy else 'none'}")
            failed = failed or bool(heavy) or median >= TARGET_MS
    return 1 if failed else 0


def run_once_python(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    raise SystemExit(main())
