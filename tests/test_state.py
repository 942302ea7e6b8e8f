"""State store backends: routes, histories, small values; SQLite survives a restart (SPEC §5)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.harness import ask, running_runtime
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import ImagePart, Message
from zeroclaw_py.state import MemoryStore, SqliteStore, StateStore, create_store

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def opened(store: StateStore) -> AsyncIterator[StateStore]:
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StateStore:
    if request.param == "memory":
        return MemoryStore()
    return SqliteStore(tmp_path / "state.db")


async def test_routes_roundtrip(store: StateStore) -> None:
    async with opened(store):
        assert await store.get_route("k") is None
        await store.set_route("k", Route("openai", "gpt-4o", "openai:main"))
        assert await store.get_route("k") == Route("openai", "gpt-4o", "openai:main")
        await store.delete_route("k")
        await store.delete_route("missing")
        assert await store.get_route("k") is None


async def test_history_append_trims_and_drops_images(store: StateStore) -> None:
    image = ImagePart(b"data")
    async with opened(store):
        for i in range(4):
            batch = [Message("user", f"q{i}", (image,)), Message("assistant", f"a{i}")]
            await store.append_history("k", batch, max_messages=5)
        history = await store.get_history("k")
        assert [m.content for m in history] == ["a1", "q2", "a2", "q3", "a3"]
        assert all(m.images == () for m in history)
        await store.append_history("k", [Message("user", "x")], max_messages=0)
        assert await store.get_history("k") == ()
        await store.append_history("k", [Message("user", "y")], max_messages=3)
        await store.clear_history("k")
        assert await store.get_history("k") == ()


async def test_kv_set_get_delete(store: StateStore) -> None:
    async with opened(store):
        assert await store.kv_get("telegram.offset") is None
        await store.kv_set("telegram.offset", "1234")
        assert await store.kv_get("telegram.offset") == "1234"
        await store.kv_set("telegram.offset", None)
        assert await store.kv_get("telegram.offset") is None


async def test_sqlite_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with opened(SqliteStore(path)) as store:
        await store.set_route("telegram_alice", Route("groq", "llama", None))
        await store.set_route("gone", Route("x", "y"))
        await store.delete_route("gone")
        await store.append_history("telegram_alice", [Message("user", "héllo ✓")], max_messages=9)
        await store.kv_set("offset", "77")
    assert (path.parent / "state.db-wal").exists() or path.exists()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    async with opened(SqliteStore(path)) as store:
        assert await store.get_route("telegram_alice") == Route("groq", "llama", None)
        assert await store.get_route("gone") is None
        assert await store.get_history("telegram_alice") == (Message("user", "héllo ✓"),)
        assert await store.kv_get("offset") == "77"


async def test_sqlite_history_cache_evicts_and_reloads(tmp_path: Path) -> None:
    async with opened(SqliteStore(tmp_path / "state.db", history_cache=2)) as store:
        for key in ("a", "b", "c", "d"):
            await store.append_history(key, [Message("user", key)], max_messages=5)
        for key in ("a", "b", "c", "d"):
            assert await store.get_history(key) == (Message("user", key),)


async def test_runtime_overrides_and_histories_survive_a_restart(tmp_path: Path) -> None:
    async with running_runtime(home=tmp_path, backend="sqlite") as runtime:
        await ask(runtime, "/model persisted", sender="alice")
        await ask(runtime, "remember", sender="alice")
    async with running_runtime(home=tmp_path, backend="sqlite") as runtime:
        assert await runtime.get_route("test_alice") == Route("echo", "persisted")
        history = await runtime.get_history("test_alice")
        assert [m.content for m in history] == ["remember", "[persisted] remember"]
        assert await ask(runtime, "again", sender="alice") == "[persisted] again"
        assert await ask(runtime, "again", sender="bob") == "[echo] again"


def test_backend_is_chosen_by_config(tmp_path: Path) -> None:
    memory = parse_config('[state]\nbackend = "memory"\n', env={})
    assert isinstance(create_store(memory, tmp_path), MemoryStore)
    default = create_store(parse_config("", env={}), tmp_path)
    assert isinstance(default, SqliteStore)
    assert default.path == tmp_path / "state.db"


async def test_sqlite_batched_writes_keep_their_order(tmp_path: Path) -> None:
    """Appends, a clear and trims inside one write batch land in the database as in memory."""
    path = tmp_path / "state.db"
    async with opened(SqliteStore(path)) as store:
        await store.append_history("k", [Message("user", "gone")], max_messages=3)
        await store.clear_history("k")
        for i in range(5):
            await store.append_history("k", [Message("user", f"m{i}")], max_messages=3)
        await store.append_history("other", [Message("user", "x")], max_messages=3)
        in_memory = await store.get_history("k")
    async with opened(SqliteStore(path, history_limit=3)) as store:
        assert await store.get_history("k") == in_memory
        assert [m.content for m in in_memory] == ["m2", "m3", "m4"]
        assert await store.get_history("other") == (Message("user", "x"),)


async def test_sqlite_trims_rows_beyond_the_slack(tmp_path: Path) -> None:
    from zeroclaw_py.state.sqlite import TRIM_SLACK

    path = tmp_path / "state.db"
    async with opened(SqliteStore(path, history_limit=4)) as store:
        for i in range(TRIM_SLACK + 10):
            await store.append_history("k", [Message("user", f"m{i}")], max_messages=4)
        assert [m.content for m in await store.get_history("k")] == [
            f"m{i}" for i in range(TRIM_SLACK + 6, TRIM_SLACK + 10)
        ]
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM messages").fetchone()[0]
    assert 4 <= rows <= 4 + TRIM_SLACK
    async with opened(SqliteStore(path, history_limit=4)) as store:
        assert len(await store.get_history("k")) == 4


def _quarantined(state_dir: Path) -> bytes:
    (kept,) = (p for p in state_dir.glob("state.db.corrupt-*") if p.name[-1].isdigit())
    return kept.read_bytes()


async def test_a_damaged_state_file_is_moved_aside_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"not a database at all, just some bytes\n" * 50)
    async with opened(SqliteStore(path)) as store:
        assert await store.get_route("telegram_alice") is None
        await store.set_route("telegram_alice", Route("groq", "llama"))
    assert _quarantined(tmp_path).startswith(b"not a database at all")  # kept for the operator
    async with opened(SqliteStore(path)) as store:  # the fresh database works and persists
        assert await store.get_route("telegram_alice") == Route("groq", "llama")


async def test_lone_surrogates_do_not_cost_other_conversations_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with opened(SqliteStore(path)) as store:
        await store.append_history(
            "a", [Message("assistant", "broken \ud83d answer")], max_messages=9
        )
        await store.append_history("b", [Message("user", "fine")], max_messages=9)
        await store.set_route("b", Route("echo", "m\udce9"))
    async with opened(SqliteStore(path)) as store:
        assert await store.get_history("a") == (Message("assistant", "broken ? answer"),)
        assert await store.get_history("b") == (Message("user", "fine"),)
        assert await store.get_route("b") == Route("echo", "m?")
