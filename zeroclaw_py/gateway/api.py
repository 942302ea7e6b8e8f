"""HTTP endpoints of the gateway (SPEC §9): health, metrics, web sessions, models, admin reloads."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from zeroclaw_py import __version__
from zeroclaw_py.errors import ZeroclawError
from zeroclaw_py.gateway import ws
from zeroclaw_py.gateway.auth import GatewayAuth, json_error
from zeroclaw_py.gateway.catalog import models_payload
from zeroclaw_py.gateway.jsonio import json_response
from zeroclaw_py.gateway.routes import current_route, route_payload, switch_route
from zeroclaw_py.gateway.sessions import SessionStore
from zeroclaw_py.metrics import REGISTRY
from zeroclaw_py.runtime.switching import SwitchRefused
from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; an empty body is `{}`; anything else is a clear 400."""
    if not request.can_read_body:
        return {}
    raw = await request.text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise json_error(web.HTTPBadRequest, f"malformed JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise json_error(web.HTTPBadRequest, "expected a JSON object")
    return body


class Api:
    def __init__(
        self,
        host: ServiceHost,
        auth: GatewayAuth,
        sessions: SessionStore,
        sockets: set[web.WebSocketResponse],
    ) -> None:
        self._host = host
        self._auth = auth
        self._sessions = sessions
        self._sockets = sockets

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/health", self.health),
            web.get("/metrics", self.metrics),
            web.post("/api/session", self.open_session),
            web.get("/api/models", self.models),
            web.post("/api/models/select", self.select_model),
            web.get("/ws", self.websocket),
            web.post("/config/reload", self.config_reload),
            web.post("/router/reload", self.router_reload),
        ]

    async def health(self, request: web.Request) -> web.Response:
        return json_response({"status": "ok", "version": __version__})

    async def metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def open_session(self, request: web.Request) -> web.Response:
        self._auth.require_session_opening(request)
        session = self._sessions.create()
        log.info("web: session %s opened", session.id)
        return json_response(
            {"session": session.id, "token": session.token},
            headers={"Cache-Control": "no-store"},  # a credential: never cached
        )

    async def models(self, request: web.Request) -> web.Response:
        principal = self._auth.api_principal(request)
        runtime = self._host.runtime
        payload = models_payload(runtime)
        if principal.session is not None:
            payload["current"] = route_payload(await current_route(runtime, principal.session))
        return json_response(payload)

    async def select_model(self, request: web.Request) -> web.Response:
        principal = self._auth.api_principal(request)
        body = await _json_body(request)
        session_id = body.get("session")
        if session_id is None and principal.session is not None:
            session_id = principal.session.id
        if not isinstance(session_id, str):
            raise json_error(web.HTTPBadRequest, "'session' is required")
        if not principal.may_use(session_id):
            raise json_error(web.HTTPForbidden, "this token does not grant that session")
        session = self._sessions.get(session_id)
        if session is None:
            raise json_error(web.HTTPNotFound, f"unknown session {session_id!r}")
        try:
            route = await switch_route(
                self._host.runtime, session, body.get("provider"), body.get("model")
            )
        except SwitchRefused as exc:
            raise json_error(web.HTTPBadRequest, str(exc)) from exc
        return json_response({"session": session.id, **route_payload(route)})

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        session = self._auth.websocket_session(request)
        return await ws.serve(request, self._host.runtime, session, self._sockets)

    async def config_reload(self, request: web.Request) -> web.Response:
        self._auth.require_admin(request)
        try:
            plan = await self._host.reload_config(source="http")
        except ZeroclawError as exc:
            raise json_error(web.HTTPUnprocessableEntity, str(exc)) from exc
        return json_response(dict(plan))

    async def router_reload(self, request: web.Request) -> web.Response:
        self._auth.require_admin(request)
        strategy = (await _json_body(request)).get("strategy")
        if strategy is not None and not isinstance(strategy, str):
            raise json_error(web.HTTPBadRequest, "'strategy' must be a string")
        try:
            result = await self._host.reload_router(strategy=strategy)
        except ZeroclawError as exc:
            raise json_error(web.HTTPUnprocessableEntity, str(exc)) from exc
        return json_response(dict(result))
