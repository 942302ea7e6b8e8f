"""The gateway service: one aiohttp server for the web chat, the API, metrics and admin reloads.

Started by the daemon from `SERVICE_FACTORIES["gateway"]`. `[gateway]` settings are restart-only
(SPEC §10), so they are read once here; everything per request (routes, catalog) comes from the
runtime's current config.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, web

from zeroclaw_py.config.schema import Config, GatewayConfig
from zeroclaw_py.errors import GatewayStartError
from zeroclaw_py.gateway.api import Api
from zeroclaw_py.gateway.auth import GatewayAuth
from zeroclaw_py.gateway.sessions import SessionStore
from zeroclaw_py.services import Service, ServiceHost

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"  # shipped inside the package (hatch includes it)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    ),
}


@web.middleware
async def _security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    if not response.prepared:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


async def _page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


class GatewayService:
    name = "gateway"

    def __init__(self, host: ServiceHost, config: GatewayConfig) -> None:
        self._config = config
        self.sessions = SessionStore()
        self._sockets: set[web.WebSocketResponse] = set()
        self._auth = GatewayAuth(config, self.sessions)
        self._app = web.Application(middlewares=[_security_headers])
        self._app.add_routes(
            [web.get("/", _page), *Api(host, self._auth, self.sessions, self._sockets).routes()]
        )
        self._app.router.add_static("/static", STATIC)
        self._app.on_shutdown.append(self._close_sockets)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port (useful with `port = 0`)

    @property
    def url(self) -> str:
        host = self._config.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            self._app, access_log=None, handler_cancellation=True, shutdown_timeout=5.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self._config.host, self._config.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise GatewayStartError(_listen_error(self._config, exc)) from exc
        self._runner = runner
        self.port = _bound_port(runner, self._config.port)
        if not self._auth.loopback and not self._config.access_token:
            log.warning(
                "gateway: listening on %s without gateway.access_token; web sessions are closed",
                self._config.host,
            )
        log.info("gateway: web chat at %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _close_sockets(self, app: web.Application) -> None:
        # Concurrently: each close waits for the peer's close frame, and one stuck peer must not
        # hold up every other page.
        await asyncio.gather(
            *(
                ws.close(code=WSCloseCode.GOING_AWAY, message=b"gateway shutting down")
                for ws in list(self._sockets)
            )
        )


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured


def _listen_error(config: GatewayConfig, exc: OSError) -> str:
    where = f"{config.host}:{config.port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"gateway: cannot listen on {where}: the port is already in use "
            "(another zeroclaw daemon?). Stop it or set [gateway] port in config.toml."
        )
    return f"gateway: cannot listen on {where}: {exc.strerror or exc}"


def create(host: ServiceHost, config: Config) -> Service | None:
    """The daemon's factory: None when `[gateway] enabled = false`."""
    if not config.gateway.enabled:
        return None
    return GatewayService(host, config.gateway)
