"""The model catalog (SPEC §7.3) and the models_cache.json reader/writer."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from zeroclaw_py.config.schema import (
    AgentConfig,
    Config,
    ModelEntry,
    ModelSettings,
    ProviderSettings,
)
from zeroclaw_py.models.cache import (
    CACHE_TTL_S,
    age_text,
    cache_path,
    cached_models,
    read_entries,
    write_entry,
)
from zeroclaw_py.models.catalog import Catalog, CatalogCache


def config() -> Config:
    return Config(
        providers={
            "openai": ProviderSettings(
                api_url="http://proxy.local/v1",
                models=(ModelEntry(id="gpt-4o", input=("text", "image"), context_window=128000),),
            ),
            "local-vllm": ProviderSettings(
                kind="openai",
                api_url="http://127.0.0.1:8000/v1",
                models=(ModelEntry(id="meta/llama-3", name="Llama 3", max_tokens=4096),),
            ),
        },
        agent=AgentConfig(
            models={
                "anthropic/claude-opus-4-5": ModelSettings(alias="Opus"),
                "grok/grok-4": ModelSettings(alias="Grok"),
                "openai/gpt-4o": ModelSettings(alias="4o"),
            }
        ),
    )


def test_cache_write_read_and_tolerance(tmp_path: Path) -> None:
    assert read_entries(tmp_path) == []
    write_entry(tmp_path, "openai", ["b", " a ", "b", ""], now=1000)
    write_entry(tmp_path, "xai", ["g"], now=2000)
    write_entry(tmp_path, "openai", ["c"], now=3000)
    entries = read_entries(tmp_path)
    assert [(e.provider, e.models, e.fetched_at_unix) for e in entries] == [
        ("openai", ("c",), 3000),
        ("xai", ("g",), 2000),
    ]
    assert cached_models(tmp_path, "xai") == ["g"]
    assert cached_models(tmp_path, "XAI") is None
    cache_path(tmp_path).write_text(
        '{"entries": [{"provider": 1}, {"provider": "ok", "models": ["m"]}]}'
    )
    assert cached_models(tmp_path, "ok") == ["m"]
    cache_path(tmp_path).write_text("{not json")
    assert read_entries(tmp_path) == []
    leftovers = {p.name for p in tmp_path.iterdir()} - {
        "models_cache.json",
        "models_cache.json.lock",
    }
    assert leftovers == set()  # no temp files left


def test_freshness_and_age_text(tmp_path: Path) -> None:
    now = time.time()
    entry = write_entry(tmp_path, "openai", ["m"], now=now - CACHE_TTL_S + 5)
    assert entry.is_fresh(now)
    assert not entry.is_fresh(now + 10)
    assert [age_text(s) for s in (0, 59, 60, 3599, 3600, 7 * 3600 + 59)] == [
        "0s", "59s", "1m", "59m", "1h", "7h"
    ]  # fmt: skip


def test_catalog_merges_cache_config_and_aliases(tmp_path: Path) -> None:
    write_entry(tmp_path, "openai", ["gpt-4o", "gpt-4o-mini"])
    write_entry(tmp_path, "together", ["meta/llama"])
    catalog = Catalog.build(config(), tmp_path)
    assert catalog.providers() == ["openai", "together", "local-vllm", "anthropic", "xai"]
    gpt4o = catalog.lookup("openai", "gpt-4o")
    assert gpt4o is not None
    assert (gpt4o.input, gpt4o.context_window, gpt4o.alias) == (("text", "image"), 128000, "4o")
    assert catalog.supports_images("openai", "gpt-4o")
    assert not catalog.supports_images("openai", "gpt-4o-mini")  # unknown = text-only
    assert not catalog.supports_images("openai", "never-heard-of")
    opus = catalog.lookup("anthropic", "claude-opus-4-5")
    assert opus is not None
    assert opus.alias == "Opus"
    grok = catalog.lookup("xai", "grok-4")  # alias provider name canonicalised
    assert grok is not None
    assert grok.alias == "Grok"
    assert catalog.base_url("openai") == "http://proxy.local/v1"
    assert catalog.base_url("local-vllm") == "http://127.0.0.1:8000/v1"


def test_catalog_json_shape_and_atomic_write(tmp_path: Path) -> None:
    catalog = Catalog.build(config(), tmp_path)
    path = catalog.write(tmp_path)
    data = json.loads(path.read_text())
    assert data == catalog.to_json()
    llama = data["providers"]["local-vllm"]
    assert llama["baseUrl"] == "http://127.0.0.1:8000/v1"
    assert llama["models"] == [
        {
            "id": "meta/llama-3",
            "name": "Llama 3",
            "input": ["text"],
            "contextWindow": None,
            "maxTokens": 4096,
            "reasoning": False,
        }
    ]


def test_catalog_cache_rebuilds_on_invalidate_new_config_or_cache_change(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    first_config = config()
    first = cache.get(first_config)
    assert cache.get(first_config) is first
    assert (tmp_path / "models.json").exists()
    cache.invalidate()
    second = cache.get(first_config)
    assert second is not first
    third = cache.get(Config())
    assert third is not second
    assert third.providers() == []
    write_entry(tmp_path, "openai", ["fresh-model"])
    os.utime(cache_path(tmp_path), ns=(1, 1))  # a different mtime, whatever the clock says
    fourth = cache.get(third_config := Config())
    assert fourth.lookup("openai", "fresh-model") is not None
    assert cache.get(third_config) is fourth
