"""A loopback OAuth 2.0 token endpoint (RFC 6749 §6 refresh_token grant), aiohttp on 127.0.0.1.

    async with FakeTokenServer() as server:
        server.token_url                 # http://127.0.0.1:PORT/oauth/token
        server.valid_refresh.add("r0")   # refresh tokens it accepts
        server.fail_next(503)            # one-shot failure: status (+ optional error code)
        server.on_request = fn           # called with the form before answering (races)
        ... refresh against it ...
        server.requests                  # [dict(form fields)] in arrival order

Successful refreshes issue `access-<n>` (and rotate the refresh token to `refresh-<n>` unless
`rotate = False`), with `expires_in` seconds. Unknown refresh tokens get 400 `invalid_grant`,
another grant type 400 `unsupported_grant_type`, exactly as real servers answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeTokenServer:
    expires_in: int | None = 3600
    rotate: bool = True
    valid_refresh: set[str] = field(default_factory=set)
    requests: list[dict[str, str]] = field(default_factory=list)
    issued: int = 0
    on_request: Callable[[dict[str, str]], None] | None = None

    def __post_init__(self) -> None:
        self._failures: list[tuple[int, str | None]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    def fail_next(self, status: int, error: str | None = None) -> None:
        self._failures.append((status, error))

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oauth/token"

    async def _token(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.requests.append(form)
        if self.on_request is not None:
            self.on_request(form)
        if self._failures:
            status, error = self._failures.pop(0)
            if error is None:
                return web.Response(status=status, text="upstream trouble")
            return web.json_response({"error": error}, status=status)
        if form.get("grant_type") != "refresh_token":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = form.get("refresh_token", "")
        if token not in self.valid_refresh:
            return web.json_response({"error": "invalid_grant"}, status=400)
        self.issued += 1
        body: dict[str, object] = {
            "access_token": f"access-{self.issued}",
            "token_type": "Bearer",
        }
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        if self.rotate:
            self.valid_refresh.discard(token)
            fresh = f"refresh-{self.issued}"
            self.valid_refresh.add(fresh)
            body["refresh_token"] = fresh
        return web.json_response(body)

    async def __aenter__(self) -> FakeTokenServer:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
