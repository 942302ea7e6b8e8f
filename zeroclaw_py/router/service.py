"""The "router" daemon service: load the routing model, keep it fresh, publish it (SPEC §8).

- `start` loads the router once (I/O and parsing in a worker thread, never on the event loop).
  A failed first load is logged and counted but does not fail the service, so a fixed file (or a
  config reload) can still bring the router up later.
- With `[router] hot_reload = true` a background task checks the file every `reload_interval`
  seconds (see `source` for how a change is detected), loads a changed file off the event loop,
  validates it (labels must be configured candidates) and swaps it in with one assignment.
  A failed load keeps the running router; the same broken file is not retried by the poller
  until it changes again (one error line, not one per interval), but `reload_now` retries it.
- `reload_now` (POST /router/reload, a `router` config change) checks now and returns a JSON-able
  result. A change of `[router]` settings (path, candidates) forces a fresh load.
- The running router is handed to `publish` (the daemon passes one that sets `Runtime.router`).

Every check ends as one `zeroclaw_router_reloads{result=applied|unchanged|failed}` increment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from zeroclaw_py.metrics import ROUTER_RELOADS
from zeroclaw_py.router.model import STRATEGIES, KnnRouter, RouterError, load_router
from zeroclaw_py.router.source import Source, is_url, open_source

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config, RouterConfig
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0
# Strategy names may carry LiteLLM-router's prefix (`llmrouter-knn`).
STRATEGY_PREFIX = "llmrouter-"

Settings = tuple[str, str, tuple[str, ...]]  # (strategy, model_path, candidates)


@dataclass(frozen=True)
class Seen:
    """Which settings and file content a check last dealt with."""

    settings: Settings
    fingerprint: str


@dataclass(frozen=True)
class CheckResult:
    result: str  # applied | unchanged | failed
    strategy: str | None
    version: str | None  # of the router serving after the check
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "reloaded": self.result == "applied",
            "result": self.result,
            "version": self.version,
            "error": self.error,
        }


class RouterService:
    name = "router"

    def __init__(
        self,
        config: Callable[[], Config],
        *,
        publish: Callable[[KnnRouter | None], None] | None = None,
        interval: float | None = None,
    ) -> None:
        """`config` returns the current snapshot (it changes on hot reload); `publish` receives
        every router swapped in (and None on stop); `interval` overrides `reload_interval`."""
        self._config = config
        self._publish = publish or _unpublished
        self._interval = interval
        self._router: KnnRouter | None = None
        self._source: Source | None = None
        self._loaded: Seen | None = None  # what the serving router was loaded from
        self._attempted: Seen | None = None  # the last content a check tried
        self._lock = anyio.Lock()
        self._stop = anyio.Event()
        self._task: asyncio.Task[None] | None = None
        self._checked = anyio.Event()
        self.last_result: CheckResult | None = None

    # --- serving ---------------------------------------------------------------------------

    @property
    def router(self) -> KnnRouter | None:
        return self._router

    def select(self, text: str) -> str | None:
        """The candidate (`provider/model`) for `text`; None when no router is loaded."""
        router = self._router
        return router.predict(text) if router is not None else None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._stop = anyio.Event()
        await self._check(forced=True)
        self._sync_poller()

    async def stop(self) -> None:
        self._stop.set()
        await self._stop_poller()
        if self._source is not None:
            await self._source.aclose()
            self._source = None
        self._publish(None)

    async def reload_now(self, strategy: str | None = None) -> dict[str, Any]:
        """Check the router file now (forced: a file that failed before is tried again)."""
        configured = self._settings().strategy
        if strategy and configured and strategy_name(strategy) != strategy_name(configured):
            raise RouterError(f"unknown strategy {strategy!r} (configured: {configured})")
        result = await self._check(forced=True)
        self._sync_poller()
        return result.to_json()

    async def next_check(self) -> CheckResult:
        """Wait for the next check to finish and return its result (tests, diagnostics)."""
        await self._checked.wait()
        assert self.last_result is not None
        return self.last_result

    # --- checks ----------------------------------------------------------------------------

    def _settings(self) -> RouterConfig:
        return self._config().router

    async def _check(self, *, forced: bool) -> CheckResult:
        async with self._lock:
            result = await self._check_locked(forced)
        ROUTER_RELOADS.labels(result.result).inc()
        self.last_result = result
        checked, self._checked = self._checked, anyio.Event()
        checked.set()
        return result

    async def _check_locked(self, forced: bool) -> CheckResult:
        cfg = self._settings()
        if not cfg.strategy or not cfg.model_path:
            if self._router is not None:
                log.warning("router disabled by config ([router] strategy/model_path unset)")
                self._swap(None, None)
            return self._outcome("unchanged", cfg.strategy, "router not configured")
        strategy = strategy_name(cfg.strategy)
        if strategy not in STRATEGIES:
            names = ", ".join(STRATEGIES)
            return self._failed(cfg.strategy, f"unknown strategy {cfg.strategy!r} ({names})")
        settings: Settings = (cfg.strategy, cfg.model_path, tuple(cfg.candidates))
        source = await self._source_for(resolve_location(cfg.model_path, self._config()))
        # Forced: anything but the serving content is worth loading. Polling: skip what was
        # already tried, so a broken file costs one error line until it changes.
        basis = self._loaded if forced else self._attempted
        known = basis.fingerprint if basis is not None and basis.settings == settings else None
        try:
            fetched = await source.fetch(known)
            if fetched is None:
                return self._outcome("unchanged", cfg.strategy)
            self._attempted = Seen(settings, fetched.fingerprint)
            router = await anyio.to_thread.run_sync(load_router, fetched.data, cfg.candidates)
        except RouterError as exc:
            return self._failed(cfg.strategy, str(exc))
        if router.strategy != strategy:
            return self._failed(cfg.strategy, f"file is a {router.strategy!r} router")
        self._swap(router, Seen(settings, fetched.fingerprint))
        log.info(
            "router loaded from %s (strategy %s, version %s, %d rows, labels: %s)",
            source.describe(),
            router.strategy,
            router.version,
            len(router.vectors),
            ", ".join(router.labels),
        )
        return self._outcome("applied", cfg.strategy)

    def _failed(self, strategy: str, reason: str) -> CheckResult:
        keeping = f"version {self._router.version}" if self._router is not None else "no router"
        log.error("router reload failed (keeping %s): %s", keeping, reason)
        return self._outcome("failed", strategy, reason)

    def _outcome(self, result: str, strategy: str | None, error: str | None = None) -> CheckResult:
        version = self._router.version if self._router is not None else None
        return CheckResult(result, strategy, version, error)

    def _swap(self, router: KnnRouter | None, seen: Seen | None) -> None:
        """Publish the new router in single assignments: readers see the old or the new one."""
        self._router = router
        self._loaded = seen
        self._publish(router)

    async def _source_for(self, location: str) -> Source:
        if self._source is not None and self._source.location != location:
            await self._source.aclose()
            self._source = None
        if self._source is None:
            self._source = open_source(location)
        return self._source

    # --- polling ---------------------------------------------------------------------------

    def _sync_poller(self) -> None:
        """Run the poller exactly when `hot_reload` is on (a config reload may flip it)."""
        wanted = self._settings().hot_reload and not self._stop.is_set()
        running = self._task is not None and not self._task.done()
        if wanted and not running:
            self._task = asyncio.create_task(self._poll(), name="router-reload")
        elif running and not wanted and self._task is not None:
            self._task.cancel()

    async def _poll(self) -> None:
        while not self._stop.is_set():
            interval = self._interval or float(self._settings().reload_interval)
            with anyio.move_on_after(interval):
                await self._stop.wait()
            if self._stop.is_set() or not self._settings().hot_reload:
                return
            try:
                await self._check(forced=False)
            except Exception:  # the poller must outlive any surprise; the next tick retries
                log.exception("router reload check crashed")
                ROUTER_RELOADS.labels("failed").inc()

    async def _stop_poller(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        with anyio.move_on_after(STOP_TIMEOUT_S):
            await asyncio.wait({task})
        if not task.done():
            task.cancel()
            await asyncio.wait({task})


def resolve_location(location: str, config: Config) -> str:
    """URLs as they are; a relative path is relative to the config file's directory."""
    if is_url(location):
        return location
    path = Path(location).expanduser()
    if not path.is_absolute() and config.source is not None:
        path = config.source.parent / path
    return str(path)


def strategy_name(name: str) -> str:
    """`KNN`, `llmrouter-knn` -> `knn` (the LiteLLM-router spelling is accepted too)."""
    return name.strip().lower().removeprefix(STRATEGY_PREFIX)


def create(host: ServiceHost, config: Config) -> RouterService | None:
    """The service when `[router] strategy` and `model_path` are set, else None."""
    if not config.router.strategy or not config.router.model_path:
        return None
    runtime = host.runtime

    def publish(router: KnnRouter | None) -> None:
        runtime.router = router

    return RouterService(lambda: runtime.config, publish=publish)


def _unpublished(router: KnnRouter | None) -> None:
    """The default `publish`: a service nobody reads from (tests of the service alone)."""
