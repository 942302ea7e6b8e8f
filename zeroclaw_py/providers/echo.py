"""The offline `echo` provider: the zero-config default (SPEC §11) and a deterministic test double.

Reply format (other tests rely on it exactly):

    [<model>] <text of the last user message>

followed by ` (+1 image)` / ` (+N images)` when that message carries images. With no user
message the text part is empty (`[<model>] `). `stream()` yields the same text word by word:
one `TextDelta` per word including the whitespace after it (the deltas concatenate to the
`chat()` text), then `StreamEnd(usage, "stop")`. Usage counts whitespace-separated words:
input = all request messages, output = the reply. Any model id is accepted; `list_models()`
returns `["echo"]`; keys are ignored; nothing touches the network.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Usage,
)

_WORD = re.compile(r"\s*\S+\s*")


def echo_text(request: ChatRequest) -> str:
    last = next((m for m in reversed(request.messages) if m.role == "user"), None)
    text = f"[{request.model}] {last.content if last else ''}"
    if last and last.images:
        count = len(last.images)
        text += f" (+{count} image{'s' if count > 1 else ''})"
    return text


def _usage(request: ChatRequest, reply: str) -> Usage:
    prompt_words = sum(len(m.content.split()) for m in request.messages)
    return Usage(input_tokens=prompt_words, output_tokens=len(reply.split()))


class EchoProvider:
    """Answers by repeating the last user message with the model name."""

    def __init__(self, provider_id: str = "echo") -> None:
        self._id = provider_id

    @property
    def id(self) -> str:
        return self._id

    async def chat(self, request: ChatRequest, *, api_key: str | None = None) -> ChatResponse:
        text = echo_text(request)
        return ChatResponse(
            text=text, model=request.model, usage=_usage(request, text), finish_reason="stop"
        )

    async def stream(
        self, request: ChatRequest, *, api_key: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        text = echo_text(request)
        for piece in _WORD.findall(text):
            yield TextDelta(piece)
        yield StreamEnd(usage=_usage(request, text), finish_reason="stop")

    async def list_models(self, *, api_key: str | None = None) -> list[str]:
        return ["echo"]

    async def warmup(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
