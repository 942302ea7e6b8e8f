"""Provider instances: created once per (provider id, settings fingerprint), warmed, leased.

Why leases: a config reload may change a provider's settings while turns are still talking to
the old instance. The pool keys instances on `(id, factory.settings_fingerprint(spec, config))`,
so a turn started after the reload gets a fresh instance while turns in flight keep theirs. The
old instance is *retired*: closed as soon as no lease holds it (at once when idle). Concurrent
first uses of a key wait on one per-key lock, so exactly one instance is built.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zeroclaw_py.errors import UnknownProviderError

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.base import Provider
    from zeroclaw_py.providers.registry import ProviderSpec

log = logging.getLogger(__name__)

WARMUP_TIMEOUT_S = 5.0
PoolKey = tuple[str, Hashable]


@dataclass
class _Entry:
    provider: Provider
    leases: int = 0
    retired: bool = False


class ProviderPool:
    def __init__(self, http: httpx.AsyncClient, config: Config) -> None:
        self._http = http
        self._current = config  # instances built for older snapshots are never cached
        self._entries: dict[PoolKey, _Entry] = {}
        self._locks: dict[PoolKey, asyncio.Lock] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._memo_config: Config | None = None
        self._memo: dict[str, tuple[ProviderSpec, PoolKey]] = {}
        self.created = 0  # instances built so far (observability and tests)
        self.closed = 0  # instances closed so far

    @staticmethod
    def spec_for(provider_id: str, config: Config) -> ProviderSpec:
        from zeroclaw_py.providers import registry

        spec = registry.resolve(provider_id, config)
        if spec is None:
            raise UnknownProviderError(provider_id)
        return spec

    @staticmethod
    def key_for(spec: ProviderSpec, config: Config) -> PoolKey:
        from zeroclaw_py.providers.factory import settings_fingerprint

        return (spec.id, settings_fingerprint(spec, config))

    async def get(self, provider_id: str, config: Config) -> Provider:
        """The instance for `provider_id` under `config`, built and warmed on first use."""
        return (await self._entry(provider_id, config)).provider

    @asynccontextmanager
    async def lease(self, provider_id: str, config: Config) -> AsyncIterator[Provider]:
        """Hold the instance for a turn: a reload will not close it until the turn ends."""
        entry = await self._entry(provider_id, config)
        entry.leases += 1
        try:
            yield entry.provider
        finally:
            entry.leases -= 1
            if entry.retired and entry.leases == 0:
                self._close_later(entry)

    def _lookup(self, provider_id: str, config: Config) -> tuple[ProviderSpec, PoolKey]:
        """Spec and pool key, memoised per config snapshot (a turn pays one dict lookup)."""
        if self._memo_config is not config:
            self._memo_config, self._memo = config, {}
        found = self._memo.get(provider_id)
        if found is None:
            spec = self.spec_for(provider_id, config)
            found = self._memo[provider_id] = (spec, self.key_for(spec, config))
        return found

    async def _entry(self, provider_id: str, config: Config) -> _Entry:
        spec, key = self._lookup(provider_id, config)
        entry = self._entries.get(key)
        if entry is not None:
            return entry
        if config is not self._current:
            # A turn that started before a reload needs a provider the reload changed: build
            # it for that turn only (closed when its lease ends), never cached.
            return _Entry(await self._build(spec, config), retired=True)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = _Entry(await self._build(spec, config))
                self._retire_other_versions(key)
                self._entries[key] = entry
        return entry

    async def _build(self, spec: ProviderSpec, config: Config) -> Provider:
        from zeroclaw_py.providers.factory import create_provider

        provider = create_provider(spec, config, self._http)
        self.created += 1
        try:
            async with asyncio.timeout(WARMUP_TIMEOUT_S):
                await provider.warmup()
        except Exception as exc:  # a warmup failure is a warning only (SPEC §5)
            from zeroclaw_py.providers.scrub import describe_error

            log.warning("Provider warmup failed for %s: %s", spec.id, describe_error(exc))
        return provider

    def _retire_other_versions(self, key: PoolKey) -> None:
        for other in [k for k in self._entries if k[0] == key[0] and k != key]:
            self._retire(other)

    def _retire(self, key: PoolKey) -> None:
        entry = self._entries.pop(key)
        self._locks.pop(key, None)
        entry.retired = True
        if entry.leases == 0:
            self._close_later(entry)

    def apply_config(self, config: Config) -> list[str]:
        """Retire instances whose settings changed or whose provider is gone; returns their ids."""
        from zeroclaw_py.providers import registry

        self._current = config
        stale = []
        for key in list(self._entries):
            spec = registry.resolve(key[0], config)
            if spec is None or self.key_for(spec, config) != key:
                stale.append(key)
        for key in stale:
            self._retire(key)
        return [key[0] for key in stale]

    def _close_later(self, entry: _Entry) -> None:
        task = asyncio.get_running_loop().create_task(self._close(entry.provider))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def settle(self) -> None:
        """Wait for retired instances that are being closed right now."""
        while self._closing:
            await asyncio.gather(*self._closing)

    async def aclose(self) -> None:
        entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            await self._close(entry.provider)
        await self.settle()

    async def _close(self, provider: Provider) -> None:
        try:
            await provider.aclose()
        except Exception as exc:
            from zeroclaw_py.providers.scrub import describe_error

            log.warning("closing provider %s failed: %s", provider.id, describe_error(exc))
        self.closed += 1
