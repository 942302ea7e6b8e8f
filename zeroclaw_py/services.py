"""Long-running parts of the daemon (channels, gateway, config watcher) and how they are found.

The daemon imports nothing heavy up front: it walks `SERVICE_FACTORIES`, imports each factory
lazily and asks it for a service. A factory returns None when its part is not configured (e.g.
Telegram without a token). Adding a service is adding a row.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.context import Runtime


class Service(Protocol):
    """One long-running part. `start` returns once it is up; `stop` returns once it is down."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ServiceHost(Protocol):
    """What services may ask of the daemon that runs them."""

    @property
    def runtime(self) -> Runtime: ...

    async def restart_service(self, name: str) -> None:
        """Stop and start one service with the current config (e.g. a channel after an edit)."""
        ...

    def request_restart(self, reason: str) -> None:
        """Drain turns in flight (bounded), then re-exec the daemon with the same arguments."""
        ...

    async def reload_config(self, *, source: str) -> Mapping[str, Any]:
        """Run the config reload path now (SIGHUP, POST /config/reload); returns the plan."""
        ...

    async def reload_router(self, *, strategy: str | None = None) -> Mapping[str, Any]: ...


ServiceFactory = Callable[["ServiceHost", "Config"], "Service | None"]

# name -> "module:function". Order is start order; stop runs in reverse.
SERVICE_FACTORIES: dict[str, str] = {
    "reload": "zeroclaw_py.reload.service:create",
    "router": "zeroclaw_py.router.service:create",
    "gateway": "zeroclaw_py.gateway.server:create",
    "telegram": "zeroclaw_py.channels.factories:telegram",
    "discord": "zeroclaw_py.channels.factories:discord",
}


def load_factory(name: str) -> ServiceFactory:
    module_name, _, attr = SERVICE_FACTORIES[name].partition(":")
    factory: ServiceFactory = getattr(importlib.import_module(module_name), attr)
    return factory
