"""Resilience shared by Telegram and Discord: restart a crashed receive loop with backoff,
retry a failed API call a bounded number of times, and the clocks of both (`Timings`).

A loop that ran for a while before failing starts again from the first backoff, so one hiccup a
day does not accumulate into minute-long pauses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import anyio

log = logging.getLogger(__name__)

T = TypeVar("T")

API_TRIES = 4  # attempts per platform API call (flood-control waits included)


@dataclass
class Backoff:
    first: float = 2.0
    cap: float = 60.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def next(self) -> float:
        delay = self._next or self.first
        self._next = min(delay * self.factor, self.cap)
        return delay

    def reset(self) -> None:
        self._next = 0.0


HEALTHY_AFTER_S = 60.0


async def supervise(
    name: str,
    run: Callable[[], Awaitable[None]],
    backoff: Backoff,
    *,
    fatal: tuple[type[BaseException], ...] = (),
) -> None:
    """Run `run()` until cancelled, restarting it after a backoff whenever it returns or fails."""
    while True:
        started = time.monotonic()
        crash: Exception | None = None
        try:
            await run()
        except fatal:
            raise
        except Exception as exc:  # any crash is logged and followed by a restart
            crash = exc
        if time.monotonic() - started > HEALTHY_AFTER_S:
            backoff.reset()
        delay = backoff.next()
        if crash is None:
            log.warning("%s stopped unexpectedly; restarting in %.1f s", name, delay)
        else:
            log.error(
                "%s crashed (%s: %s); restarting in %.1f s",
                name,
                type(crash).__name__,
                crash,
                delay,
                exc_info=crash,
            )
        await anyio.sleep(delay)


@dataclass(frozen=True)
class Timings:
    """The clocks of a channel service. Production uses the defaults; tests shrink them by
    assigning `service.timings` before `start()` (the service factories take no extra args)."""

    poll_timeout_s: float = 30.0  # Telegram getUpdates long poll
    watchdog_grace_s: float = 15.0  # a poll silent this long past its timeout has stalled
    typing_interval_s: float | None = None  # None = the platform's default
    typing_delay_s: float = 0.3  # answers ready sooner show no typing indicator at all
    edit_interval_s: float | None = None  # None = the config's (Telegram) or 1 s (Discord)
    retry_first_s: float = 0.5  # first backoff between attempts of a failed API call
    restart_first_s: float = 2.0
    restart_cap_s: float = 60.0
    guild_ready_timeout_s: float = 2.0  # discord.py waits this long for GUILD_CREATEs
    album_wait_s: float = 0.5  # Telegram album parts arriving within this window are merged
    stop_grace_s: float = 10.0  # stop() lets answers in flight finish this long

    def backoff(self, cap: float | None = None) -> Backoff:
        return Backoff(first=self.restart_first_s, cap=min(self.restart_cap_s, cap or 1e9))


RetryDelay = Callable[[Exception, int], "float | None"]
"""(error, attempt number) -> seconds to wait before the next attempt, or None: do not retry."""


async def with_retries(
    what: str, call: Callable[[], Awaitable[T]], retry_delay: RetryDelay, tries: int = API_TRIES
) -> T:
    """Run `call`, retrying while `retry_delay` says the error is transient (bounded)."""
    for attempt in range(1, tries + 1):
        try:
            return await call()
        except Exception as exc:
            delay = retry_delay(exc, attempt)
            if delay is None or attempt == tries:
                raise
            log.warning(
                "%s failed (%s); retry %d/%d in %.1f s", what, exc, attempt, tries - 1, delay
            )
        await anyio.sleep(delay)
    raise AssertionError("unreachable")


class InFlight:
    """Messages being handled, so `stop()` can let them finish (bounded) before tearing down:
    a channel restarted after a config edit should not drop answers it was writing."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, timeout_s: float) -> bool:
        """True when everything finished in time; False (logged by the caller) otherwise."""
        with anyio.move_on_after(timeout_s):
            await self._idle.wait()
            return True
        return False
