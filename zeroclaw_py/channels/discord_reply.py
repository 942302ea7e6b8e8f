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

import aiohttp
import discord

from zeroclaw_py.channels.drafts import EditPacer
from zeroclaw_py.channels.responder import EditingResponder
from zeroclaw_py.channels.supervise import RetryDelay, Timings, with_retries
from zeroclaw_py.channels.text import split_discord

log = logging.getLogger(__name__)

TYPING_INTERVAL_S = 8.0  # Discord shows "typing" for ~10 s after each trigger
_NO_PINGS = discord.AllowedMentions.none()
_TRANSIENT = (discord.DiscordServerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


def retry_delay(first_s: float) -> RetryDelay:
    """Server errors and dropped connections back off; client errors (4xx) are final."""

    def delay(exc: Exception, attempt: int) -> float | None:
        return first_s * 2.0 ** (attempt - 1) if isinstance(exc, _TRANSIENT) else None

    return delay


class DiscordResponder(EditingResponder):
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
        self._draft_message: discord.Message | None = None
        super().__init__(
            key=channel_id,
            split=split_discord,
            retry_delay=retry_delay,
            stream=stream,
            pacer=pacer,
            timings=timings,
        )

    async def _deliver(self, chunk: str) -> discord.Message | None:
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

    async def _open_draft(self, preview: str) -> bool:
        self._draft_message = await self._deliver(preview)
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
        return self._typing(
            self._channel.typing, TYPING_INTERVAL_S, f"discord channel {self._channel_id}"
        )
