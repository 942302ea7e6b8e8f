"""The "reload" daemon service: the config watcher plus the one reload path behind it.

The daemon's `host.reload_config(source=...)` (SIGHUP, `POST /config/reload`) delegates to
`ReloadService.reload_now`, so every trigger shares the manager's single-flight queue.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from zeroclaw_py.reload.manager import ReloadManager
from zeroclaw_py.reload.watcher import ConfigWatcher

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.reload.handlers import ReloadTarget
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 3.0
STOP_TIMEOUT_S = 3.0


class ReloadService:
    name = "reload"

    def __init__(
        self, config_path: Path, runtime: ReloadTarget, host: ServiceHost | None = None
    ) -> None:
        self.config_path = config_path
        self.manager = ReloadManager(config_path, runtime, host)
        self.watcher = ConfigWatcher(
            config_path,
            self._on_file_change,
            debounce_ms=lambda: self.manager.settings.debounce_ms,
        )
        self._stop = anyio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _on_file_change(self) -> None:
        await self.manager.reload_now("watcher")

    async def start(self) -> None:
        """Install the directory watch and return once it is live (a scheduling round or two),
        so an edit made after the daemon says it is running is always seen."""
        self._stop = anyio.Event()
        self._task = asyncio.create_task(self.watcher.run(self._stop), name="config-watcher")
        self._task.add_done_callback(self._watcher_done)
        with anyio.move_on_after(READY_TIMEOUT_S) as scope:
            await self.watcher.ready.wait()
        if scope.cancelled_caught:
            log.warning("config watcher for %s is slow to start", self.config_path)

    def _watcher_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("config watcher crashed: %s", exc, exc_info=exc)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with anyio.move_on_after(STOP_TIMEOUT_S):
                await asyncio.wait({self._task})
            if not self._task.done():
                self._task.cancel()
        await self.manager.aclose()

    async def reload_now(self, source: str) -> dict[str, Any]:
        """The one reload path; returns the plan and its result as a JSON-able dict."""
        return await self.manager.reload_now(source)


def config_path_for(host: ServiceHost, config: Config) -> Path:
    """The file to watch: where the config was read from, else where it would be read from."""
    if config.source is not None:
        return config.source
    explicit = getattr(host, "config_path", None)
    if isinstance(explicit, Path):
        return explicit
    from zeroclaw_py.paths import config_path

    return config_path()


def create(host: ServiceHost, config: Config) -> ReloadService:
    return ReloadService(config_path_for(host, config), host.runtime, host)
