"""The config watcher on real files with the real watchfiles (SPEC §10, testing notes §4)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from tests.fakes.editor import save_repeatedly
from tests.reload_support import write_atomic, write_in_place
from zeroclaw_py.reload.watcher import ConfigWatcher

pytestmark = pytest.mark.anyio

WAIT_S = 5.0


class Seen:
    """What the callback saw: the file's text at each call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.texts: list[str] = []
        self._send, self._receive = anyio.create_memory_object_stream[str](100)

    async def __call__(self) -> None:
        text = self.path.read_text(encoding="utf-8") if self.path.exists() else "<missing>"
        self.texts.append(text)
        await self._send.send(text)

    async def next(self) -> str:
        with anyio.fail_after(WAIT_S):
            return await self._receive.receive()

    async def until(self, expected: str) -> None:
        while (await self.next()) != expected:
            pass


@asynccontextmanager
async def watching(
    path: Path, debounce_ms: Callable[[], int] = lambda: 50
) -> AsyncIterator[tuple[ConfigWatcher, Seen]]:
    seen = Seen(path)
    watcher = ConfigWatcher(path, seen, debounce_ms=debounce_ms, rust_timeout_ms=100)
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(watcher.run, stop)
        with anyio.fail_after(WAIT_S):
            await watcher.ready.wait()
        yield watcher, seen
        stop.set()


async def test_atomic_rename_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    async with watching(path) as (_, seen):
        write_atomic(path, "a = 2\n")
        assert await seen.next() == "a = 2\n"


async def test_sed_in_place_is_seen_and_the_watch_survives_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    async with watching(path) as (_, seen):
        # real sed: writes a temp file in the same directory and renames it over the config
        await anyio.run_process(["sed", "-i", "s/a = 1/a = 2/", str(path)])
        await seen.until("a = 2\n")
        # the inode changed; a later in-place write must still be seen
        write_in_place(path, "a = 3\n")
        await seen.until("a = 3\n")


async def test_in_place_truncate_and_write_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    async with watching(path) as (_, seen):
        write_in_place(path, "a = 2\n")
        await seen.until("a = 2\n")
        write_atomic(path, "a = 3\n")
        await seen.until("a = 3\n")
        write_in_place(path, "a = 4\n")
        await seen.until("a = 4\n")


async def test_a_file_created_after_start_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"  # neither file nor directory exists yet
    async with watching(path) as (_, seen):
        write_atomic(path, "a = 1\n")
        await seen.until("a = 1\n")
        path.unlink()
        await seen.until("<missing>")


async def test_a_burst_of_edits_gives_one_call(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("n = 0\n")
    async with watching(path, debounce_ms=lambda: 400) as (_, seen):
        # saves spread over several watchfiles batches, all inside one debounce window
        await save_repeatedly(path, (f"n = {n}\n" for n in range(1, 9)), write_in_place)
        assert await seen.next() == "n = 8\n"
        write_atomic(path, "n = 9\n")  # a separate, later edit
        assert await seen.next() == "n = 9\n"
        assert seen.texts == ["n = 8\n", "n = 9\n"]


async def test_debounce_is_read_afresh_for_each_burst(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("n = 0\n")
    asked: list[int] = []

    def debounce() -> int:
        asked.append(1)
        return 30

    async with watching(path, debounce_ms=debounce) as (_, seen):
        write_atomic(path, "n = 1\n")
        await seen.until("n = 1\n")
        first = len(asked)
        write_atomic(path, "n = 2\n")
        await seen.until("n = 2\n")
        assert first >= 1
        assert len(asked) > first


async def test_stop_event_ends_the_watch_promptly(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    watcher = ConfigWatcher(path, Seen(path), debounce_ms=lambda: 10, rust_timeout_ms=100)
    stop = anyio.Event()
    with anyio.fail_after(WAIT_S):
        async with anyio.create_task_group() as group:
            group.start_soon(watcher.run, stop)
            await watcher.ready.wait()
            stop.set()


async def test_a_symlinked_config_follows_edits_of_its_target(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "zeroclaw.toml"
    target.write_text("a = 1\n")
    link_dir = tmp_path / "conf"
    link_dir.mkdir()
    path = link_dir / "config.toml"
    path.symlink_to(target)
    async with watching(path) as (_, seen):
        write_atomic(target, "a = 2\n")  # an editor saving the real file
        await seen.until("a = 2\n")


async def test_a_configmap_style_symlink_swap_is_seen(tmp_path: Path) -> None:
    mount = tmp_path / "mount"
    (mount / "..v1").mkdir(parents=True)
    (mount / "..v1" / "config.toml").write_text("a = 1\n")
    (mount / "..data").symlink_to("..v1")
    path = mount / "config.toml"
    path.symlink_to("..data/config.toml")
    async with watching(path) as (_, seen):
        (mount / "..v2").mkdir()
        (mount / "..v2" / "config.toml").write_text("a = 2\n")
        (mount / "..data_tmp").symlink_to("..v2")
        (mount / "..data_tmp").replace(mount / "..data")  # the atomic swap kubelet does
        await seen.until("a = 2\n")


async def test_cancelling_the_watch_cleans_up_promptly(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    watcher = ConfigWatcher(path, Seen(path), debounce_ms=lambda: 10, rust_timeout_ms=100)
    with anyio.fail_after(WAIT_S):
        async with anyio.create_task_group() as group:
            group.start_soon(watcher.run, anyio.Event())
            await watcher.ready.wait()
            group.cancel_scope.cancel()
