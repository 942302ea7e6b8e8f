"""The SQLite state store (`<state>/state.db`, WAL), the default backend.

One dedicated thread owns the connection and runs every statement in submission order, so the
event loop never blocks on disk and a read that misses the cache sees every earlier write.
Routes and small values are loaded into memory at open; histories are loaded on first use and
kept in a bounded LRU. Writes update memory at once and reach the thread in batches every
`WRITE_DELAY_S` (one transaction each), so a message never waits for the disk and every
statement (a GIL round trip with the event loop) serves many turns. History messages are rows:
a turn appends two, and the oldest rows beyond the history are deleted once they exceed
`TRIM_SLACK`, so a turn's write stays small however long the history is. `close()` flushes
everything; a hard crash may lose the last few tens of milliseconds of writes.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message
from zeroclaw_py.state.store import Packed, trimmed, unpack

log = logging.getLogger(__name__)

T = TypeVar("T")
_Op = Callable[[sqlite3.Connection], Any]
_Item = tuple[_Op, "Future[Any] | None"] | None  # None stops the thread
_BATCH = 64  # commit at least every this many batches while the queue stays busy
WRITE_DELAY_S = 0.02  # writes wait at most this long before going to the thread

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS routes ("
    " key TEXT PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL, profile TEXT)",
    "CREATE TABLE IF NOT EXISTS messages ("
    " id INTEGER PRIMARY KEY, key TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_by_key ON messages (key, id)",
    "CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


TRIM_SLACK = 20  # extra history rows the database may hold before they are deleted
_ROWS_PER_INSERT = 300  # 900 parameters: below SQLite's historic limit of 999
_TRIM = (
    "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE key = ? ORDER BY id LIMIT ?)"
)


class _HistoryAppends:
    """A run of consecutive history appends, written as one multi-row INSERT plus one batch of
    trims. Each statement costs the worker thread a GIL round trip with the event loop, so a
    batch of turns costs a handful of statements instead of three per turn.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.drops: dict[str, int] = {}  # key -> how many of its oldest rows to delete

    def add(self, key: str, messages: Sequence[Message], dropped: int) -> None:
        self.rows.extend((key, m.role, _storable(m.content)) for m in messages)
        if dropped > 0:
            self.drops[key] = self.drops.get(key, 0) + dropped

    def __call__(self, conn: sqlite3.Connection) -> None:
        for start in range(0, len(self.rows), _ROWS_PER_INSERT):
            rows = self.rows[start : start + _ROWS_PER_INSERT]
            values = ", ".join(["(?, ?, ?)"] * len(rows))
            params = [value for row in rows for value in row]
            conn.execute(f"INSERT INTO messages (key, role, content) VALUES {values}", params)
        if self.drops:
            conn.executemany(_TRIM, list(self.drops.items()))


def _storable(text: str) -> str:
    """`text` as SQLite can take it: a lone surrogate (say, in a model's answer) would fail the
    whole batch of history rows it travels in, other conversations' rows included."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _prepared(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Pragmas, schema and a read of every table (a damaged file fails here, not later)."""
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.commit()
        for table in ("routes", "messages", "kv"):
            conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()
    except BaseException:
        conn.close()
        raise
    return conn


def _quarantine(path: Path) -> Path:
    """Move a damaged database (and its WAL/SHM companions) aside; returns the new name."""
    moved = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(moved.with_name(moved.name + suffix))
    return moved


class SqliteStore:
    def __init__(self, path: Path, *, history_cache: int = 50_000, history_limit: int = 50) -> None:
        self.path = path
        self._history_cache_size = history_cache
        # Messages a history keeps (max_history); follows the latest append, read by loads.
        self.history_limit = history_limit
        self._routes: dict[str, Route] = {}
        self._kv: dict[str, str] = {}
        self._histories: OrderedDict[str, tuple[Packed, int]] = OrderedDict()
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pending: list[_Op] = []
        self._flush_handle: asyncio.TimerHandle | None = None

    # --- the worker thread ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """Open the database; a file that is not a usable SQLite database (garbage, truncated,
        malformed) is moved aside as `state.db.corrupt-<unix-ts>` and a fresh one is started, so
        a damaged state file costs the saved routes and histories, never the daemon."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return _prepared(sqlite3.connect(self.path, check_same_thread=False))
        except sqlite3.OperationalError:  # locked, unreadable, ...: not a damaged file
            raise
        except sqlite3.DatabaseError as exc:
            moved = _quarantine(self.path)
            log.error(
                "state store %s is not a usable SQLite database (%s); moved it to %s and "
                "starting with empty state",
                self.path,
                exc,
                moved,
            )
        return _prepared(sqlite3.connect(self.path, check_same_thread=False))

    def _run(self, ready: Future[None]) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        pending = 0
        while True:
            item = self._queue.get()
            if item is None:
                break
            op, future = item
            try:
                result = op(conn)
            except Exception as exc:
                if future is None:
                    log.error("state store write failed: %s", exc)
                else:
                    future.set_exception(exc)
            else:
                if future is not None:
                    future.set_result(result)
            pending += 1
            if self._queue.empty() or pending >= _BATCH:
                self._commit(conn)
                pending = 0
        self._commit(conn)
        conn.close()

    @staticmethod
    def _commit(conn: sqlite3.Connection) -> None:
        try:
            conn.commit()
        except sqlite3.Error as exc:
            log.error("state store commit failed: %s", exc)

    def _write(self, op: _Op) -> None:
        """Queue a write. Writes are handed to the thread in batches every `WRITE_DELAY_S`:
        fewer thread wake-ups means less GIL ping-pong with the event loop under load."""
        self._pending.append(op)
        self._schedule()

    def _append_rows(self, key: str, messages: Sequence[Message], dropped: int) -> None:
        last = self._pending[-1] if self._pending else None
        if not isinstance(last, _HistoryAppends):
            last = _HistoryAppends()
            self._pending.append(last)
        last.add(key, messages, dropped)
        self._schedule()

    def _schedule(self) -> None:
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(WRITE_DELAY_S, self._hand_over)

    def _hand_over(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []

        def run_batch(conn: sqlite3.Connection) -> None:
            for op in batch:
                try:
                    op(conn)
                except sqlite3.Error as exc:
                    log.error("state store write failed: %s", exc)

        self._queue.put((run_batch, None))

    async def _call(self, op: Callable[[sqlite3.Connection], T]) -> T:
        self._hand_over()  # a read sees every earlier write
        future: Future[T] = Future()
        self._queue.put((op, future))
        return await asyncio.wrap_future(future)

    # --- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        if self._thread is not None:
            return
        ready: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="zeroclaw-state", daemon=True
        )
        self._thread.start()
        await asyncio.wrap_future(ready)

        def load(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            routes = conn.execute("SELECT key, provider, model, profile FROM routes").fetchall()
            return routes, conn.execute("SELECT name, value FROM kv").fetchall()

        routes, kv = await self._call(load)
        self._routes = {key: Route(p, m, profile) for key, p, m, profile in routes}
        self._kv = dict(kv)

    async def flush(self) -> None:
        """Wait until every queued write has been executed (not part of the protocol)."""
        await self._call(lambda conn: conn.commit())

    async def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._hand_over()
        self._queue.put(None)
        await asyncio.to_thread(thread.join)

    # --- routes --------------------------------------------------------------------------

    async def get_route(self, key: str) -> Route | None:
        return self._routes.get(key)

    async def set_route(self, key: str, route: Route) -> None:
        self._routes[key] = route
        self._write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO routes VALUES (?, ?, ?, ?)",
                (key, _storable(route.provider), _storable(route.model), route.profile),
            )
        )

    async def delete_route(self, key: str) -> None:
        if self._routes.pop(key, None) is not None:
            self._write(lambda c: c.execute("DELETE FROM routes WHERE key = ?", (key,)))

    # --- histories -----------------------------------------------------------------------

    def _remember(self, key: str, history: Packed, db_rows: int) -> None:
        self._histories[key] = (history, db_rows)
        self._histories.move_to_end(key)
        while len(self._histories) > self._history_cache_size:
            self._histories.popitem(last=False)

    async def _cached(self, key: str) -> tuple[Packed, int]:
        """The history (newest `history_limit` messages) and how many rows the database holds."""
        cached = self._histories.get(key)
        if cached is not None:
            self._histories.move_to_end(key)
            return cached

        def load(conn: sqlite3.Connection) -> list[Any]:
            sql = "SELECT role, content FROM messages WHERE key = ? ORDER BY id"
            return conn.execute(sql, (key,)).fetchall()

        rows = await self._call(load)
        if key in self._histories:  # written while we waited: memory is newer
            return self._histories[key]
        keep = rows[-self.history_limit :] if self.history_limit > 0 else []
        history: Packed = tuple((str(role), str(content)) for role, content in keep)
        self._remember(key, history, len(rows))
        return history, len(rows)

    async def get_history(self, key: str) -> tuple[Message, ...]:
        return unpack((await self._cached(key))[0])

    async def append_history(
        self, key: str, messages: Sequence[Message], *, max_messages: int
    ) -> None:
        self.history_limit = max_messages
        old, db_rows = await self._cached(key)
        history = trimmed(old, messages, max_messages)
        db_rows += len(messages)
        # The database may hold up to TRIM_SLACK rows more than the history; trimming only then
        # costs one DELETE per TRIM_SLACK / 2 turns instead of one per turn.
        drop = db_rows - len(history) if db_rows > len(history) + TRIM_SLACK else 0
        self._remember(key, history, db_rows - drop)
        self._append_rows(key, messages, drop)

    async def clear_history(self, key: str) -> None:
        self._remember(key, (), 0)
        self._write(lambda c: c.execute("DELETE FROM messages WHERE key = ?", (key,)))

    # --- small values --------------------------------------------------------------------

    async def kv_get(self, name: str) -> str | None:
        return self._kv.get(name)

    async def kv_set(self, name: str, value: str | None) -> None:
        if value is None:
            self._kv.pop(name, None)
            self._write(lambda c: c.execute("DELETE FROM kv WHERE name = ?", (name,)))
            return
        self._kv[name] = value
        self._write(lambda c: c.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (name, value)))
