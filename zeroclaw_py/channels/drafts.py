"""Streaming an answer by editing one message, shared by Telegram and Discord.

The first token opens a draft message; later tokens are coalesced into at most one edit per
`EditPacer` interval per chat (platforms throttle edits, and a chat shared by several replies
shares the budget); `finish` writes the exact final text, splitting it when it outgrew one
message. The platform supplies three small callables, so this logic exists once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from contextlib import suppress

import anyio

log = logging.getLogger(__name__)

_PRUNE_AT = 4096  # chats remembered before stale entries are dropped


class EditPacer:
    """At most one message edit per `interval_s` per chat, shared by all replies in that chat."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last: dict[Hashable, float] = {}

    def delay(self, key: Hashable) -> float:
        last = self._last.get(key)
        return 0.0 if last is None else max(0.0, last + self.interval_s - time.monotonic())

    def mark(self, key: Hashable) -> None:
        now = time.monotonic()
        self._last[key] = now
        if len(self._last) > _PRUNE_AT:  # forget chats whose interval has long passed
            self._last = {k: t for k, t in self._last.items() if now - t < self.interval_s}

    async def wait(self, key: Hashable) -> None:
        delay = self.delay(key)
        if delay:
            await anyio.sleep(delay)


OpenDraft = Callable[[str], Awaitable[bool]]  # post the first preview; False = cannot stream
EditDraft = Callable[[str, bool], Awaitable[None]]  # (text, final); raises when it failed
SendText = Callable[[str], Awaitable[None]]  # a complete message, split by the platform


class DraftStream:
    def __init__(
        self,
        *,
        key: Hashable,
        pacer: EditPacer,
        split: Callable[[str], list[str]],
        open_draft: OpenDraft,
        edit_draft: EditDraft,
        send: SendText,
    ) -> None:
        self._key = key
        self._pacer = pacer
        self._split = split
        self._open = open_draft
        self._edit = edit_draft
        self._send = send
        self._buffer = ""
        self._shown: str | None = None  # None until a draft exists
        self._failed = False
        self._flush: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def _preview(self) -> str:
        return self._split(self._buffer)[0]

    async def token(self, text: str) -> None:
        self._buffer += text
        if self._failed or not self._buffer.strip():
            return
        if self._shown is None:
            async with self._lock:
                if self._shown is None and not self._failed:
                    preview = self._preview()
                    if await self._open(preview):
                        self._shown = preview
                        self._pacer.mark(self._key)
                    else:
                        self._failed = True  # finish() sends the whole answer instead
            return
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await self._pacer.wait(self._key)
        async with self._lock:
            preview = self._preview()
            if preview == self._shown:
                return
            try:
                await self._edit(preview, False)
            except Exception as exc:  # a lost preview edit is harmless; the final edit matters
                log.warning("draft edit failed (%s); the final text will still be sent", exc)
                return
            self._shown = preview
            self._pacer.mark(self._key)

    async def finish(self, text: str) -> None:
        if self._flush is not None:
            self._flush.cancel()
            with suppress(asyncio.CancelledError):
                await self._flush
        if self._shown is None:
            await self._send(text)
            return
        chunks = self._split(text)
        async with self._lock:
            if chunks[0].strip():  # always: the final edit may also render formatting
                await self._pacer.wait(self._key)
                try:
                    await self._edit(chunks[0], True)
                    self._pacer.mark(self._key)
                except Exception as exc:  # the answer must still arrive: post it anew
                    log.warning("final draft edit failed (%s); sending the text anew", exc)
                    await self._send(chunks[0])
        for chunk in chunks[1:]:
            await self._send(chunk)
