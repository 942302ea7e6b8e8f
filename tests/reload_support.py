"""Helpers for the reload tests: a minimal runtime and daemon host, log waiters, file edits.

`RecordingRuntime` / `RecordingHost` stand in for the daemon's Runtime and ServiceHost in the unit
tests of the reload manager only (they implement just the protocol surface a reload touches); the
end-to-end tests use the real runtime.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio

from zeroclaw_py.config.load import parse_config
from zeroclaw_py.config.schema import Config
from zeroclaw_py.models.catalog import Catalog, CatalogCache


def config_text(primary: str = "echo/one", *, extra: str = "", debounce_ms: int = 300) -> str:
    return (
        f'[agent.model]\nprimary = "{primary}"\n\n'
        f"[gateway.reload]\ndebounce_ms = {debounce_ms}\n\n{extra}"
    )


def write_atomic(path: Path, text: str) -> None:
    """What most editors and our own fsutil do: temp file in the same dir, then rename over."""
    tmp = path.with_name(f".{path.name}.tmp-edit")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_in_place(path: Path, text: str) -> None:
    """nano-style: truncate and rewrite the same inode."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


class RecordingRuntime:
    """`config` + `apply_config`; every applied snapshot is kept and announced."""

    def __init__(self, config: Config, state_dir: Path) -> None:
        self.config = config
        self.applied: list[Config] = []
        self.changed = anyio.Event()
        self._catalog = CatalogCache(state_dir)

    def apply_config(self, new: Config) -> None:
        self.config = new
        self.applied.append(new)
        self.changed.set()
        self.changed = anyio.Event()
        self._catalog.invalidate()

    def catalog(self) -> Catalog:
        return self._catalog.get(self.config)


class RecordingHost:
    """The ServiceHost calls a reload makes, recorded; `block_restart_service` holds them."""

    def __init__(self, runtime: RecordingRuntime) -> None:
        self._runtime = runtime
        self.calls: list[tuple[str, Any]] = []
        self.block_restart_service: anyio.Event | None = None
        self.restart_service_entered = anyio.Event()
        self.config_at_restart: list[Config] = []
        self.restart_service_error: Exception | None = None

    @property
    def runtime(self) -> RecordingRuntime:
        return self._runtime

    async def restart_service(self, name: str) -> None:
        self.calls.append(("restart_service", name))
        self.config_at_restart.append(self._runtime.config)
        self.restart_service_entered.set()
        if self.restart_service_error is not None:
            raise self.restart_service_error
        if self.block_restart_service is not None:
            await self.block_restart_service.wait()

    def request_restart(self, reason: str) -> None:
        self.calls.append(("request_restart", reason))

    async def reload_config(self, *, source: str) -> dict[str, Any]:
        raise AssertionError("the reload service is the reload path")

    async def reload_router(self, *, strategy: str | None = None) -> dict[str, Any]:
        self.calls.append(("reload_router", strategy))
        return {"strategy": strategy}


def load(text: str, path: Path | None = None) -> Config:
    return parse_config(text, source=path, env={})


class LogWatch(logging.Handler):
    """Collects reload log lines and lets a test wait for one (no sleeping)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._waiters: list[tuple[Callable[[str], bool], anyio.Event]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        for predicate, event in self._waiters:
            if predicate(line):
                event.set()

    async def wait_for(self, predicate: Callable[[str], bool]) -> None:
        """Returns once a line matching `predicate` was logged (wrap in `anyio.fail_after`)."""
        event = anyio.Event()
        self._waiters.append((predicate, event))
        try:
            if any(predicate(line) for line in self.lines):
                return
            await event.wait()
        finally:
            self._waiters.remove((predicate, event))


@contextmanager
def watch_logs(name: str = "zeroclaw_py.reload") -> Iterator[LogWatch]:
    logger = logging.getLogger(name)
    handler = LogWatch()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
