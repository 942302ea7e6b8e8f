"""Provider-neutral request/response types and the `Provider` protocol every wire implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ImagePart:
    """An image attached to a message, already downloaded."""

    data: bytes
    mime_type: str = "image/jpeg"


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ChatResponse:
    text: str
    model: str
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class TextDelta:
    """A piece of streamed text."""

    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The last event of a stream that completed normally."""

    usage: Usage | None = None
    finish_reason: str | None = None


StreamEvent = TextDelta | StreamEnd


@runtime_checkable
class Provider(Protocol):
    """One configured provider endpoint. Instances are shared by all conversations.

    `api_key` on a call overrides the instance's default credential (auth profiles rotate keys
    per call, so a key is never baked into the instance for good). Errors are raised as the
    `zeroclaw_py.errors.ProviderError` tree, already scrubbed.
    """

    @property
    def id(self) -> str:
        """Canonical provider id (regional ids stay regional: `qwen-intl`)."""
        ...

    async def chat(self, request: ChatRequest, *, api_key: str | None = None) -> ChatResponse: ...

    def stream(
        self, request: ChatRequest, *, api_key: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Yield `TextDelta`s, then one `StreamEnd`; a cut stream raises StreamDroppedError."""
        ...

    async def list_models(self, *, api_key: str | None = None) -> list[str]: ...

    async def warmup(self) -> None:
        """Open the connection (and a cheap request where the wire has one). Never fatal."""
        ...

    async def aclose(self) -> None: ...
