"""Who may call what on the gateway (SPEC §9), in one place.

- Admin endpoints (`/config/reload`, `/router/reload`): 404 when no `gateway.master_key` is
  configured (the admin API does not exist), 401 without the right bearer key.
- Opening a web session: free when the gateway listens on loopback and no `access_token` is set;
  otherwise `Authorization: Bearer <access_token>` (or the master key).
- `/api/*`: the session's own token (it grants only that session) or the master key.
- `/ws`: `?token=` (or the bearer header) of the session named by `?session=`, and a browser
  `Origin` equal to the gateway's own.

Every secret comparison is constant-time (`hmac.compare_digest`).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from aiohttp import web
from yarl import URL

from zeroclaw_py.config.schema import GatewayConfig
from zeroclaw_py.gateway.jsonio import dumps
from zeroclaw_py.gateway.sessions import SessionStore, WebSession

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def json_error(exc: type[web.HTTPError], message: str, **headers: str) -> web.HTTPError:
    """An HTTP error whose body is `{"error": message}` (what the page and curl users read)."""
    return exc(text=dumps({"error": message}), content_type="application/json", headers=headers)


def is_loopback(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1 (brackets and a zone allowed)."""
    name = host.strip().strip("[]").split("%", 1)[0].lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bearer(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _same(secret: str | None, offered: str | None) -> bool:
    if not secret or offered is None:
        return False
    return hmac.compare_digest(secret.encode(), offered.encode())


@dataclass(frozen=True)
class Principal:
    """Who an `/api/*` call acts as: one session, or the operator (master key, any session)."""

    session: WebSession | None
    admin: bool = False

    def may_use(self, session_id: str) -> bool:
        return self.admin or (self.session is not None and self.session.id == session_id)


class GatewayAuth:
    def __init__(self, config: GatewayConfig, sessions: SessionStore) -> None:
        self._config = config
        self._sessions = sessions
        self.loopback = is_loopback(config.host)

    def require_admin(self, request: web.Request) -> None:
        if not self._config.master_key:
            raise json_error(web.HTTPNotFound, "not found")
        if not _same(self._config.master_key, bearer(request)):
            raise json_error(
                web.HTTPUnauthorized,
                "a valid master key is required",
                **{"WWW-Authenticate": "Bearer"},
            )

    def require_session_opening(self, request: web.Request) -> None:
        if self.loopback and not self._config.access_token:
            # Open, but only to pages served from a loopback name: a DNS-rebinding site reaches
            # 127.0.0.1 under its own host name and must not get a free session.
            if not is_loopback(URL.build(authority=request.host).host or ""):
                raise json_error(web.HTTPForbidden, f"host {request.host!r} is not loopback")
            return
        offered = bearer(request)
        if _same(self._config.access_token, offered) or _same(self._config.master_key, offered):
            return
        if not self._config.access_token:
            raise json_error(
                web.HTTPForbidden,
                "web sessions are closed: the gateway is not on loopback and "
                "gateway.access_token is not set",
            )
        raise json_error(
            web.HTTPUnauthorized,
            "Authorization: Bearer <gateway.access_token> is required to open a web session",
            **{"WWW-Authenticate": "Bearer"},
        )

    def api_principal(self, request: web.Request) -> Principal:
        offered = bearer(request)
        if offered is not None:
            if _same(self._config.master_key, offered):
                return Principal(session=None, admin=True)
            session = self._sessions.by_token(offered)
            if session is not None:
                return Principal(session=session)
        raise json_error(
            web.HTTPUnauthorized,
            "Authorization: Bearer <session token> is required (POST /api/session gives one)",
            **{"WWW-Authenticate": "Bearer"},
        )

    def websocket_session(self, request: web.Request) -> WebSession:
        self.require_own_origin(request)
        # Browsers cannot set headers on a WebSocket, hence `?token=`; other clients may use
        # the same bearer header as on /api/*.
        token = request.query.get("token") or bearer(request) or ""
        session = self._sessions.verify(request.query.get("session", ""), token)
        if session is None:
            raise json_error(web.HTTPUnauthorized, "unknown session or wrong token")
        return session

    def require_own_origin(self, request: web.Request) -> None:
        """Refuse a browser WebSocket opened by another site (cross-site WebSocket hijacking).

        Non-browser clients send no `Origin` and pass; a browser always sends it.
        """
        origin = request.headers.get("Origin")
        if origin is None:
            return
        if not _same_origin(origin, request):
            raise json_error(web.HTTPForbidden, f"origin {origin[:100]!r} is not allowed")


def _same_origin(origin: str, request: web.Request) -> bool:
    """`Origin` equals scheme://host[:port] of this request; `null` and garbage never do."""
    try:
        own = URL.build(scheme=request.scheme, authority=request.host).origin()
        return URL(origin).origin() == own
    except ValueError:
        return False
