"""Sending answers to one Telegram chat: Markdown with a plain-text retry, flood control, splitting
at 4096 UTF-16 units, a typing indicator, and `partial` streaming by editing one message.

Every Bot API call goes through `with_retries` with `retry_delay`, the one place that honours
`RetryAfter` and retries network errors a bounded number of times. A reply that still cannot be
delivered is logged as an error (never dropped silently); the dispatcher is not interrupted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from telegram import Bot, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TelegramError

from zeroclaw_py.channels.drafts import EditPacer
from zeroclaw_py.channels.responder import EditingResponder
from zeroclaw_py.channels.supervise import RetryDelay, Timings, with_retries
from zeroclaw_py.channels.text import split_telegram

log = logging.getLogger(__name__)

MAX_FLOOD_WAIT_S = 60.0
TYPING_INTERVAL_S = 4.0  # Telegram shows "typing" for ~5 s after each chat action


def _retry_after_s(exc: RetryAfter) -> float:
    value: object = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(str(value))
    return min(max(seconds, 0.0), MAX_FLOOD_WAIT_S)


def _is_entity_error(exc: BadRequest) -> bool:
    return "can't parse entities" in exc.message.lower()


def _is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def retry_delay(first_s: float) -> RetryDelay:
    """Flood control waits what Telegram asks; network errors back off; the rest is final."""

    def delay(exc: Exception, attempt: int) -> float | None:
        if isinstance(exc, RetryAfter):
            return _retry_after_s(exc)
        if isinstance(exc, BadRequest):
            return None  # a malformed request stays malformed
        if isinstance(exc, NetworkError):  # includes TimedOut
            return first_s * 2.0 ** (attempt - 1)
        return None

    return delay


class TelegramResponder(EditingResponder):
    """The `Responder` for one Telegram chat (and forum topic)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        thread_id: int | None = None,
        *,
        stream: bool = False,
        pacer: EditPacer | None = None,
        timings: Timings | None = None,
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._thread_id = thread_id
        self._draft_id: int | None = None
        super().__init__(
            key=chat_id,
            split=split_telegram,
            retry_delay=retry_delay,
            stream=stream,
            pacer=pacer,
            timings=timings,
        )

    # --- complete messages -----------------------------------------------------------------

    async def _deliver(self, chunk: str) -> Message | None:
        try:
            try:
                return await self._post(chunk, ParseMode.MARKDOWN)
            except BadRequest as exc:
                if not _is_entity_error(exc):
                    raise
                log.info(
                    "telegram: Markdown rejected in chat %s; resending as plain text", self._chat_id
                )
                return await self._post(chunk, None)
        except TelegramError as exc:
            log.error(
                "telegram: could not deliver a %d-character reply to chat %s: %s",
                len(chunk),
                self._chat_id,
                exc,
            )
            return None

    async def _post(self, text: str, parse_mode: str | None) -> Message:
        def post() -> Awaitable[Message]:
            return self._bot.send_message(
                self._chat_id, text, parse_mode=parse_mode, message_thread_id=self._thread_id
            )

        try:
            return await with_retries("telegram: sendMessage", post, self._retry)
        except ChatMigrated as exc:  # a group became a supergroup while we were answering
            log.info("telegram: chat %s moved to %s; sending there", self._chat_id, exc.new_chat_id)
            self._chat_id = exc.new_chat_id
            return await with_retries("telegram: sendMessage", post, self._retry)

    # --- streaming -------------------------------------------------------------------------

    async def _open_draft(self, preview: str) -> bool:
        try:
            message = await with_retries(
                "telegram: sendMessage",
                lambda: self._bot.send_message(
                    self._chat_id, preview, message_thread_id=self._thread_id
                ),
                self._retry,
            )
        except TelegramError as exc:
            log.warning(
                "telegram: cannot open a streaming draft in chat %s: %s", self._chat_id, exc
            )
            return False
        self._draft_id = message.message_id
        return True

    async def _edit_draft(self, text: str, final: bool) -> None:
        """Plain previews; the final edit uses Markdown and falls back to plain text."""
        if not final:
            await self._edit(text, None)
            return
        try:
            await self._edit(text, ParseMode.MARKDOWN)
        except BadRequest as exc:
            if not _is_entity_error(exc):
                raise
            await self._edit(text, None)

    async def _edit(self, text: str, parse_mode: str | None) -> None:
        assert self._draft_id is not None
        draft_id = self._draft_id
        try:
            await with_retries(
                "telegram: editMessageText",
                lambda: self._bot.edit_message_text(
                    text, chat_id=self._chat_id, message_id=draft_id, parse_mode=parse_mode
                ),
                self._retry,
            )
        except BadRequest as exc:
            if not _is_not_modified(exc):
                raise

    # --- typing ----------------------------------------------------------------------------

    def typing(self) -> AbstractAsyncContextManager[None]:
        return self._typing(
            lambda: self._bot.send_chat_action(
                self._chat_id, ChatAction.TYPING, message_thread_id=self._thread_id
            ),
            TYPING_INTERVAL_S,
            f"telegram chat {self._chat_id}",
        )
