"""Watch the config file and call back once per burst of edits (SPEC §10).

Why the DIRECTORY and not the file: editors and `sed -i` replace the file by renaming a temp file
over it. An inotify watch on the file itself dies with the old inode, after which every later edit
is lost. Watching the parent directory (non-recursive) and filtering on the file name sees in-place
writes (`modified`), atomic replaces (`added`) and deletions alike, so any change kind counts.

Why our own debounce: watchfiles yields a batch after `step` ms of quiet, so a burst of writes
spread over a few hundred ms arrives as several batches. We wait until `debounce_ms` has passed
since the LAST event, reading `debounce_ms` afresh each time, so an edit of
`gateway.reload.debounce_ms` takes effect from the next burst on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

log = logging.getLogger(__name__)

# watchfiles yields a batch once no new event arrived for WATCH_STEP_MS (so between one and two
# steps after the last event); that much quiet has already passed when we see it, and our
# debounce waits only the rest. The Rust side also wakes every step while idle: 20 ms costs
# ~4 ms CPU per second and adds ~20-40 ms to a reload, 50 ms ~1 ms/s and ~50-100 ms (measured
# on 2 cores; bench/reload_latency.py). Each blocking wait
# ends after RUST_TIMEOUT_MS (awatch then waits again), which bounds how long a cancelled watch
# keeps its worker thread; a normal stop goes through `stop_event` and is quicker.
WATCH_STEP_MS = 20
RUST_TIMEOUT_MS = 500


class ConfigWatcher:
    """Calls `on_change()` after each quiet period that follows changes to `path`.

    `on_change` is awaited; changes seen while it runs are coalesced into one more call after
    it returns (a single queued rerun, never a backlog).
    """

    def __init__(
        self,
        path: Path,
        on_change: Callable[[], Awaitable[object]],
        *,
        debounce_ms: Callable[[], int],
        rust_timeout_ms: int = RUST_TIMEOUT_MS,
    ) -> None:
        self.path = path
        self._rust_timeout_ms = rust_timeout_ms
        self._on_change = on_change
        self._debounce_ms = debounce_ms
        self._dirty = anyio.Event()
        self._last_event = 0.0
        self.ready = anyio.Event()  # set once the directory watch is installed
        self._files: set[Path] = set()
        self._dirs: list[Path] = []
        self._any_in: set[Path] = set()

    def _targets(self) -> None:
        """Which directories to watch and which events count.

        A symlinked config is followed: edits of the target (a dotfiles checkout) are seen in
        the target's directory, and when the link itself lives in a symlink farm (a Kubernetes
        ConfigMap mount swaps a `..data` link, never touching `config.toml`), any event in the
        link's directory counts; a reload that finds nothing changed is a cheap no-op.
        """
        link = self.path.absolute()
        target = self.path.resolve()
        self._files = {link, target}
        self._dirs = sorted({link.parent, target.parent})
        self._any_in = {link.parent} if self.path.is_symlink() else set()

    def _accept(self, change: object, changed: str) -> bool:
        path = Path(changed)
        return path in self._files or path.parent in self._any_in

    async def run(self, stop_event: anyio.Event) -> None:
        """Watch until `stop_event` is set. Returns at once if the directory cannot be watched."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._targets()
        except OSError as exc:
            log.warning("config watcher disabled for %s: %s", self.path, exc)
            self.ready.set()
            return
        async with anyio.create_task_group() as group:
            group.start_soon(self._debounce_loop)
            try:
                await self._watch(stop_event)
            finally:
                group.cancel_scope.cancel()

    async def _watch(self, stop_event: anyio.Event) -> None:
        from watchfiles import awatch  # lazy: only the daemon watches files

        # watchfiles logs every batch at INFO ("1 change detected"); our own lines say more
        logging.getLogger("watchfiles").setLevel(logging.WARNING)

        batches = awatch(
            *self._dirs,
            watch_filter=self._accept,
            stop_event=stop_event,
            recursive=False,
            step=WATCH_STEP_MS,
            rust_timeout=self._rust_timeout_ms,
        )
        # awatch installs its inotify watches synchronously in the first step of its first
        # __anext__, before its first blocking wait; one scheduling round after starting that
        # step the watch is live, so `ready` means "edits from now on are seen".
        next_batch = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0)
        if not next_batch.done():
            log.info("watching %s for config changes", self.path)
        self.ready.set()
        try:
            while True:
                try:
                    changes = await next_batch
                except StopAsyncIteration:
                    return
                log.debug("config file event: %s", sorted(c.name for c, _ in changes))
                self._last_event = time.monotonic()
                self._dirty.set()
                next_batch = asyncio.ensure_future(anext(batches))
        except FileNotFoundError as exc:  # a watched directory is missing or vanished
            log.warning("config watcher stopped: %s", exc)
        finally:
            # a cancelled watch: let awatch see the cancellation (it stops its worker thread),
            # then close the generator; shielded so a cancelled scope cannot skip the cleanup
            next_batch.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait({next_batch})
                await batches.aclose()

    async def _debounce_loop(self) -> None:
        while True:
            await self._dirty.wait()
            # trailing debounce: wait until the configured quiet time has passed since the
            # LAST event (events keep moving `_last_event` while we sleep); watchfiles already
            # waited WATCH_STEP_MS of it before handing us the batch
            while True:
                quiet_s = max(0, self._debounce_ms() - WATCH_STEP_MS) / 1000
                remaining = self._last_event + quiet_s - time.monotonic()
                if remaining <= 0:
                    break
                await anyio.sleep(remaining)
            self._dirty = anyio.Event()
            try:
                await self._on_change()
            except Exception:
                log.exception("config reload callback failed")
