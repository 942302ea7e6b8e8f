"""Sending answers to one Discord channel: 2000-character chunks, bounded retries, typing, and
optional streaming by editing one message (the shared DraftStream).

discord.py already waits out 429s itself; we retry what it gives up on (server errors, dropped
connections) a bounded number of times and log an error when a reply is finally lost. Replies
never ping anyone: model output may contain `@everyone` or `<@id>`.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

import aiohttp
import discord

from zeroclaw_py.channels.base import Answer
from zeroclaw_py.channels.drafts import DraftStream, EditPacer
from zeroclaw_py.channels.supervise import RetryDelay, Timings, with_retries
from zeroclaw_py.channels.text import split_discord
from zeroclaw_py.channels.typing_indicator import typing_indicator

log = logging.getLogger(__name__)

T = TypeVar("T")

TYPING_INTERVAL_S = 8.0  # Discord shows "typing" for ~10 s after each trigger
_NO_PINGS = discord.AllowedMentions.none()
_TRANSIENT = (discord.DiscordServerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


def retry_delay(first_s: float) -> RetryDelay:
    """Server errors and dropped connections back off; client errors (4xx) are final."""

    def delay(exc: Exception, attempt: int) -> float | None:
        return first_s * 2.0 ** (attempt - 1) if isinstance(exc, _TRANSIENT) else None

    return delay


class DiscordResponder:
    """The `Responder` for one Discord channel (guild channel, thread or DM)."""

    def __init__(
        self,
        channel: discord.abc.Messageable,
        channel_id: int,
        *,
        stream: bool = False,
        pacer: EditPacer | None = None,
        timings: Timings | None = None,
    ) -> None:
        self._channel = channel
        self._channel_id = channel_id
        self._stream = stream
        self._timings = timings or Timings()
        self._retry = retry_delay(self._timings.retry_first_s)
        self._draft_message: discord.Message | None = None
        self._draft = DraftStream(
            key=channel_id,
            pacer=pacer or EditPacer(1.0),
            split=split_discord,
            open_draft=self._open_draft,
            edit_draft=self._edit_draft,
            send=self.send,
        )

    @property
    def streams(self) -> bool:
        return self._stream

    async def send(self, text: str) -> None:
        for chunk in split_discord(text):
            if chunk.strip():
                await self._post(chunk)

    async def _post(self, chunk: str) -> discord.Message | None:
        try:
            return await with_retries(
                "discord: send",
                lambda: self._channel.send(chunk, allowed_mentions=_NO_PINGS),
                self._retry,
            )
        except (discord.HTTPException, *_TRANSIENT) as exc:
            log.error(
                "discord: could not deliver a %d-character reply to channel %s: %s",
                len(chunk),
                self._channel_id,
                exc,
            )
            return None

    async def token(self, text: str) -> None:
        if self._stream:
            await self._draft.token(text)

    async def finish(self, answer: Answer) -> None:
        await self._draft.finish(answer.text)

    async def _open_draft(self, preview: str) -> bool:
        self._draft_message = await self._post(preview)
        return self._draft_message is not None

    async def _edit_draft(self, text: str, final: bool) -> None:
        message = self._draft_message
        assert message is not None
        await with_retries(
            "discord: edit",
            lambda: message.edit(content=text, allowed_mentions=_NO_PINGS),
            self._retry,
        )

    def typing(self) -> AbstractAsyncContextManager[None]:
        return typing_indicator(
            self._channel.typing,
            interval_s=self._timings.typing_interval_s or TYPING_INTERVAL_S,
            delay_s=self._timings.typing_delay_s,
            where=f"discord channel {self._channel_id}",
        )
