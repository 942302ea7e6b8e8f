"""In-process test channel and runtime builders, shared by every area's tests.

API (stable; other helpers' tests import it):

    msg(text, *, channel="test", sender="alice", chat=None, **fields) -> InboundMessage
        `chat` defaults to the sender (a private chat); other InboundMessage fields pass through.

    RecordingResponder(streams=False)
        A `Responder` that records everything the dispatcher says:
        .sent: list[str]        complete messages (command replies, notices, errors)
        .tokens: list[str]      streamed deltas (only when streams=True)
        .answers: list[Answer]  finish() calls
        .events: list[tuple[str, object]]   ("send"|"token"|"finish"|"typing", value) in order
        .replies: list[str]     what a user reads: sent texts and answer texts, in order
        .typing_count: int      how many times typing() was entered
        await .wait_for(n, timeout=5.0)   until at least n replies (send or finish) arrived
        .on_finish: asyncio.Event         set by each finish() (clear it yourself to reuse)

    async with running_runtime(config_text="", *, home=None, backend="memory",
                               http=None, env=None) as runtime:
        A started `Runtime` on `home` (a tmp ZEROCLAW_HOME; config.toml written there when
        `config_text` is given; state in `<home>/state`). `backend` overrides state.backend
        ("memory" | "sqlite"). Closed on exit. `env` is the environment for env overrides
        (default: an empty mapping, so the developer's keys never leak in).

    await ask(runtime, text, *, streams=False, **msg_fields) -> str
        Send one message through `runtime.handle` with a fresh responder; returns the replies
        joined by "\\n" (for one reply: exactly that reply).

    await ask_all(runtime, text, **msg_fields) -> RecordingResponder
        The same but returns the responder for detailed assertions.

    openai_provider(name, fake, api_key=None) -> str
        The `[providers.<name>]` TOML section of an OpenAI-kind provider served by `fake`
        (tests/fakes/provider_server.FakeProvider).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zeroclaw_py.channels.base import Answer, InboundMessage
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.runtime.allowlist import trust_local_channel
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.state import MemoryStore, SqliteStore, StateStore

if TYPE_CHECKING:
    from tests.fakes.provider_server import FakeProvider

# The in-process channels tests speak through; real channels keep their allowlists.
TEST_CHANNELS = ("test", "other", "metrics-test")
for _name in TEST_CHANNELS:
    trust_local_channel(_name)


def msg(
    text: str,
    *,
    channel: str = "test",
    sender: str = "alice",
    chat: str | None = None,
    **fields: Any,
) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        sender=sender,
        chat=chat if chat is not None else sender,
        text=text,
        **fields,
    )


class RecordingResponder:
    def __init__(self, streams: bool = False) -> None:
        self._streams = streams
        self.sent: list[str] = []
        self.tokens: list[str] = []
        self.answers: list[Answer] = []
        self.events: list[tuple[str, object]] = []
        self.replies: list[str] = []
        self.typing_count = 0
        self.on_finish = asyncio.Event()
        self._changed = asyncio.Condition()

    @property
    def streams(self) -> bool:
        return self._streams

    async def _record(self, kind: str, value: object, reply: str | None = None) -> None:
        self.events.append((kind, value))
        if reply is not None:
            self.replies.append(reply)
        async with self._changed:
            self._changed.notify_all()

    async def send(self, text: str) -> None:
        self.sent.append(text)
        await self._record("send", text, text)

    async def token(self, text: str) -> None:
        self.tokens.append(text)
        await self._record("token", text)

    async def finish(self, answer: Answer) -> None:
        self.answers.append(answer)
        self.on_finish.set()
        await self._record("finish", answer, answer.text)

    @asynccontextmanager
    async def typing(self) -> AsyncIterator[None]:
        self.typing_count += 1
        self.events.append(("typing", None))
        yield

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.replies) >= count)


def _store(backend: str, state_dir: Path) -> StateStore:
    if backend == "sqlite":
        return SqliteStore(state_dir / "state.db")
    return MemoryStore()


@asynccontextmanager
async def running_runtime(
    config_text: str = "",
    *,
    home: Path | None = None,
    backend: str = "memory",
    http: Any = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Runtime]:
    with tempfile.TemporaryDirectory() as tmp:
        root = home if home is not None else Path(tmp)
        source = root / "config.toml"
        if config_text:
            source.write_text(config_text, encoding="utf-8")
        config = parse_config(config_text, source=source if config_text else None, env=env or {})
        state_dir = root / "state"
        runtime = Runtime(config, store=_store(backend, state_dir), state_dir=state_dir, http=http)
        await runtime.start()
        try:
            yield runtime
        finally:
            await runtime.aclose()


async def ask_all(runtime: Runtime, text: str, **fields: Any) -> RecordingResponder:
    responder = RecordingResponder(streams=bool(fields.pop("streams", False)))
    await runtime.handle(msg(text, **fields), responder)
    return responder


async def ask(runtime: Runtime, text: str, **fields: Any) -> str:
    return "\n".join((await ask_all(runtime, text, **fields)).replies)


def openai_provider(name: str, fake: FakeProvider, api_key: str | None = None) -> str:
    key = f'api_key = "{api_key}"\n' if api_key is not None else ""
    return f'[providers.{name}]\nkind = "openai"\napi_url = "{fake.base_url("openai")}"\n{key}'
