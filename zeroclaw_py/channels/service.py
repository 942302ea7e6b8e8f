"""The lifecycle the Telegram and Discord services share.

Both are built by a factory from (host, config section) and register their token as a secret;
both handle each message in its own task, one at a time per (chat, sender) so that a person's
messages are answered in order, and count them so that `stop()` lets answers in flight finish
(bounded) before the receive task is cancelled. The platform's receive loop stays in the
subclass.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from zeroclaw_py.channels.supervise import InFlight, Timings
from zeroclaw_py.providers.scrub import register_secret

if TYPE_CHECKING:
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)


class _BotConfig(Protocol):
    @property
    def bot_token(self) -> str: ...


ConfigT = TypeVar("ConfigT", bound=_BotConfig)


class ChannelService(Generic[ConfigT]):
    name: str  # "telegram" | "discord": the service name and the prefix of its log lines

    def __init__(
        self, host: ServiceHost, config: ConfigT, *, timings: Timings | None = None
    ) -> None:
        self._host = host
        self._config = config
        self.timings = timings or Timings()
        register_secret(config.bot_token)  # it may appear in API URLs and library errors
        self._task: asyncio.Task[None] | None = None  # the receive loop
        self._in_flight = InFlight()
        self._locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def _handle_in_order(
        self, key: tuple[int, int], dispatch: Callable[[], Awaitable[None]], what: str
    ) -> None:
        """Run `dispatch` after the earlier messages of `key` (chat, sender); `what` names the
        message in the log line should it fail, since one bad message must not stop the rest."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            try:
                with self._in_flight.track():
                    await dispatch()
            except Exception:  # logged with its traceback; the other messages go on
                log.exception("%s: failed to handle %s", self.name, what)

    async def _drain(self) -> None:
        """Let the answers in flight finish, for at most `timings.stop_grace_s`."""
        if not await self._in_flight.wait_idle(self.timings.stop_grace_s):
            log.warning("%s: stopping with %d answers unfinished", self.name, self._in_flight.count)

    async def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):  # the expected end of the receive loop
                await self._task
            self._task = None
