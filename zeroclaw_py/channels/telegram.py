"""The Telegram channel: long polling with PTB's `Bot` inside our own task group.

We run our own `getUpdates` loop instead of PTB's `Application.run_polling` (which owns the
event loop and signal handlers) so that: the update offset lives in the state store (a daemon
re-exec neither loses nor repeats updates); a 409 Conflict (a second poller on the token) is
reported once, clearly, and retried with backoff; a poll that silently stalls is cut by a
watchdog and re-issued; and a crashed loop is restarted by `supervise`. Each update is handled
in its own task, serialised per (chat, sender) so one person's messages are answered in order;
the photos of an album (one message each, same media_group_id) become one message.
"""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as timedelta, no warning

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
from telegram import Bot, Message
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from zeroclaw_py.channels.drafts import EditPacer
from zeroclaw_py.channels.mentions import BotIdentity
from zeroclaw_py.channels.service import ChannelService
from zeroclaw_py.channels.supervise import Timings, supervise
from zeroclaw_py.channels.telegram_inbound import build_inbound
from zeroclaw_py.channels.telegram_reply import TelegramResponder
from zeroclaw_py.errors import ChannelStartError

if TYPE_CHECKING:
    from zeroclaw_py.channels.base import InboundMessage, Responder
    from zeroclaw_py.config.schema import TelegramConfig
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message",)
SEND_CONCURRENCY = 16  # concurrent Bot API calls (sends, edits, typing, downloads)


class BoundedRequest(HTTPXRequest):
    """PTB's HTTPX request with a semaphore in front of the connection pool.

    httpcore matches every queued request against every connection, so a burst of hundreds of
    sends waiting inside the pool costs quadratic CPU. Waiting here instead is O(1) per call,
    and nothing ever hits PTB's pool timeout.
    """

    def __init__(self, concurrency: int, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=concurrency, pool_timeout=None, **kwargs)
        self._slots = asyncio.Semaphore(concurrency)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(*args, **kwargs)


def build_bot(config: TelegramConfig) -> Bot:
    """A PTB Bot on `api_base_url` with separate connections for long polls and for sends."""
    base = config.api_base_url.rstrip("/")
    return Bot(
        config.bot_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=BoundedRequest(
            SEND_CONCURRENCY,
            read_timeout=30.0,
            write_timeout=30.0,
            connect_timeout=10.0,
            media_write_timeout=30.0,
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
    )


class TelegramService(ChannelService["TelegramConfig"]):
    name = "telegram"

    def __init__(
        self, host: ServiceHost, config: TelegramConfig, *, timings: Timings | None = None
    ) -> None:
        super().__init__(host, config, timings=timings)
        self._pacer = EditPacer(config.draft_update_interval_ms / 1000)  # per chat, shared
        self._bot: Bot | None = None
        self._identity = BotIdentity("")
        self._offset: int | None = None
        self._polling = anyio.CancelScope()
        self._albums: dict[str, list[Message]] = {}  # media_group_id -> parts seen so far
        self.stalls = 0  # polls cut by the watchdog (observable for tests and logs)
        self.conflicts = 0

    @property
    def _offset_key(self) -> str:
        bot_id = self._config.bot_token.partition(":")[0]
        return f"telegram.{bot_id}.update_offset"

    async def start(self) -> None:
        bot = build_bot(self._config)
        try:
            await bot.initialize()  # getMe: proves the token and gives the username
        except InvalidToken as exc:  # the daemon logs this one clear line and runs on
            await bot.shutdown()
            raise ChannelStartError(
                f"telegram: the bot token was rejected by {self._config.api_base_url} (getMe "
                "answered Unauthorized); fix channels_config.telegram.bot_token"
            ) from exc
        except TelegramError as exc:
            await bot.shutdown()
            raise ChannelStartError(
                f"telegram: cannot reach the Bot API at {self._config.api_base_url}: {exc}"
            ) from exc
        self._bot = bot
        self._identity = BotIdentity(bot.username)
        self._polling = anyio.CancelScope()
        stored = await self._host.runtime.store.kv_get(self._offset_key)
        self._offset = int(stored) if stored else None
        self._task = asyncio.create_task(self._run(), name="telegram-polling")
        log.info("telegram: polling as @%s", bot.username)

    async def stop(self) -> None:
        if self._task is not None:
            self._polling.cancel()  # no new updates; the handlers get a grace period
            await self._drain()
            await self._cancel_task()
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None

    async def wait_stopped(self) -> None:
        """Until polling has ended for good (a revoked token); mostly for tests."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        async with anyio.create_task_group() as tg:
            with self._polling, suppress(InvalidToken):  # logged where it was raised
                # stop() cancels polling first; handlers get a grace period
                await supervise(
                    "telegram polling",
                    lambda: self._poll_forever(tg),
                    self.timings.backoff(),
                    fatal=(InvalidToken,),
                )

    async def _poll_forever(self, tg: anyio.abc.TaskGroup) -> None:
        assert self._bot is not None
        bot, conflict_reported = self._bot, False
        backoff = self.timings.backoff(cap=30.0)
        watchdog_s = self.timings.poll_timeout_s + self.timings.watchdog_grace_s
        while True:
            try:
                with anyio.fail_after(watchdog_s):
                    updates = await bot.get_updates(
                        offset=self._offset,
                        timeout=timedelta(seconds=self.timings.poll_timeout_s),
                        allowed_updates=ALLOWED_UPDATES,
                    )
            except TimeoutError:
                self.stalls += 1
                log.warning(
                    "telegram: getUpdates gave no answer for %.0f s; restarting the poll",
                    watchdog_s,
                )
                continue
            except Conflict:
                self.conflicts += 1
                delay = backoff.next()
                if not conflict_reported:
                    log.error(
                        "telegram: another process is polling this bot token (409 Conflict); "
                        "only one poller may run — retrying with backoff until it stops"
                    )
                    conflict_reported = True
                await anyio.sleep(delay)
                continue
            except InvalidToken:
                log.error(
                    "telegram: the bot token was revoked; polling stops — fix "
                    "channels_config.telegram.bot_token"
                )
                raise  # fatal for supervise: only a new token helps
            except NetworkError as exc:
                delay = backoff.next()
                log.warning("telegram: getUpdates failed (%s); retrying in %.1f s", exc, delay)
                await anyio.sleep(delay)
                continue
            if conflict_reported:
                log.info("telegram: the other poller is gone; polling resumed")
            backoff.reset()
            conflict_reported = False
            for update in updates:
                self._offset = update.update_id + 1
                if update.message is not None:
                    tg.start_soon(self._handle, update.message)
            if updates:
                await self._host.runtime.store.kv_set(self._offset_key, str(self._offset))

    async def _handle(self, message: Message) -> None:
        assert self._bot is not None
        album = await self._collect_album(message)
        if album is None:
            return  # another task is collecting this album
        user_id = message.from_user.id if message.from_user else 0
        await self._handle_in_order(
            (message.chat.id, user_id),
            lambda: self._prepare(album),
            f"message {message.message_id} in chat {message.chat.id}",
        )

    async def _collect_album(self, message: Message) -> list[Message] | None:
        """[message], or all parts of its album once they stopped arriving; None for parts
        that joined an album another task is collecting."""
        group = message.media_group_id
        if group is None:
            return [message]
        parts = self._albums.get(group)
        if parts is not None:
            parts.append(message)
            return None
        self._albums[group] = [message]
        await anyio.sleep(self.timings.album_wait_s)
        return self._albums.pop(group)

    async def _prepare(self, messages: list[Message]) -> tuple[InboundMessage, Responder] | None:
        """The inbound message (mentions removed, images downloaded) and where to answer it."""
        assert self._bot is not None
        inbound = await build_inbound(
            self._bot,
            messages,
            self._identity,
            bot_id=self._bot.id,
            mention_only=self._config.mention_only,
        )
        if inbound is None:
            return None
        first = messages[0]
        responder = TelegramResponder(
            self._bot,
            first.chat.id,
            first.message_thread_id if first.is_topic_message else None,
            stream=self._config.stream_mode == "partial",
            pacer=self._pacer,
            timings=self.timings,
        )
        return inbound, responder
