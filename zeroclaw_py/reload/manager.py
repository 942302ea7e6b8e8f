"""The one reload path (SPEC §10): read, validate, diff, plan, apply. Single-flight.

Every trigger (file watcher, SIGHUP, `POST /config/reload`, `zeroclaw reload`) calls
`ReloadManager.reload_now(source)`. A reload that arrives while one runs does not start a second
one and does not pile up: the first such call queues ONE rerun, later ones share it, and all of
them get that rerun's result. The rerun reads the file afresh, so it sees every edit made so far.

The running config is the baseline of the diff (not the last file seen), so a change skipped in
`off` mode or by an invalid file is picked up by the next reload that applies. The file itself is
never written here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from zeroclaw_py.config import rules
from zeroclaw_py.config.schema import Config, GatewayReloadConfig
from zeroclaw_py.errors import ConfigError
from zeroclaw_py.providers.scrub import scrub
from zeroclaw_py.reload.handlers import HotContext, ReloadTarget, apply_snapshot, run_hot_actions

if TYPE_CHECKING:
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger("zeroclaw_py.reload")

MISSING_RETRIES = 2
MISSING_RETRY_DELAY_S = 0.150

Parser = Callable[..., Config]


@dataclass(frozen=True)
class _Outcome:
    """Result label (metrics) + the JSON-able report returned to the caller."""

    result: str
    report: dict[str, Any]


def _default_parser() -> Parser:
    from zeroclaw_py.config.load import parse_config

    return parse_config


def _count(result: str) -> None:
    from zeroclaw_py.metrics import CONFIG_RELOADS

    CONFIG_RELOADS.labels(result=result).inc()


class ReloadManager:
    def __init__(
        self,
        config_path: Path,
        runtime: ReloadTarget,
        host: ServiceHost | None = None,
        *,
        parser: Parser | None = None,
        missing_retry_delay_s: float = MISSING_RETRY_DELAY_S,
    ) -> None:
        self.config_path = config_path
        self.runtime = runtime
        self.host = host
        self._parse = parser or _default_parser()
        self._missing_retry_delay_s = missing_retry_delay_s
        self._settings = runtime.config.gateway.reload
        self._running: asyncio.Task[dict[str, Any]] | None = None
        self._queued: asyncio.Future[dict[str, Any]] | None = None
        self._queued_sources: list[str] = []
        self._restart_requested = False
        self.reloads = 0  # completed reload attempts (tests, bench)

    @property
    def settings(self) -> GatewayReloadConfig:
        """`gateway.reload` of the newest valid file read (mode and debounce apply at once)."""
        return self._settings

    async def reload_now(self, source: str) -> dict[str, Any]:
        """Run the reload path now, or join the one queued rerun if a reload is running."""
        if self._running is not None and not self._running.done():
            if self._queued is None:
                self._queued = asyncio.get_running_loop().create_future()
            self._queued_sources.append(source)
            return await asyncio.shield(self._queued)
        self._running = asyncio.create_task(self._drain_queue(source), name="config-reload")
        return await asyncio.shield(self._running)

    async def aclose(self) -> None:
        """Cancel a reload in progress (daemon shutdown); waiters of the rerun are cancelled."""
        if self._queued is not None and not self._queued.done():
            self._queued.cancel()
        self._queued = None
        if self._running is not None and not self._running.done():
            self._running.cancel()
            try:
                await self._running
            except asyncio.CancelledError:
                log.debug("config reload cancelled by shutdown")

    async def _drain_queue(self, source: str) -> dict[str, Any]:
        first = await self._reload_once(source)
        while self._queued is not None:
            waiters, self._queued = self._queued, None
            sources, self._queued_sources = self._queued_sources, []
            report = await self._reload_once("+".join(dict.fromkeys(sources)))
            if not waiters.done():
                waiters.set_result(report)
        return first

    async def _reload_once(self, source: str) -> dict[str, Any]:
        try:
            outcome = await self._evaluate(source)
        except Exception as exc:
            log.exception(rules.LOG_FAILED.format(exc))
            outcome = _Outcome("failed", {"error": scrub(str(exc) or type(exc).__name__)})
        self.reloads += 1
        _count(outcome.result)
        return {"source": source, "result": outcome.result, **outcome.report}

    async def _read(self) -> str | None:
        """The file's text; a missing file is retried (editors delete-then-create).

        An unreadable file (a directory, no permission, not UTF-8) is a `ConfigError`, so it is
        skipped as invalid like a file with a syntax error.
        """
        from zeroclaw_py.config.load import read_text

        for attempt in range(MISSING_RETRIES + 1):
            text = read_text(self.config_path)
            if text is not None or attempt == MISSING_RETRIES:
                return text
            log.info(rules.LOG_MISSING_RETRY.format(attempt + 1, MISSING_RETRIES))
            await anyio.sleep(self._missing_retry_delay_s)
        return None

    async def _evaluate(self, source: str) -> _Outcome:
        try:
            text = await self._read()
            if text is None:
                log.warning(rules.LOG_MISSING)
                return _Outcome("skipped_missing", {"path": str(self.config_path)})
            new = self._parse(text, source=self.config_path)
        except ConfigError as exc:
            issues = rules.issue_lines(exc.issues, self.config_path) or [str(exc)]
            log.warning(rules.LOG_INVALID.format(", ".join(issues)))
            return _Outcome("skipped_invalid", {"issues": issues})
        self._settings = new.gateway.reload
        mode = self._settings.mode

        current = self.runtime.config
        paths = rules.changed_paths(current, new)
        plan = rules.build_plan(paths)
        report: dict[str, Any] = {"mode": mode, **plan.to_dict()}
        if not plan.has_changes:
            log.debug("config reload (%s): no changes", source)
            return _Outcome("noop", report)

        log.info(rules.LOG_DETECTED.format(", ".join(plan.changed_paths)))
        decision = rules.decide(plan, mode)
        if decision.log:
            log.warning(decision.log)
        result = "disabled" if mode == "off" else "ignored"
        if decision.apply:
            await apply_snapshot(self.runtime, new)
            failures = await run_hot_actions(HotContext(self.runtime, self.host, plan))
            if plan.hot_reasons:
                log.info(rules.LOG_HOT_APPLIED.format(", ".join(plan.hot_reasons)))
            else:
                log.info(rules.LOG_NOOP_APPLIED.format(", ".join(plan.noop_paths)))
            if failures:
                report["failures"] = [scrub(failure) for failure in failures]
            result = "applied"
        if decision.restart:
            reasons = plan.restart_reasons or plan.changed_paths
            self._request_restart(", ".join(reasons))
            result = "restart"
        return _Outcome(result, report)

    def _request_restart(self, reasons: str) -> None:
        log.warning(rules.LOG_RESTART.format(reasons))
        if self.host is None:
            log.warning("no daemon to restart; restart skipped")
            return
        if self._restart_requested:
            log.info("restart already requested; skipping duplicate")
            return
        self._restart_requested = True
        self.host.request_restart(reasons)
