"""Shared fixtures. Async tests use anyio's pytest plugin on the asyncio backend only."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def zeroclaw_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated ZEROCLAW_HOME with no provider credentials leaking in from the environment."""
    home = tmp_path / "zeroclaw-home"
    home.mkdir()
    monkeypatch.setenv("ZEROCLAW_HOME", str(home))
    for name in (
        "ZEROCLAW_CONFIG",
        "ZEROCLAW_API_KEY",
        "API_KEY",
        "ZEROCLAW_PROVIDER",
        "ZEROCLAW_MODEL",
        "ZEROCLAW_TEMPERATURE",
    ):
        monkeypatch.delenv(name, raising=False)
    return home
