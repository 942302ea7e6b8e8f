"""`zeroclaw models refresh` and `zeroclaw models list` (SPEC §4, zeroclaw.md §3 messages).

The default provider is the one of `agent.model.primary`. Names go through the registry, so
aliases land on their canonical id and regional ids keep their region; the cache is keyed by
that id. Within the 12 h TTL and without `--force` nothing touches the network. `models list`
reads files only (no httpx import), so it stays as fast as `--help`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zeroclaw_py import paths
from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import ZeroclawError
from zeroclaw_py.models.cache import CacheEntry, age_text, cached_entry, write_entry
from zeroclaw_py.models.catalog import Catalog
from zeroclaw_py.providers.registry import ProviderSpec, resolve, unknown_provider_message
from zeroclaw_py.router.routing import AUTO

PREVIEW_LIMIT = 20
EMPTY_PROVIDER = "Provider name cannot be empty"


def _load(args: argparse.Namespace) -> Config:
    from zeroclaw_py.config.load import load_config

    config_arg = getattr(args, "config", None)
    return load_config(Path(config_arg) if config_arg else None)


def _default_provider(config: Config) -> str:
    return config.agent.model.primary.partition("/")[0]


def _spec(name: str, config: Config) -> ProviderSpec | None:
    spec = resolve(name, config)
    if spec is None:
        print(unknown_provider_message(name), file=sys.stderr)
    return spec


def _preview(models: tuple[str, ...] | list[str]) -> None:
    for model_id in models[:PREVIEW_LIMIT]:
        print(f"  - {model_id}")
    if len(models) > PREVIEW_LIMIT:
        print(f"  - ... and {len(models) - PREVIEW_LIMIT} more")


def _stale(header: str, entry: CacheEntry) -> int:
    print(f"{header} (updated {age_text(entry.age_s())} ago):")
    _preview(entry.models)
    return 0


def refresh(args: argparse.Namespace) -> int:
    config = _load(args)
    given = getattr(args, "provider", None)  # `--provider ""` is an error, not "the default"
    name = (_default_provider(config) if given is None else given).strip()
    if not name:
        print(EMPTY_PROVIDER, file=sys.stderr)
        return 1
    if given is None and name.lower() == AUTO:
        print(
            "The default route is the routing model (auto/auto); "
            "choose a provider with --provider NAME",
            file=sys.stderr,
        )
        return 1
    spec = _spec(name, config)
    if spec is None:
        return 1
    pid = spec.id
    if not spec.discovery:
        print(f"Provider '{pid}' does not support live model discovery yet", file=sys.stderr)
        return 1
    state = paths.state_dir()
    entry = cached_entry(state, pid)
    if not getattr(args, "force", False) and entry is not None and entry.is_fresh():
        print(f"Using cached model list for '{pid}' (updated {age_text(entry.age_s())} ago):")
        _preview(entry.models)
        print()
        print(f"Tip: run `zeroclaw models refresh --force --provider {pid}` to fetch latest now.")
        return 0
    try:
        models = _fetch(spec, config)
    except ZeroclawError as exc:
        if entry is not None and entry.models:
            return _stale(f"Live refresh failed ({exc}). Falling back to stale cache", entry)
        print(f"failed to refresh models for provider '{pid}': {exc}", file=sys.stderr)
        return 1
    if not models:
        if entry is not None and entry.models:
            return _stale("Provider returned no models; using stale cache", entry)
        print(f"Provider '{pid}' returned an empty model list", file=sys.stderr)
        return 1
    written = write_entry(state, pid, models)
    print(f"Refreshed '{pid}' model cache with {len(written.models)} models.")
    _preview(written.models)
    _write_catalog(config, state)
    return 0


def _fetch(spec: ProviderSpec, config: Config) -> list[str]:
    import anyio

    from zeroclaw_py.providers.discovery import fetch_models

    async def run() -> list[str]:
        return await fetch_models(spec, config)

    return anyio.run(run)


def _write_catalog(config: Config, state: Path) -> None:
    try:
        Catalog.build(config, state).write(state)
    except OSError as exc:
        print(f"warning: could not write the model catalog: {exc}", file=sys.stderr)


def list_models(args: argparse.Namespace) -> int:
    config = _load(args)
    state = paths.state_dir()
    catalog = Catalog.build(config, state)
    wanted = getattr(args, "provider", None)
    if wanted is not None:
        if not wanted.strip():
            print(EMPTY_PROVIDER, file=sys.stderr)
            return 1
        spec = _spec(wanted, config)
        if spec is None:
            return 1
        ids = [spec.id]
    else:
        ids = catalog.providers()
    if not ids:
        print("The model catalog is empty.")
        print("Run `zeroclaw models refresh --provider <name>` to fetch a provider's models.")
        return 0
    for index, pid in enumerate(ids):
        if index:
            print()
        _print_provider(catalog, pid)
    return 0


def _print_provider(catalog: Catalog, pid: str) -> None:
    models = catalog.models(pid)
    base = catalog.base_url(pid)
    print(f"{pid}" + (f" ({base})" if base else "") + f": {len(models)} models")
    if not models:
        print(f"  No cached model list. Run `zeroclaw models refresh --provider {pid}`.")
    for model in models:
        details = [",".join(model.input)]
        if model.context_window:
            details.append(f"ctx {model.context_window}")
        if model.alias:
            details.append(f"alias {model.alias}")
        print(f"  - {model.id}  [{'; '.join(details)}]")
