"""A running gateway on 127.0.0.1:<free port> in front of a real Runtime (echo provider).

    async with running_gateway(config_text="", **gateway_fields) as gw:
        gw.url, gw.runtime, gw.host (records reloads), gw.service
        await gw.session(http) -> (session_id, token)   via POST /api/session
        gw.ws_url(session_id, token)
        await gw.select(http, token, session=..., provider=..., model=...) -> (status, json)

`home` (optional) is the root holding config.toml and state/ (to seed auth-profiles.json, say).
`gateway_fields` replace `[gateway]` settings (host, master_key, access_token); the port is
always 0 (the config validator requires 1..65535, so it is set after parsing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.harness import running_runtime
from zeroclaw_py.gateway.server import GatewayService
from zeroclaw_py.runtime.context import Runtime


class RecordingHost:
    """The daemon's side of ServiceHost, reduced to recording what the gateway asks of it."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.config_reloads: list[str] = []
        self.router_reloads: list[str | None] = []

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    async def restart_service(self, name: str) -> None:
        raise AssertionError("the gateway never restarts services")

    def request_restart(self, reason: str) -> None:
        raise AssertionError("the gateway never restarts the daemon")

    async def reload_config(self, *, source: str) -> Mapping[str, Any]:
        self.config_reloads.append(source)
        return {"changed_paths": ["agent.model.primary"], "hot_reasons": ["agent.model.primary"]}

    async def reload_router(self, *, strategy: str | None = None) -> Mapping[str, Any]:
        self.router_reloads.append(strategy)
        return {"result": "unchanged", "strategy": strategy}


@dataclasses.dataclass
class Gateway:
    service: GatewayService
    runtime: Runtime
    host: RecordingHost

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    def ws_url(self, session: str, token: str) -> str:
        return f"{self.url}/ws?session={session}&token={token}"

    async def session(self, http: aiohttp.ClientSession, **kw: Any) -> tuple[str, str]:
        async with http.post(f"{self.url}/api/session", **kw) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        return body["session"], body["token"]

    async def select(self, http: aiohttp.ClientSession, token: str, **body: Any) -> tuple[int, Any]:
        """POST /api/models/select with `token` as the bearer; the status and the JSON answer."""
        url = f"{self.url}/api/models/select"
        async with http.post(url, json=body, headers=bearer(token)) as resp:
            return resp.status, await resp.json(content_type=None)


@asynccontextmanager
async def running_gateway(
    config_text: str = "", *, home: Path | None = None, **gateway_fields: Any
) -> AsyncIterator[Gateway]:
    async with running_runtime(config_text, home=home) as runtime:
        gateway_config = dataclasses.replace(runtime.config.gateway, port=0, **gateway_fields)
        host = RecordingHost(runtime)
        service = GatewayService(host, gateway_config)
        await service.start()
        try:
            yield Gateway(service, runtime, host)
        finally:
            await service.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
