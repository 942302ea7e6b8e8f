"""What every channel hands the dispatcher, and what the dispatcher hands back.

A channel knows nothing about providers: it builds an `InboundMessage` (mentions already removed,
allowlist not yet checked), and passes it with a `Responder` bound to the conversation to the
dispatcher's `handle`. The dispatcher answers only through the `Responder`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from zeroclaw_py.providers.base import ImagePart


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "telegram" | "discord" | "console" | "web" | a test channel name
    sender: str  # identity for routes/histories: Telegram username or id, Discord author id, ...
    chat: str  # where the message came from (chat id, channel id, web session id)
    text: str  # mentions already removed; may be empty when only an image was sent
    message_id: str = ""
    thread: str | None = None  # forum topic / thread id, replies go there
    is_private: bool = True  # DM / private chat (allowlist refusals are answered only here)
    sender_id: str | None = None  # numeric/platform id when `sender` is a username
    sender_aliases: tuple[str, ...] = ()  # other identities the allowlist may name (username/id)
    images: tuple[ImagePart, ...] = ()
    unsupported_attachments: tuple[str, ...] = ()  # e.g. ("voice", "document report.pdf")


@dataclass(frozen=True)
class Answer:
    """The final answer of a turn, with who produced it (a fallback may have)."""

    text: str
    provider: str
    model: str


class Responder(Protocol):
    """How the dispatcher talks back to one conversation on one channel."""

    @property
    def streams(self) -> bool:
        """True when the channel shows tokens as they arrive (then `token` is called)."""
        ...

    async def send(self, text: str) -> None:
        """A complete message: command replies, notices, errors."""
        ...

    async def token(self, text: str) -> None:
        """One streamed delta of the answer being produced (only when `streams`)."""
        ...

    async def finish(self, answer: Answer) -> None:
        """The final answer. When tokens were streamed, this finalises that message."""
        ...

    def typing(self) -> AbstractAsyncContextManager[None]:
        """Keep a typing indicator alive while a turn runs."""
        ...


MessageHandler = Callable[[InboundMessage, Responder], Awaitable[None]]
