"""`zeroclaw models refresh` / `models list` against the loopback fake (zeroclaw.md §3 messages)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import anyio
import pytest

from tests.fakes.provider_server import FakeProvider, fake_provider
from zeroclaw_py.cli import main
from zeroclaw_py.models.cache import cached_entry, read_entries, write_entry

pytestmark = pytest.mark.anyio
__all__ = ["fake_provider"]


def write_config(home: Path, fake: FakeProvider, primary: str = "openai/gpt-4o") -> None:
    (home / "config.toml").write_text(
        f"""
[agent.model]
primary = "{primary}"

[providers.openai]
api_key = "k-test-123"
api_url = "{fake.base_url("openai")}"

[providers.xai]
api_key = "k-test-123"
api_url = "{fake.base_url("openai")}"

[providers.qwen-intl]
api_key = "k-test-123"
api_url = "{fake.base_url("openai")}"
""",
        encoding="utf-8",
    )


async def run(*argv: str) -> int:
    return await anyio.to_thread.run_sync(main, list(argv))


@pytest.fixture
def home(zeroclaw_home: Path, fake_provider: FakeProvider) -> Path:
    write_config(zeroclaw_home, fake_provider)
    return zeroclaw_home


async def test_refresh_then_cached_without_network(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_provider.models = [" gpt-b ", "gpt-a", "gpt-b", ""]
    assert await run("models", "refresh") == 0
    out = capsys.readouterr().out
    assert out == "Refreshed 'openai' model cache with 2 models.\n  - gpt-a\n  - gpt-b\n"
    assert len(fake_provider.requests) == 1
    assert fake_provider.requests[0].api_key == "k-test-123"
    data = json.loads((home / "state" / "models_cache.json").read_text())
    assert [(e["provider"], e["models"]) for e in data["entries"]] == [
        ("openai", ["gpt-a", "gpt-b"])
    ]
    assert abs(data["entries"][0]["fetched_at_unix"] - time.time()) < 60
    catalog = json.loads((home / "state" / "models.json").read_text())
    assert [m["id"] for m in catalog["providers"]["openai"]["models"]] == ["gpt-a", "gpt-b"]

    assert await run("models", "refresh") == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"Using cached model list for 'openai' \(updated \d+s ago\):\n  - gpt-a\n  - gpt-b\n\n"
        r"Tip: run `zeroclaw models refresh --force --provider openai` to fetch latest now\.\n",
        out,
    )
    assert len(fake_provider.requests) == 1  # fresh cache: zero requests

    assert await run("models", "refresh", "--force") == 0
    assert len(fake_provider.requests) == 2


async def test_alias_and_region_are_cached_under_their_own_id(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run("models", "refresh", "--provider", "Grok") == 0
    assert await run("models", "refresh", "--provider", "dashscope-intl") == 0
    out = capsys.readouterr().out
    assert "Refreshed 'xai' model cache" in out
    assert "Refreshed 'qwen-intl' model cache" in out
    state = home / "state"
    assert [e.provider for e in read_entries(state)] == ["xai", "qwen-intl"]
    assert cached_entry(state, "qwen") is None


async def test_stale_fallback_on_failure(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(home / "state", "openai", ["old-model"], now=time.time() - 13 * 3600)
    fake_provider.script_models(error="server")
    assert await run("models", "refresh") == 0
    out = capsys.readouterr().out
    assert out.startswith("Live refresh failed (openai API error (500 Internal Server Error): ")
    assert out.endswith("). Falling back to stale cache (updated 13h ago):\n  - old-model\n")
    assert len(fake_provider.requests) == 1  # stale: it did try


async def test_stale_fallback_on_empty_list(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(home / "state", "openai", ["old-model"], now=time.time() - 20 * 3600)
    fake_provider.models = []
    assert await run("models", "refresh") == 0
    assert capsys.readouterr().out == (
        "Provider returned no models; using stale cache (updated 20h ago):\n  - old-model\n"
    )
    assert cached_entry(home / "state", "openai") is not None


async def test_empty_or_failed_without_stale_is_an_error(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_provider.models = []
    assert await run("models", "refresh") == 1
    assert "Provider 'openai' returned an empty model list" in capsys.readouterr().err
    fake_provider.script_models(error="auth")
    assert await run("models", "refresh") == 1
    err = capsys.readouterr().err
    assert "failed to refresh models for provider 'openai'" in err
    assert "k-test-123" not in err


async def test_long_preview_and_unsupported_and_unknown(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_provider.models = [f"m-{i:02d}" for i in range(25)]
    assert await run("models", "refresh", "--provider", "openai") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["  - m-19", "  - ... and 5 more"]
    assert await run("models", "refresh", "--provider", "copilot") == 1
    assert "Provider 'copilot' does not support live model discovery yet" in capsys.readouterr().err
    assert await run("models", "refresh", "--provider", "nope") == 1
    assert "Unknown provider: nope." in capsys.readouterr().err
    assert await run("models", "refresh", "--provider", " ") == 1
    assert "Provider name cannot be empty" in capsys.readouterr().err


async def test_models_list_prints_the_catalog(
    home: Path, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run("models", "list") == 0  # configured providers appear, still without models
    assert "openai (" in capsys.readouterr().out
    write_entry(home / "state", "openai", ["gpt-a"])
    assert await run("models", "list") == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"openai ({fake_provider.base_url('openai')}): 1 models\n  - gpt-a  [text]"
    )
    assert await run("models", "list", "--provider", "qwen-intl") == 0
    assert "refresh --provider qwen-intl" in capsys.readouterr().out
    assert fake_provider.requests == []


async def test_models_list_without_config(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run("models", "list") == 0
    assert "The model catalog is empty." in capsys.readouterr().out


@pytest.mark.parametrize("wire", ["anthropic", "gemini", "ollama"])
async def test_refresh_over_every_wire(
    zeroclaw_home: Path,
    fake_provider: FakeProvider,
    capsys: pytest.CaptureFixture[str],
    wire: str,
) -> None:
    (zeroclaw_home / "config.toml").write_text(
        f'[providers.{wire}]\napi_key = "k-test-123"\napi_url = "{fake_provider.base_url(wire)}"\n',
        encoding="utf-8",
    )
    fake_provider.models = ["z-model", "a-model"]
    assert await run("models", "refresh", "--provider", wire) == 0
    assert capsys.readouterr().out.startswith(f"Refreshed '{wire}' model cache with 2 models.")
    assert cached_entry(zeroclaw_home / "state", wire) is not None
    assert fake_provider.requests[0].api_key == "k-test-123"
