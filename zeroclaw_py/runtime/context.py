"""The runtime context shared by every channel: config snapshot, providers, routes, histories.

Contract (channels, gateway, reload and fallback code rely on exactly this surface):

    runtime = Runtime(config, store=store, state_dir=path)      # store: state.store.StateStore
    await runtime.start()            # open store, shared httpx pool, warm the default provider
    runtime.config                   # the current immutable Config snapshot
    runtime.apply_config(new)        # swap the snapshot; invalidate catalog; providers whose
                                     # settings changed are replaced for NEW turns only
    await runtime.handle(msg, responder)   # the dispatcher: allowlist -> commands -> turn
    await runtime.get_provider(provider_id, config=None) -> Provider   # created once, warmed
    runtime.default_route(config=None) -> Route
    await runtime.get_route(key, config=None) / set_route(key, route)   # set == default removes
                                                       # the override
    runtime.conversation_key(msg) -> str                   # per channels_config.route_scope
    runtime.catalog() -> models.catalog.Catalog            # lazily built, cached
    runtime.in_flight -> int; await runtime.drain(timeout) -> bool
    await runtime.aclose()

Extensions:

    runtime.provider_lease(provider_id, config=None)   # async context manager -> Provider; a
        # turn holds it so a reload never closes an instance mid-call (fallback runners: use it)
    await runtime.switch_route(key, route, channel=..., kind="model", keep_history=False)
        # set_route + history_on_switch ("clear" drops the history) + ROUTE_SWITCHES metric;
        # runtime/switching.py (behind /models, /model and the web pickers) calls it
    await runtime.get_override(key) -> Route | None        # the stored override only
    await runtime.get_history(key) / append_history(key, messages) / clear_history(key)
    await runtime.forget_history(key)    # a user's clear (/new, a switch under "clear"): also
                                         # tells turns in flight not to store their exchange
    runtime.watch_history(key)           # context manager -> HistoryWatch (.cleared) for a turn
    runtime.store, runtime.state_dir, runtime.http (shared httpx.AsyncClient after start())
    runtime.pool                     # the ProviderPool (created/closed counters, settle())
    runtime.track_turn()             # async context manager counting a turn in flight
    runtime.turn_timeout_s           # bound on a whole turn (300 s; tests lower it)
    runtime.router                   # the routing model in use (set by the router service)
    runtime.reliability              # fallback state across turns: breaker, auth profiles
                                     # (created by models/fallback_runtime.py on first use)

Provider lifetime: instances are keyed by (id, settings fingerprint); after `apply_config` an
instance whose settings changed is retired and closed once no turn holds a lease on it.
The `allowed(msg)` check per channel is part of `handle`; channels pass every message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from zeroclaw_py import paths
from zeroclaw_py.channels.base import InboundMessage, Responder
from zeroclaw_py.config.schema import Config
from zeroclaw_py.models.refs import Route
from zeroclaw_py.models.refs import default_route as _default_route
from zeroclaw_py.providers.base import Message, Provider
from zeroclaw_py.state.store import StateStore

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.models.catalog import Catalog, CatalogCache
    from zeroclaw_py.models.fallback_runtime import SharedReliability
    from zeroclaw_py.router.model import KnnRouter
    from zeroclaw_py.runtime.dispatcher import Dispatcher
    from zeroclaw_py.runtime.pool import ProviderPool

log = logging.getLogger(__name__)

TURN_TIMEOUT_S = 300.0  # a whole turn, retries and fallbacks included (upstream's channel timeout)

# channels_config.route_scope -> the conversation key of a message (SPEC §5)
KEY_FORMATS: dict[str, Callable[[InboundMessage], str]] = {
    "sender": lambda m: f"{m.channel}_{m.sender}",
    "chat": lambda m: f"{m.channel}_{m.chat}",
    "chat_sender": lambda m: f"{m.channel}_{m.chat}_{m.sender}",
}


class HistoryWatch:
    """Set by `Runtime.forget_history` while a turn of that conversation runs."""

    __slots__ = ("cleared",)

    def __init__(self) -> None:
        self.cleared = False


class Runtime:
    def __init__(
        self,
        config: Config,
        *,
        store: StateStore | None = None,
        state_dir: Path | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        from zeroclaw_py.state import create_store

        self._config = config
        self.state_dir = state_dir if state_dir is not None else paths.state_dir()
        self.store: StateStore = (
            store if store is not None else create_store(config, self.state_dir)
        )
        self._http = http
        self._owns_http = http is None
        self._pool: ProviderPool | None = None
        self._dispatcher: Dispatcher | None = None
        self._catalog_cache: CatalogCache | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._default_cache: tuple[Config, Route] | None = None
        self._history_watches: dict[str, list[HistoryWatch]] = {}  # keys with turns running
        self.turn_timeout_s = TURN_TIMEOUT_S
        # State that outlives a turn, owned by the parts that use it (see the docstring).
        self.router: KnnRouter | None = None
        self.reliability: SharedReliability | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the store and the HTTP pool, then warm the default provider (never fatal)."""
        from zeroclaw_py.runtime.dispatcher import Dispatcher
        from zeroclaw_py.runtime.pool import ProviderPool

        await self.store.open()
        if self._http is None:
            self._http = _make_http(self._config)
        self._pool = ProviderPool(self._http, self._config)
        self._dispatcher = Dispatcher(self)
        route = self.default_route()
        try:
            await self.get_provider(route.provider)
        except Exception as exc:
            log.warning("default provider %s is not usable yet: %s", route.provider, exc)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
        await self.store.close()

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("Runtime.start() has not run")
        return self._http

    # --- config ----------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        return self._config

    def apply_config(self, new: Config) -> list[str]:
        """Swap the snapshot; returns the provider ids whose instances were retired."""
        self._config = new
        self._invalidate_catalog()
        return self._pool.apply_config(new) if self._pool is not None else []

    def default_route(self, config: Config | None = None) -> Route:
        config = config or self._config
        cached = self._default_cache
        if cached is not None and cached[0] is config:
            return cached[1]
        route = _default_route(config)
        self._default_cache = (config, route)
        return route

    # --- providers -------------------------------------------------------------------------

    @property
    def pool(self) -> ProviderPool:
        if self._pool is None:
            raise RuntimeError("Runtime.start() has not run")
        return self._pool

    async def get_provider(self, provider_id: str, config: Config | None = None) -> Provider:
        return await self.pool.get(provider_id, config or self._config)

    def provider_lease(
        self, provider_id: str, config: Config | None = None
    ) -> AbstractAsyncContextManager[Provider]:
        return self.pool.lease(provider_id, config or self._config)

    # --- catalog ---------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The model catalog (models/catalog.py), built lazily and cached until a reload."""
        if self._catalog_cache is None:
            from zeroclaw_py.models.catalog import CatalogCache

            self._catalog_cache = CatalogCache(self.state_dir)
        return self._catalog_cache.get(self._config)

    def _invalidate_catalog(self) -> None:
        if self._catalog_cache is not None:
            self._catalog_cache.invalidate()

    # --- routes and histories --------------------------------------------------------------

    def conversation_key(self, msg: InboundMessage, config: Config | None = None) -> str:
        scope = (config or self._config).channels_config.route_scope
        return KEY_FORMATS.get(scope, KEY_FORMATS["sender"])(msg)

    async def get_override(self, key: str) -> Route | None:
        return await self.store.get_route(key)

    async def get_route(self, key: str, config: Config | None = None) -> Route:
        """The route of `key`: its override, else the default route of `config` (a turn passes
        the snapshot it started with, so a reload landing meanwhile does not change it)."""
        override = await self.store.get_route(key)
        return override if override is not None else self.default_route(config)

    async def set_route(self, key: str, route: Route) -> None:
        if route == self.default_route():
            await self.store.delete_route(key)
        else:
            await self.store.set_route(key, route)

    async def switch_route(
        self, key: str, route: Route, *, channel: str, kind: str, keep_history: bool = False
    ) -> Route:
        """Store a user's switch and apply `history_on_switch` (unless `keep_history`: a web swap
        keeps the conversation, seed 002). Returns the stored route."""
        from zeroclaw_py.metrics import ROUTE_SWITCHES

        await self.set_route(key, route)
        if not keep_history and self._config.channels_config.history_on_switch == "clear":
            await self.forget_history(key)
        ROUTE_SWITCHES.labels(channel, kind).inc()
        return route

    async def get_history(self, key: str) -> tuple[Message, ...]:
        """The stored history, at most `max_history` messages (a store may keep a few more)."""
        limit = self._config.channels_config.max_history
        history = await self.store.get_history(key)
        return history[-limit:] if limit > 0 else ()

    async def append_history(self, key: str, messages: Sequence[Message]) -> None:
        max_messages = self._config.channels_config.max_history
        await self.store.append_history(key, messages, max_messages=max_messages)

    async def clear_history(self, key: str) -> None:
        await self.store.clear_history(key)

    async def forget_history(self, key: str) -> None:
        """The user's clear: a turn still running for `key` answers but does not store its
        exchange, so the conversation really starts fresh (commands do not wait for turns)."""
        for watch in self._history_watches.get(key, ()):
            watch.cleared = True
        await self.store.clear_history(key)

    @contextmanager
    def watch_history(self, key: str) -> Iterator[HistoryWatch]:
        """Tell a turn whether the user cleared `key`'s history while it ran."""
        watch = HistoryWatch()
        watches = self._history_watches.setdefault(key, [])
        watches.append(watch)
        try:
            yield watch
        finally:
            watches.remove(watch)
            if not watches:
                del self._history_watches[key]

    # --- messages and turns ----------------------------------------------------------------

    async def handle(self, msg: InboundMessage, responder: Responder) -> None:
        if self._dispatcher is None:
            raise RuntimeError("Runtime.start() has not run")
        await self._dispatcher.handle(msg, responder)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @asynccontextmanager
    async def track_turn(self) -> AsyncIterator[None]:
        from zeroclaw_py.metrics import ACTIVE_TURNS

        self._in_flight += 1
        self._idle.clear()
        ACTIVE_TURNS.inc()
        try:
            yield
        finally:
            self._in_flight -= 1
            ACTIVE_TURNS.dec()
            if self._in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109 (contract name)
        """Wait until no turn is running; False when `timeout` seconds passed first."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return self._in_flight == 0
        return True


def _make_http(config: Config) -> httpx.AsyncClient:
    from zeroclaw_py.providers.http import make_http_client

    return make_http_client(config.reliability.request_timeout_s)
