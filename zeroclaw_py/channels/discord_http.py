"""Per-client REST and gateway URLs for discord.py (`api_base_url`, `gateway_url`).

discord.py reads its REST base from the class attribute `discord.http.Route.BASE` and its
gateway from `DiscordWebSocket.DEFAULT_GATEWAY`; patching those would move EVERY client in the
process. Instead we swap the class of one client's `HTTPClient` instance for a subclass that
rewrites URLs as requests leave: REST routes that start with the library's base get our base,
and a gateway connection to the library's default gateway goes to ours. Other clients (and the
class attributes) are untouched. When `gateway_url` is not set but the REST base is custom, the
gateway is asked of that REST API once (`GET /gateway/bot`), as Discord intends.

These are library internals (pinned by pyproject to discord.py 2.x); the Discord tests fail
loudly if they move.
"""

from __future__ import annotations

from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

LIBRARY_REST_BASE = Route.BASE


class RoutedHTTPClient(HTTPClient):
    """An HTTPClient whose REST base and gateway belong to this instance only."""

    zc_rest_base: str = LIBRARY_REST_BASE
    zc_gateway: str | None = None

    async def request(self, route: Route, **kwargs: Any) -> Any:
        if route.url.startswith(LIBRARY_REST_BASE) and self.zc_rest_base != LIBRARY_REST_BASE:
            route.url = self.zc_rest_base + route.url[len(LIBRARY_REST_BASE) :]
        return await super().request(route, **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> Any:
        if url.startswith(str(DiscordWebSocket.DEFAULT_GATEWAY)):
            gateway = await self._gateway()
            if gateway is not None:
                url = str(yarl.URL(gateway).with_query(yarl.URL(url).query))
        return await super().ws_connect(url, compress=compress)

    async def _gateway(self) -> str | None:
        if self.zc_gateway is None and self.zc_rest_base != LIBRARY_REST_BASE:
            _, self.zc_gateway, _ = await self.get_bot_gateway()
        return self.zc_gateway


def route_client(client: discord.Client, rest_base: str, gateway_url: str | None) -> None:
    """Point one client at `rest_base` and `gateway_url` (None: the REST API's answer)."""
    http = client.http
    http.__class__ = RoutedHTTPClient
    assert isinstance(http, RoutedHTTPClient)
    http.zc_rest_base = rest_base.rstrip("/")
    http.zc_gateway = gateway_url
