"""`zeroclaw models status`: route, fallbacks, aliases, image model, auth order and cooldowns."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zeroclaw_py.cli import main as cli_main
from zeroclaw_py.models.auth_store import AuthProfileStore

CONFIG = """\
[agent.model]
primary = "anthropic/claude-sonnet-4"
fallbacks = ["openai/gpt-4o-mini"]

[agent.image_model]
primary = "openai/gpt-4o"

[agent.models."anthropic/claude-opus-4-5"]
alias = "Opus"
fallbacks = ["openai/gpt-5.2"]

[auth.profiles."anthropic:default"]
provider = "anthropic"
[auth.profiles."anthropic:work"]
provider = "anthropic"
[auth.profiles."anthropic:missing"]
provider = "anthropic"

[auth.order]
anthropic = ["anthropic:work", "anthropic:default", "anthropic:missing"]

[reliability]
provider_retries = 1
"""


def test_status_prints_route_chain_aliases_image_model_and_profile_state(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text(CONFIG)
    store = AuthProfileStore(zeroclaw_home / "state" / "auth-profiles.json")
    for name in ("default", "work"):
        store.upsert_profile(
            f"anthropic:{name}",
            {"type": "api_key", "provider": "anthropic", "key": f"sk-ant-{name}-secret"},
        )
    store.upsert_profile(
        "groq:default", {"type": "api_key", "provider": "groq", "key": "gsk_1234567"}
    )
    until = int((time.time() + 250) * 1000)
    store.update_usage("anthropic:work", lambda s: s.update(cooldownUntil=until, errorCount=2))
    assert cli_main(["models", "status"]) == 0
    out = capsys.readouterr().out
    assert "Default route: anthropic/claude-sonnet-4\n" in out
    assert "Fallbacks: openai/gpt-4o-mini\n" in out
    assert "  anthropic/claude-opus-4-5 -> openai/gpt-5.2\n" in out
    assert "  Opus -> anthropic/claude-opus-4-5\n" in out
    assert "Image model: openai/gpt-4o (fallbacks: none)\n" in out
    assert "Reliability: 1 retries" in out
    assert "  anthropic (order: auth.order)\n" in out
    assert "    1. anthropic:default [api_key] ready\n" in out
    assert "    2. anthropic:work [api_key] cooling down, 4m" in out
    assert (
        "    -  anthropic:missing: no credential stored "
        "(run `zeroclaw login anthropic --profile missing`)" in out
    )
    assert "  groq (order: oauth > token > api_key, least recently used)\n" in out
    assert "secret" not in out
    assert "gsk_1234567" not in out


def test_status_on_defaults(zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Config: none (built-in defaults)\nDefault route: echo/echo\n")
    assert "Image model: not configured" in out
    assert out.endswith("Auth profiles: none\n")


def test_invalid_config_is_one_line_error(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text("[agent.model\n")
    assert cli_main(["models", "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_status_stays_light(zeroclaw_home: Path) -> None:
    code = (
        "import sys, argparse, zeroclaw_py.models.status as s;"
        "s.main(argparse.Namespace(config=None));"
        "print(sorted(m for m in ('aiohttp','telegram','discord','prometheus_client')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "ZEROCLAW_HOME": str(zeroclaw_home)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert proc.stdout.strip().endswith("[]")
