"""The web chat WebSocket (SPEC §9, seed 002): one socket per page, one conversation per session.

Client frames are handled in arrival order by one worker per socket, so `update_model` sent after
a message applies after that message's turn, and a turn always finishes on the route it started
with. The reader keeps reading meanwhile: a malformed frame is answered at once and a closed
socket is noticed at once. Nothing a client sends closes the connection or loses the history.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiohttp import WSMsgType, web

from zeroclaw_py.errors import ZeroclawError
from zeroclaw_py.gateway.routes import current_route, route_payload, switch_route
from zeroclaw_py.gateway.sessions import WebSession
from zeroclaw_py.gateway.web_channel import EventSink, WebResponder, socket_sink
from zeroclaw_py.metrics import WEB_SOCKETS
from zeroclaw_py.models.refs import Route
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.runtime.switching import SwitchRefused

log = logging.getLogger(__name__)

MAX_PENDING = 32  # frames queued behind a running turn before the client is told to slow down
MAX_FRAME = 256 * 1024  # the page checks the same limit before sending (static/app.js)

Frame = dict[str, Any]


class WebSocketSession:
    """Serves one open WebSocket of one web session."""

    def __init__(self, runtime: Runtime, session: WebSession, ws: web.WebSocketResponse) -> None:
        self._runtime = runtime
        self._session = session
        self._ws = ws
        self._sink: EventSink = socket_sink(ws)
        self._queue: asyncio.Queue[Frame] = asyncio.Queue(MAX_PENDING)
        self._handlers: dict[str, Callable[[Frame], Awaitable[None]]] = {
            "message": self._on_message,
            "command": self._on_command,
            "update_model": self._on_update_model,
        }
        self._responder = WebResponder(self._sink, self._current_route)

    async def run(self) -> None:
        worker = asyncio.create_task(self._work(), name=f"web-ws-{self._session.id}")
        try:
            async for msg in self._ws:
                if msg.type == WSMsgType.TEXT:
                    await self._accept(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self._error("binary frames are not supported; send JSON text")
                elif msg.type == WSMsgType.ERROR:
                    log.info("web: socket error on session %s: %s", self._session.id, msg.data)
        finally:
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker

    async def _accept(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except json.JSONDecodeError as exc:
            await self._error(f"malformed JSON: {exc.msg} at position {exc.pos}")
            return
        if not isinstance(frame, dict):
            await self._error("malformed message: expected a JSON object")
            return
        kind = frame.get("type")
        if kind not in self._handlers:
            await self._error(
                f"unknown message type {kind!r}: expected one of {', '.join(self._handlers)}"
            )
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            await self._error("too many messages waiting; wait for the current answer")

    async def _work(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await self._handlers[frame["type"]](frame)
            except ZeroclawError as exc:
                log.warning("web: session %s: %s", self._session.id, exc)
                await self._error(str(exc))
            except Exception:
                # A bug must not kill the socket or leak a traceback to the page; log it.
                log.exception("web: session %s: unexpected error", self._session.id)
                await self._error("internal error; the conversation is kept, please retry")

    # --- frame handlers (one per client message type) --------------------------------------

    async def _on_message(self, frame: Frame) -> None:
        text = frame.get("text")
        if not isinstance(text, str) or not text.strip():
            await self._error("a message needs a non-empty string field 'text'")
            return
        await self._runtime.handle(self._session.inbound(text), self._responder)

    async def _on_command(self, frame: Frame) -> None:
        text = frame.get("text")
        if not isinstance(text, str) or not text.strip().startswith("/"):
            await self._error("a command needs a 'text' field starting with '/', e.g. /models")
            return
        await self._runtime.handle(self._session.inbound(text), self._responder)

    async def _on_update_model(self, frame: Frame) -> None:
        # `model_id` is what Aether's page (seed 002) sends; accepted as a synonym of `model`.
        provider, model = frame.get("provider"), frame.get("model", frame.get("model_id"))
        try:
            if provider is None and model is None:
                # Seed 002: the page already chose through POST /api/models/select; the route
                # is read fresh from the store for the next turn, so this only confirms it.
                route = await self._current_route()
            else:
                route = await switch_route(self._runtime, self._session, provider, model)
        except SwitchRefused as exc:
            await self._error(str(exc))
            return
        await self._sink("model_updated", route_payload(route))

    # --- helpers ------------------------------------------------------------------------------

    async def _current_route(self) -> Route:
        return await current_route(self._runtime, self._session)

    async def _error(self, message: str) -> None:
        await self._sink("error", {"message": message})


async def serve(
    request: web.Request, runtime: Runtime, session: WebSession, sockets: set[web.WebSocketResponse]
) -> web.WebSocketResponse:
    # No permessage-deflate: frames are a few words each, deflating them costs more CPU than bytes.
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=30.0, compress=False)
    await ws.prepare(request)
    sockets.add(ws)
    session.sockets += 1
    WEB_SOCKETS.inc()
    try:
        await WebSocketSession(runtime, session, ws).run()
    finally:
        WEB_SOCKETS.dec()
        session.sockets -= 1
        sockets.discard(ws)
    return ws
