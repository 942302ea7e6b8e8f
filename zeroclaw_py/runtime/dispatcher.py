"""The one entry point every channel feeds: allowlist -> commands -> agent turn (SPEC §5, §6).

Different conversations run in parallel. Within one conversation, messages are admitted in the
order they arrived (a FIFO lock); a turn keeps the admission only until it has fixed its route and
read its history, then runs under a second lock that keeps turns one at a time. So a command sent
while an answer is being produced is handled at once (`/models` during a slow answer, SPEC §5: the
running turn keeps its route), yet never overtakes a message sent before it that has not started.
Both locks are dropped when nobody holds or waits for them, so 10,000 conversations cost nothing
lingering. Nothing raised below reaches a channel: an unexpected error is logged with its
traceback and the user gets one scrubbed line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from zeroclaw_py.channels.base import InboundMessage, Responder
from zeroclaw_py.metrics import MESSAGES
from zeroclaw_py.runtime.allowlist import denied_user_id, is_allowed
from zeroclaw_py.runtime.commands import parse_command
from zeroclaw_py.runtime.handlers import CommandContext, run_command
from zeroclaw_py.runtime.replies import render
from zeroclaw_py.runtime.turn import run_turn

if TYPE_CHECKING:
    from zeroclaw_py.runtime.context import Runtime

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 32_000  # longer messages get a clear refusal instead of a huge prompt
MAX_DENIED_REMEMBERED = 100_000  # bound on "already told this sender" memory

# Control characters other than tab/newline/carriage return are dropped from inbound text; the
# ones Unicode counts as whitespace (VT, FF, NEL) become a space, so `/model\x0bx` still splits
# into a command and its argument as upstream's whitespace split does.
_CONTROL: dict[int, str | None] = {
    c: (" " if c in (0x0B, 0x0C, 0x85) else None)
    for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
    if c not in (9, 10, 13)
}
# Lone surrogates (JSON `"\ud83d"` escapes, undecodable console bytes) cannot be encoded to send
# or store: each becomes U+FFFD.
_CONTROL.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))


class _Conversation:
    """The two locks of one conversation key: `admit` orders arrivals, `turn` serialises turns."""

    __slots__ = ("admit", "turn", "users")

    def __init__(self) -> None:
        self.admit = asyncio.Lock()
        self.turn = asyncio.Lock()
        self.users = 0


class Dispatcher:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._locks: dict[str, _Conversation] = {}
        self._denied_told: set[tuple[str, str]] = set()

    @property
    def active_conversations(self) -> int:
        """Conversations with a message running or queued (the lock table's size)."""
        return len(self._locks)

    @asynccontextmanager
    async def _admitted(self, key: str) -> AsyncIterator[tuple[_Conversation, Callable[[], None]]]:
        """Hold `key`'s admission (in arrival order); yields the conversation and a callable that
        lets the next message in early (a turn calls it once its route and history are fixed)."""
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = _Conversation()
        entry.users += 1
        held = False

        def let_next_in() -> None:
            nonlocal held
            if held:
                held = False
                entry.admit.release()

        try:
            await entry.admit.acquire()
            held = True
            yield entry, let_next_in
        finally:
            let_next_in()
            entry.users -= 1
            if entry.users == 0:
                del self._locks[key]

    async def handle(self, msg: InboundMessage, responder: Responder) -> None:
        outcome = "error"
        try:
            outcome = await self._handle(msg, responder)
        except Exception as exc:
            log.exception("message handling failed on %s", msg.channel)
            await _safe_send(responder, render("turn_error", error=_internal(exc)))
        finally:
            MESSAGES.labels(msg.channel, outcome).inc()

    async def _handle(self, msg: InboundMessage, responder: Responder) -> str:
        runtime = self.runtime
        config = runtime.config
        if not is_allowed(config, msg):
            return await self._deny(msg, responder)
        key = runtime.conversation_key(msg, config)
        async with self._admitted(key) as (conversation, let_next_in):
            config = runtime.config  # the newest snapshot once it is our turn
            text = msg.text.translate(_CONTROL)
            command = parse_command(text)
            if command is not None:
                ctx = CommandContext(runtime, config, key, msg.channel)
                await responder.send(await run_command(ctx, command))
                return "command"
            if len(text) > MAX_MESSAGE_CHARS:
                await responder.send(
                    render("message_too_long", length=len(text), limit=MAX_MESSAGE_CHARS)
                )
                return "rejected"
            if msg.unsupported_attachments:
                kinds = ", ".join(msg.unsupported_attachments)
                await responder.send(render("unsupported_attachments", kinds=kinds))
            if not text.strip() and not msg.images:
                return "ignored"
            async with conversation.turn:  # the previous turn has stored its exchange
                config = runtime.config
                return await run_turn(
                    runtime, config, msg, key, text.strip(), responder, started=let_next_in
                )

    async def _deny(self, msg: InboundMessage, responder: Responder) -> str:
        """Groups: silence. Private chats: one explanation per sender per daemon run."""
        who = (msg.channel, msg.sender_id or msg.sender)
        if msg.is_private and who not in self._denied_told:
            if len(self._denied_told) >= MAX_DENIED_REMEMBERED:
                self._denied_told.clear()
            self._denied_told.add(who)
            log.info("denied %s sender %s (not in allowed_users)", msg.channel, who[1])
            await responder.send(render("denied", user_id=denied_user_id(msg), channel=msg.channel))
        return "denied"


def _internal(exc: BaseException) -> str:
    from zeroclaw_py.providers.scrub import sanitize_api_error

    return sanitize_api_error(f"internal error ({type(exc).__name__}: {exc})")


async def _safe_send(responder: Responder, text: str) -> None:
    try:
        await responder.send(text)
    except Exception as exc:
        log.error("could not send the error reply: %s", exc)
