"""The CLI's light paths must not import the heavy channel libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_help_does_not_import_channel_libraries() -> None:
    code = (
        "import sys\n"
        "from zeroclaw_py.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('telegram', 'discord', 'aiohttp') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("zeroclaw-py ")


def test_every_command_logs_through_the_scrubbing_handler(tmp_path: Path) -> None:
    code = (
        "import logging\n"
        "from zeroclaw_py.cli import main\n"
        "main(['models', 'list'])\n"
        "logging.getLogger('somelib').warning('retrying with key sk-live0123456789abcdef')\n"
    )
    env = {**os.environ, "ZEROCLAW_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "retrying with key [REDACTED]" in out.stderr
    assert "sk-live" not in out.stderr
