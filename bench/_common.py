"""Helpers shared by the bench scripts that drive the loopback fake provider."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.provider_server import FakeProvider


@contextmanager
def fake_in_thread(fake: FakeProvider) -> Iterator[FakeProvider]:
    """Serve `fake` on its own thread and event loop, so its work stays off the measured clock
    (the benches time the client thread's CPU or the wall time of the client alone)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake provider did not start within 10 s")
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
