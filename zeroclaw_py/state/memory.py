"""The in-memory state store (`state.backend = "memory"`): fast, lost on restart."""

from __future__ import annotations

from collections.abc import Sequence

from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message
from zeroclaw_py.state.store import Packed, trimmed, unpack


class MemoryStore:
    """Plain dicts. Also the cache layer the SQLite store writes through."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.histories: dict[str, Packed] = {}
        self.kv: dict[str, str] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def get_route(self, key: str) -> Route | None:
        return self.routes.get(key)

    async def set_route(self, key: str, route: Route) -> None:
        self.routes[key] = route

    async def delete_route(self, key: str) -> None:
        self.routes.pop(key, None)

    async def get_history(self, key: str) -> tuple[Message, ...]:
        return unpack(self.histories.get(key, ()))

    async def append_history(
        self, key: str, messages: Sequence[Message], *, max_messages: int
    ) -> None:
        self.histories[key] = trimmed(self.histories.get(key, ()), messages, max_messages)

    async def clear_history(self, key: str) -> None:
        self.histories.pop(key, None)

    async def kv_get(self, name: str) -> str | None:
        return self.kv.get(name)

    async def kv_set(self, name: str, value: str | None) -> None:
        if value is None:
            self.kv.pop(name, None)
        else:
            self.kv[name] = value
