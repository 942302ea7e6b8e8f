"""Anthropic Messages API (`anthropic` and `anthropic-custom:` providers).

`base_url` is the host root; `/v1/messages` and `/v1/models` are appended. Auth is `x-api-key`,
or `Authorization: Bearer` plus the OAuth beta header for `sk-ant-oat01-` setup tokens. System
messages are joined into the top-level `system` field; images are base64 `image` blocks. A stream
that ends without `message_stop` is a StreamDroppedError; an `error` event is classified like an
HTTP error body; unknown event types (`ping`, future ones) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    Message,
    StreamEvent,
    TextDelta,
    Usage,
)
from zeroclaw_py.providers.sse import StreamDecoder
from zeroclaw_py.providers.wire import (
    HttpCall,
    WireProvider,
    alternating_turns,
    b64,
    system_prompt,
)

API_VERSION = "2023-06-01"
OAUTH_PREFIX = "sk-ant-oat01-"
OAUTH_BETA = "oauth-2025-04-20"
DEFAULT_MAX_TOKENS = 4096


def _content(message: Message) -> Any:
    if not message.images:
        return message.content
    blocks: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": image.mime_type, "data": b64(image.data)},
        }
        for image in message.images
    ]
    if message.content:  # Anthropic rejects empty text blocks (an image without a caption)
        blocks.append({"type": "text", "text": message.content})
    return blocks


def _usage(raw: Any, previous: Usage | None = None) -> Usage | None:
    if not isinstance(raw, dict):
        return previous
    base = previous or Usage()
    return Usage(
        input_tokens=int(raw.get("input_tokens") or base.input_tokens),
        output_tokens=int(raw.get("output_tokens") or base.output_tokens),
    )


class _Decoder(StreamDecoder):
    """Reads the JSON `type` of each `data:` line (it repeats the SSE `event:` name)."""

    end_marker = "message_stop"

    def feed(self, line: str) -> StreamEvent | None:
        event = self.sse_document(line)  # an `error` event raises here
        if event is None:
            return None
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                return TextDelta(delta["text"])
        elif kind == "message_start":
            self.usage = _usage((event.get("message") or {}).get("usage"), self.usage)
        elif kind == "message_delta":
            self.usage = _usage(event.get("usage"), self.usage)
            self.finish = (event.get("delta") or {}).get("stop_reason") or self.finish
        elif kind == "message_stop":
            self.done = True
        return None


class AnthropicProvider(WireProvider):
    wire = "anthropic"
    decoder = _Decoder
    base_headers: ClassVar[Mapping[str, str]] = {
        "content-type": "application/json",
        "anthropic-version": API_VERSION,
    }

    def auth_headers(self, key: str) -> dict[str, str]:
        """Setup tokens (OAuth) go as Bearer with the beta flag; API keys as `x-api-key`."""
        if key.startswith(OAUTH_PREFIX):
            return {"authorization": f"Bearer {key}", "anthropic-beta": OAUTH_BETA}
        return {"x-api-key": key}

    def chat_call(self, request: ChatRequest, key: str | None, *, stream: bool) -> HttpCall:
        system = system_prompt(request.messages)
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [
                {"role": m.role, "content": _content(m)}
                for m in alternating_turns(request.messages)
            ],
        }
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, 1.0)  # Anthropic caps at 1
        if stream:
            body["stream"] = True
        return HttpCall("POST", self.url("/v1/messages"), self.headers(key), json=body)

    def parse_chat(self, body: Any, request: ChatRequest) -> ChatResponse:
        blocks = body.get("content") or []
        text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
        return ChatResponse(
            text=text,
            model=body.get("model") or request.model,
            usage=_usage(body.get("usage")),
            finish_reason=body.get("stop_reason"),
        )

    def models_call(self, key: str | None) -> HttpCall:
        return HttpCall("GET", self.url("/v1/models"), self.headers(key), params={"limit": "1000"})

    def parse_models(self, body: Any) -> list[str]:
        return [str(m["id"]) for m in body.get("data") or () if isinstance(m, dict) and "id" in m]
