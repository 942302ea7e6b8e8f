"""A minimal ServiceHost for channel adapter tests that do not need the whole dispatcher.

`RecordingRuntime.handle` records every InboundMessage and answers through the Responder the way
the dispatcher does (typing, then send or token+finish), so adapter-level behaviour (addressing,
splitting, streaming, retries) is tested against the real PTB / discord.py stacks. End-to-end
tests with the real Runtime live next to these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import anyio

from zeroclaw_py.channels.base import Answer, InboundMessage, Responder
from zeroclaw_py.channels.supervise import Timings
from zeroclaw_py.state.memory import MemoryStore

# Test-sized clocks: short long polls, quick typing refreshes and restarts.
FAST = Timings(
    poll_timeout_s=0.5,
    watchdog_grace_s=0.5,
    typing_interval_s=0.05,
    typing_delay_s=0.0,
    retry_first_s=0.01,
    edit_interval_s=0.05,
    restart_first_s=0.05,
    restart_cap_s=0.2,
    guild_ready_timeout_s=0.01,
    stop_grace_s=2.0,
    album_wait_s=0.05,
)


class RecordingRuntime:
    def __init__(self, reply: Callable[[InboundMessage], str] | None = None) -> None:
        self.store = MemoryStore()
        self.messages: list[InboundMessage] = []
        self.reply = reply or (lambda m: f"echo: {m.text}")
        self.tokens: list[str] | None = None  # when set, stream these tokens before finishing
        self.hold = anyio.Event()  # set it to block turns (typing tests)
        self.hold.set()
        self.received = anyio.Event()
        self.finished = anyio.Event()  # set when a handle() call has returned

    async def handle(self, msg: InboundMessage, responder: Responder) -> None:
        self.messages.append(msg)
        self.received.set()
        async with responder.typing():
            await self.hold.wait()
            text = self.reply(msg)
            if self.tokens is not None and responder.streams:
                for token in self.tokens:
                    await responder.token(token)
                await responder.finish(Answer("".join(self.tokens), "echo", "echo"))
            else:
                await responder.send(text)
        self.finished.set()


class FakeHost:
    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self.restarts: list[str] = []

    @property
    def runtime(self) -> Any:
        return self._runtime

    async def restart_service(self, name: str) -> None:
        self.restarts.append(name)

    def request_restart(self, reason: str) -> None:
        self.restarts.append(f"daemon: {reason}")

    async def reload_config(self, *, source: str) -> Mapping[str, Any]:
        return {}

    async def reload_router(self, *, strategy: str | None = None) -> Mapping[str, Any]:
        return {}


def telegram_config(base: str, token: str, **overrides: Any) -> Any:
    from zeroclaw_py.config.schema import TelegramConfig

    values: dict[str, Any] = {
        "bot_token": token,
        "allowed_users": ("*",),
        "api_base_url": base,
        "draft_update_interval_ms": 50,
    }
    values.update(overrides)
    return TelegramConfig(**values)


class _ChannelService(Protocol):
    timings: Timings

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


ServiceT = TypeVar("ServiceT", bound=_ChannelService)


@asynccontextmanager
async def started(
    service: ServiceT, ready: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[ServiceT]:
    """`service` started with FAST clocks (and `ready()` awaited), stopped at the end of the
    block. The factories build production clocks (30 s long polls), hence the replacement."""
    service.timings = FAST
    await service.start()
    try:
        if ready is not None:
            with anyio.fail_after(5):
                await ready()
        yield service
    finally:
        await service.stop()


@asynccontextmanager
async def running_telegram(
    host: FakeHost, base: str, token: str, **overrides: Any
) -> AsyncIterator[Any]:
    """A started TelegramService with test-sized timeouts, stopped at the end of the block."""
    from zeroclaw_py.channels.telegram import TelegramService

    service = TelegramService(host, telegram_config(base, token, **overrides))
    async with started(service):
        yield service


def discord_config(api: str, gateway: str | None, token: str, **overrides: Any) -> Any:
    from zeroclaw_py.config.schema import DiscordConfig

    values: dict[str, Any] = {
        "bot_token": token,
        "allowed_users": ("*",),
        "api_base_url": api,
        "gateway_url": gateway,
    }
    values.update(overrides)
    return DiscordConfig(**values)


@asynccontextmanager
async def running_discord(
    host: FakeHost, api: str, gateway: str | None, token: str, **overrides: Any
) -> AsyncIterator[Any]:
    """A started DiscordService with test-sized timers, stopped at the end of the block."""
    from zeroclaw_py.channels.discord import DiscordService

    service = DiscordService(host, discord_config(api, gateway, token, **overrides))
    async with started(service, service.wait_ready):
        yield service
