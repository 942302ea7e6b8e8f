"""JSON as the gateway writes it, on HTTP and on the WebSocket alike.

Compact separators, so bodies and frames read exactly as SPEC §9 spells them
(`{"status":"ok",...}`, `{"event_type":"token","payload":{...}}`): a client matching on bytes and
one parsing JSON see the same thing. Values other modules hand over (a reload plan holding a Path
or a set) become strings instead of a 500.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_fallback)


def json_response(data: Any, **kwargs: Any) -> web.Response:
    return web.json_response(data, dumps=dumps, **kwargs)


def _fallback(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
