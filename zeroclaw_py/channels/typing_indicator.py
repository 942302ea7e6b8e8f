"""A typing indicator kept alive while a turn runs, shared by Telegram and Discord.

The first signal waits `delay_s`: an answer that is ready sooner needs no indicator, and under
load that saves one API call per message. A failed signal is only worth a debug line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import anyio

log = logging.getLogger(__name__)


@asynccontextmanager
async def typing_indicator(
    signal: Callable[[], Awaitable[object]], *, interval_s: float, delay_s: float, where: str
) -> AsyncIterator[None]:
    async def keep_alive() -> None:
        if delay_s > 0:
            await anyio.sleep(delay_s)
        while True:
            try:
                await signal()
            except Exception as exc:  # cosmetic: never let it disturb the turn
                log.debug("typing indicator failed in %s: %s", where, exc)
            await anyio.sleep(interval_s)

    task = asyncio.create_task(keep_alive())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
