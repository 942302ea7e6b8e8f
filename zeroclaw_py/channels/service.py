"""The lifecycle the Telegram and Discord services share.

Both are built by a factory from (host, config section) and register their token as a secret;
both handle each message in its own task. Per (chat, sender), messages are *prepared* one at a
time (text, mentions, image downloads) and handed to the dispatcher in the order they arrived;
the dispatcher then keeps one conversation's turns in order while letting a command through
during a slow answer. Both count messages in flight so that `stop()` lets answers in flight finish
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
    from zeroclaw_py.channels.base import InboundMessage, Responder
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
        self,
        key: tuple[int, int],
        prepare: Callable[[], Awaitable[tuple[InboundMessage, Responder] | None]],
        what: str,
    ) -> None:
        """Prepare the message after the earlier ones of `key` (chat, sender), then hand it to the
        dispatcher; `what` names it in the log line should it fail (the rest go on)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        with self._in_flight.track():
            try:
                async with lock:
                    prepared = await prepare()
                    if prepared is None:
                        return
                    # Started while the lock is held: tasks first run in creation order, so the
                    # dispatcher's first-come admission sees this person's messages in arrival
                    # order, yet a `/models` sent during a slow answer need not wait for it.
                    handling = asyncio.create_task(self._host.runtime.handle(*prepared))
                await handling
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
