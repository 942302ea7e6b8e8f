"""The state store contract: per-conversation routes and histories, plus a small key/value area.

Every backend keeps a write-through in-memory view, so the hot path (a route lookup or a history
read per message) never waits on disk; `sqlite` persists behind it, `memory` does not. Images are
never persisted in histories (only their text), so a history row stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message


class StateStore(Protocol):
    """Async so a backend may touch disk or the network; in-memory hits return at once."""

    async def open(self) -> None: ...

    async def close(self) -> None:
        """Flush pending writes and release the backend."""
        ...

    async def get_route(self, key: str) -> Route | None: ...

    async def set_route(self, key: str, route: Route) -> None: ...

    async def delete_route(self, key: str) -> None: ...

    async def get_history(self, key: str) -> tuple[Message, ...]: ...

    async def append_history(
        self, key: str, messages: Sequence[Message], *, max_messages: int
    ) -> None:
        """Append, then keep only the newest `max_messages` (0 or less keeps nothing)."""
        ...

    async def clear_history(self, key: str) -> None: ...

    async def kv_get(self, name: str) -> str | None: ...

    async def kv_set(self, name: str, value: str | None) -> None:
        """`None` deletes the entry."""
        ...


# Histories are held as plain `(role, content)` tuples: the garbage collector stops tracking
# tuples of strings, so 10,000 conversations x 50 messages cost a full collection ~8 ms instead
# of ~200 ms with half a million tracked Message objects. `unpack` builds Messages on read.
Packed = tuple[tuple[str, str], ...]


def unpack(history: Packed) -> tuple[Message, ...]:
    return tuple([Message(role, content) for role, content in history])  # type: ignore[arg-type]


def trimmed(history: Packed, new: Sequence[Message], max_messages: int) -> Packed:
    """The history after appending `new` (images dropped) and keeping the newest messages."""
    if max_messages <= 0:
        return ()
    merged = (*history, *((m.role, m.content) for m in new))
    return merged[-max_messages:]
