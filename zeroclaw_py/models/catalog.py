"""The model catalog (SPEC §7.3): what we know about each provider's models.

Sources, later ones refining earlier ones:
1. `models_cache.json` (live lists): ids only, so input `["text"]` (unknown counts as text-only).
2. `[providers.<id>].models`: declared metadata (input kinds, context window, max tokens).
3. `agent.models."<provider>/<model>"`: makes the model known and attaches its alias.

Provider keys are canonical registry ids (aliases resolved, regions kept; custom providers by
their config name). `Catalog.to_json()` is the `<state>/models.json` shape. `CatalogCache`
holds one built catalog for the runtime and rebuilds lazily after `invalidate()`, when handed a
different config snapshot, or when `models_cache.json` changed on disk (a `models refresh` in
another process). Stdlib + registry only: cheap to import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from zeroclaw_py.config.schema import Config, InputKind
from zeroclaw_py.models.cache import cache_path, read_entries
from zeroclaw_py.paths import MODEL_CATALOG_FILE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    input: tuple[InputKind, ...] = ("text",)
    context_window: int | None = None
    max_tokens: int | None = None
    reasoning: bool = False
    alias: str | None = None

    @property
    def supports_images(self) -> bool:
        return "image" in self.input

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "input": list(self.input),
            "contextWindow": self.context_window,
            "maxTokens": self.max_tokens,
            "reasoning": self.reasoning,
        }


@dataclass
class CatalogProvider:
    id: str
    base_url: str
    models: dict[str, CatalogModel] = field(default_factory=dict)


def _canonical(name: str, config: Config) -> str:
    from zeroclaw_py.errors import UnknownProviderError
    from zeroclaw_py.providers.registry import resolve

    try:
        spec = resolve(name, config)
    except UnknownProviderError:
        return name.strip()
    return spec.id if spec is not None else name.strip()


def _base_url(provider_id: str, config: Config) -> str:
    from zeroclaw_py.errors import UnknownProviderError
    from zeroclaw_py.providers.factory import effective_base_url
    from zeroclaw_py.providers.registry import resolve

    try:
        spec = resolve(provider_id, config)
    except UnknownProviderError:
        return ""
    return effective_base_url(spec, config) if spec is not None else ""


class Catalog:
    def __init__(self, providers: dict[str, CatalogProvider]) -> None:
        self._providers = providers

    @classmethod
    def build(cls, config: Config, state_dir: Path) -> Catalog:
        providers: dict[str, CatalogProvider] = {}

        def slot(name: str) -> CatalogProvider:
            pid = _canonical(name, config)
            if pid not in providers:
                providers[pid] = CatalogProvider(pid, _base_url(pid, config))
            return providers[pid]

        for entry in read_entries(state_dir):
            models = slot(entry.provider).models
            for model_id in entry.models:
                models.setdefault(model_id, CatalogModel(model_id, model_id))
        for name, settings in config.providers.items():
            models = slot(name).models
            for declared in settings.models:
                models[declared.id] = CatalogModel(
                    id=declared.id,
                    name=declared.name or declared.id,
                    input=tuple(declared.input) or ("text",),
                    context_window=declared.context_window,
                    max_tokens=declared.max_tokens,
                    reasoning=declared.reasoning,
                )
        for ref, model_settings in config.agent.models.items():
            provider, sep, model_id = ref.strip().partition("/")
            if not sep or not provider.strip() or not model_id.strip():
                continue
            models = slot(provider).models
            model_id = model_id.strip()
            known = models.get(model_id, CatalogModel(model_id, model_id))
            models[model_id] = replace(known, alias=model_settings.alias or known.alias)
        return cls(providers)

    def providers(self) -> list[str]:
        return list(self._providers)

    def base_url(self, provider: str) -> str:
        entry = self._providers.get(provider)
        return entry.base_url if entry is not None else ""

    def models(self, provider: str) -> list[CatalogModel]:
        entry = self._providers.get(provider)
        return list(entry.models.values()) if entry is not None else []

    def lookup(self, provider: str, model: str) -> CatalogModel | None:
        entry = self._providers.get(provider)
        return entry.models.get(model) if entry is not None else None

    def supports_images(self, provider: str, model: str) -> bool:
        found = self.lookup(provider, model)
        return found is not None and found.supports_images

    def to_json(self) -> dict[str, Any]:
        return {
            "providers": {
                pid: {
                    "baseUrl": entry.base_url,
                    "models": [m.to_json() for m in entry.models.values()],
                }
                for pid, entry in self._providers.items()
            }
        }

    def write(self, state_dir: Path) -> Path:
        from zeroclaw_py.fsutil import atomic_write_json

        path = state_dir / MODEL_CATALOG_FILE
        atomic_write_json(path, self.to_json())
        return path


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class CatalogCache:
    """One lazily built catalog per config snapshot and cache-file version."""

    def __init__(self, state_dir: Path, *, write_file: bool = True) -> None:
        self.state_dir = state_dir
        self.write_file = write_file
        self._catalog: Catalog | None = None
        self._config: Config | None = None
        self._mtime: int | None = None
        self._written: dict[str, Any] | None = None

    def invalidate(self) -> None:
        self._catalog = None
        self._config = None

    def get(self, config: Config) -> Catalog:
        mtime = _mtime_ns(cache_path(self.state_dir))
        if self._catalog is None or config is not self._config or mtime != self._mtime:
            self._catalog = Catalog.build(config, self.state_dir)
            self._config, self._mtime = config, mtime
            self._persist(self._catalog)
        return self._catalog

    def _persist(self, catalog: Catalog) -> None:
        if not self.write_file:
            return
        data = catalog.to_json()
        if data == self._written:
            return
        try:
            catalog.write(self.state_dir)
        except OSError as exc:
            log.warning("could not write model catalog dir=%s error=%s", self.state_dir, exc)
            return
        self._written = data
