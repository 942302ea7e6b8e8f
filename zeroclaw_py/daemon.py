"""`zeroclaw daemon`: build the runtime from the config and run every configured service.

Services come from `services.SERVICE_FACTORIES` (imported lazily): a missing module or a factory
returning None is skipped with an info line; a service that fails to start logs one error and the
others keep running. The daemon is the `ServiceHost` the services talk back to (restart a service,
restart the whole process, reload the config or the router). SIGHUP reloads the config;
SIGINT/SIGTERM stop cleanly, letting turns in flight finish within `DRAIN_TIMEOUT_S`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zeroclaw_py import paths
from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import GatewayStartError
from zeroclaw_py.fsutil import atomic_write_text
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.services import SERVICE_FACTORIES, Service, load_factory

log = logging.getLogger("zeroclaw_py.daemon")

DRAIN_TIMEOUT_S = 30.0  # how long shutdown/restart waits for turns in flight
SERVICE_START_TIMEOUT_S = 60.0
PID_FILE = "daemon.pid"

ZERO_CONFIG_NOTICE = """\
No config file at {path}: running on defaults with the offline `echo` provider.
Web chat: http://{host}:{port}
To talk to a real model, create {path} with for example:

    [agent.model]
    primary = "openrouter/anthropic/claude-sonnet-4"

    [providers.openrouter]
    api_key = "sk-or-..."

or set ZEROCLAW_API_KEY, or run `zeroclaw login <provider>`. Telegram and Discord start once
[channels_config.telegram] / [channels_config.discord] have a bot_token.
"""


def config_file(args: argparse.Namespace) -> Path:
    return paths.config_path(getattr(args, "config", None))


def prepare(args: argparse.Namespace, *, log_level: str = "INFO") -> Config:
    """Migrate legacy keys, set up logging, load the config (shared with `zeroclaw chat`)."""
    from zeroclaw_py.config.load import load_config
    from zeroclaw_py.log import setup_logging

    setup_logging(os.environ.get("ZEROCLAW_LOG_LEVEL", log_level))
    path = config_file(args)
    from zeroclaw_py.config.migrate import auto_migrate

    auto_migrate(path)  # legacy keys are migrated (with a backup) before anything reads them
    return load_config(path)


class Daemon:
    """Runs the services and implements `services.ServiceHost` for them."""

    def __init__(self, config: Config, config_path: Path) -> None:
        self.config_path = config_path
        self._runtime = Runtime(config)
        self.services: dict[str, Service] = {}
        self._stop = asyncio.Event()
        self._restart_reason: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    @property
    def pid_path(self) -> Path:
        return self._runtime.state_dir / PID_FILE

    # --- services --------------------------------------------------------------------------

    def _create(self, name: str) -> Service | None:
        try:
            factory = load_factory(name)
        except ImportError as exc:
            log.info("service %s not available: %s", name, exc)
            return None
        service = factory(self, self._runtime.config)
        if service is None:
            log.info("service %s not configured; skipped", name)
        return service

    async def _start(self, name: str) -> None:
        try:
            service = self._create(name)
            if service is None:
                return
            async with asyncio.timeout(SERVICE_START_TIMEOUT_S):
                await service.start()
        except GatewayStartError:
            raise  # fatal: a daemon that cannot listen is unreachable; exit non-zero (SPEC §9)
        except Exception as exc:
            from zeroclaw_py.providers.scrub import describe_error

            log.error("service %s failed to start: %s", name, describe_error(exc))
            return
        self.services[name] = service
        log.info("service %s started", name)

    async def _stop_service(self, name: str) -> None:
        service = self.services.pop(name, None)
        if service is None:
            return
        try:
            await service.stop()
        except Exception as exc:
            from zeroclaw_py.providers.scrub import describe_error

            log.error("service %s failed to stop cleanly: %s", name, describe_error(exc))

    async def restart_service(self, name: str) -> None:
        await self._stop_service(name)
        await self._start(name)

    def request_restart(self, reason: str) -> None:
        log.warning("daemon restart requested: %s", reason)
        self._restart_reason = reason
        self._stop.set()

    def request_stop(self) -> None:
        self._stop.set()

    async def reload_config(self, *, source: str) -> Mapping[str, Any]:
        service: Any = self.services.get("reload")
        if service is None or not hasattr(service, "reload_now"):
            return {"source": source, "applied": False, "reason": "reload service not running"}
        plan: Mapping[str, Any] = await service.reload_now(source=source)
        return plan

    async def reload_router(self, *, strategy: str | None = None) -> Mapping[str, Any]:
        service: Any = self.services.get("router")
        if service is None or not hasattr(service, "reload_now"):
            return {"strategy": None, "reloaded": False}
        result: Mapping[str, Any] = await service.reload_now(strategy=strategy)
        return result

    # --- lifecycle -------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_sighup(self) -> None:
        log.info("SIGHUP received: reloading config")
        self._spawn(self._logged_reload("sighup"))

    async def _logged_reload(self, source: str) -> None:
        try:
            await self.reload_config(source=source)
        except Exception:
            log.exception("config reload from %s failed", source)

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self._on_sighup)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)

    @staticmethod
    def _remove_signals() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    async def run(self) -> str | None:
        """Serve until stopped; returns the restart reason when a restart was requested."""
        await self._runtime.start()
        self._runtime.state_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.pid_path, f"{os.getpid()}\n")
        try:
            self._install_signals()
            for name in SERVICE_FACTORIES:
                await self._start(name)
            # Everything imported and built so far lives as long as the process: moving it out of
            # the collector's generations keeps full collections short as histories grow.
            gc.freeze()
            log.info("daemon running (services: %s)", ", ".join(self.services) or "none")
            await self._stop.wait()
        finally:
            self._remove_signals()
            await self._shutdown()
        return self._restart_reason

    async def _shutdown(self) -> None:
        log.info("daemon stopping; waiting for %d turn(s) in flight", self._runtime.in_flight)
        if not await self._runtime.drain(DRAIN_TIMEOUT_S):
            log.warning(
                "shutdown: %d turn(s) still running after %.0fs",
                self._runtime.in_flight,
                DRAIN_TIMEOUT_S,
            )
        for name in reversed(list(self.services)):
            await self._stop_service(name)
        for task in list(self._tasks):
            task.cancel()
        await self._runtime.aclose()
        self.pid_path.unlink(missing_ok=True)
        log.info("daemon stopped")


def _reexec() -> None:
    """Replace this process with the same interpreter and arguments."""
    argv = [sys.executable, *sys.orig_argv[1:]]
    log.warning("re-executing: %s", " ".join(argv))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def main(args: argparse.Namespace) -> int:
    # A SIGHUP (reload) that arrives while starting, or across a re-exec (an ignored signal stays
    # ignored through exec), must not kill the daemon; the event loop installs the real handler.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    config = prepare(args)
    path = config_file(args)
    if config.source is None:
        gw = config.gateway
        print(ZERO_CONFIG_NOTICE.format(path=path, host=gw.host, port=gw.port), flush=True)
    restart = asyncio.run(Daemon(config, path).run())
    if restart is not None:
        _reexec()
    return 0
