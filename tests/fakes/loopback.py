"""Serving a fake's aiohttp app on 127.0.0.1 at a free port, the one way every fake does it.

    async with serve_app(app) as base:  # "http://127.0.0.1:PORT"
        ...
    async with serving(FakeTelegram()) as fake:  # a fake with app() and a base attribute
        ...

Fakes with their own start()/stop() can hold a `LoopbackServer` instead. Runner options
(e.g. access_log=None, shutdown_timeout=0.2) pass through to `web.AppRunner`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from aiohttp import web

HOST = "127.0.0.1"


class LoopbackServer:
    def __init__(self, app: web.Application, **runner_options: Any) -> None:
        runner_options.setdefault("handler_cancellation", True)  # a test's client may hang up
        self._runner = web.AppRunner(app, **runner_options)
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> str:
        """Listen on a free port; returns the base URL."""
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        self.port = self._runner.addresses[0][1]
        return self.base

    async def stop(self) -> None:
        await self._runner.cleanup()


@asynccontextmanager
async def serve_app(app: web.Application, **runner_options: Any) -> AsyncIterator[str]:
    """`app` served for the duration of the block; yields its base URL."""
    server = LoopbackServer(app, **runner_options)
    base = await server.start()
    try:
        yield base
    finally:
        await server.stop()


class _Fake(Protocol):
    base: str

    def app(self) -> web.Application: ...


FakeT = TypeVar("FakeT", bound=_Fake)


@asynccontextmanager
async def serving(fake: FakeT) -> AsyncIterator[FakeT]:
    """`fake.app()` served for the duration of the block, with `fake.base` set to its URL."""
    async with serve_app(fake.app()) as base:
        fake.base = base
        yield fake
