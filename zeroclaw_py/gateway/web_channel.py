"""The web chat as a channel: a `Responder` that turns runtime output into WebSocket events.

Events (SPEC §9): `token` while an answer streams, `message` for every complete message. A final
answer carries the provider/model that produced it (a fallback may differ from the route); a
command reply or notice carries the session's route as it is after the command ran, so the page
always shows the model that is now in charge.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from aiohttp import web

from zeroclaw_py.channels.base import Answer
from zeroclaw_py.gateway.jsonio import dumps
from zeroclaw_py.models.refs import Route

log = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, Any]], Awaitable[None]]


def event(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": event_type, "payload": payload}


def socket_sink(ws: web.WebSocketResponse) -> EventSink:
    """Send events to one WebSocket; a peer that went away is logged, never raised into a turn."""

    async def send(event_type: str, payload: dict[str, Any]) -> None:
        if ws.closed:
            log.debug("web: dropped %s event, socket closed", event_type)
            return
        try:
            await ws.send_json(event(event_type, payload), dumps=dumps)
        except ConnectionError as exc:
            log.debug("web: dropped %s event: %s", event_type, exc)

    return send


class WebResponder:
    """One conversation's way back to the browser (implements channels.base.Responder)."""

    def __init__(self, sink: EventSink, current_route: Callable[[], Awaitable[Route]]) -> None:
        self._sink = sink
        self._current_route = current_route

    @property
    def streams(self) -> bool:
        return True

    async def send(self, text: str) -> None:
        route = await self._current_route()
        await self._sink(
            "message", {"text": text, "provider": route.provider, "model": route.model}
        )

    async def token(self, text: str) -> None:
        await self._sink("token", {"text": text})

    async def finish(self, answer: Answer) -> None:
        await self._sink(
            "message", {"text": answer.text, "provider": answer.provider, "model": answer.model}
        )

    def typing(self) -> AbstractAsyncContextManager[None]:
        return _no_typing()


@asynccontextmanager
async def _no_typing() -> AsyncIterator[None]:
    # The page shows its own "thinking" state from the moment it sends; no event is needed.
    yield
