"""Keep a channel's receive loop alive: restart it with exponential backoff when it crashes.

Shared by Telegram and Discord. A loop that ran for a while before failing starts again from the
first backoff, so one hiccup a day does not accumulate into minute-long pauses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

log = logging.getLogger(__name__)


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
        try:
            await run()
            outcome = "stopped unexpectedly"
        except fatal:
            raise
        except Exception as exc:  # any crash is logged and followed by a restart
            log.error("%s crashed: %s: %s", name, type(exc).__name__, exc, exc_info=True)
            outcome = "crashed"
        if time.monotonic() - started > HEALTHY_AFTER_S:
            backoff.reset()
        delay = backoff.next()
        log.warning("%s %s; restarting in %.1f s", name, outcome, delay)
        await anyio.sleep(delay)
