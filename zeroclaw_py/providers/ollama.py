"""Ollama native `/api/chat` (NDJSON streaming) and `/api/tags`.

`base_url` is the host root. A key is optional (Ollama Cloud or an authenticating proxy) and
sent as a Bearer token. Images are base64 strings in the message's `images` list. A stream that
ends without a `"done": true` line is a StreamDroppedError; an `{"error": ...}` line is
classified like an HTTP error body.
"""

from __future__ import annotations

from typing import Any

from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    Message,
    StreamEvent,
    TextDelta,
    Usage,
)
from zeroclaw_py.providers.sse import StreamDecoder
from zeroclaw_py.providers.wire import HttpCall, WireProvider, b64, sampling_options, token_usage


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.images:
        out["images"] = [b64(image.data) for image in message.images]
    return out


def _usage(body: dict[str, Any]) -> Usage | None:
    """Ollama puts the counters on the final message itself; a body without them has none."""
    if "prompt_eval_count" not in body and "eval_count" not in body:
        return None
    return token_usage(body, "prompt_eval_count", "eval_count")


class _Decoder(StreamDecoder):
    end_marker = "done:true"

    def feed(self, line: str) -> StreamEvent | None:
        chunk = self.document(line)
        if chunk is None:
            return None
        if chunk.get("done"):
            self.done = True
            self.usage = _usage(chunk)
            self.finish = chunk.get("done_reason")
        text = (chunk.get("message") or {}).get("content")
        return TextDelta(text) if text else None


class OllamaProvider(WireProvider):
    wire = "ollama"
    decoder = _Decoder

    def chat_call(self, request: ChatRequest, key: str | None, *, stream: bool) -> HttpCall:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [_message(m) for m in request.messages],
            "stream": stream,
        }
        if options := sampling_options(request, "num_predict"):
            body["options"] = options
        return HttpCall("POST", self.url("/api/chat"), self.headers(key), json=body)

    def parse_chat(self, body: Any, request: ChatRequest) -> ChatResponse:
        return ChatResponse(
            text=(body.get("message") or {}).get("content") or "",
            model=body.get("model") or request.model,
            usage=_usage(body),
            finish_reason=body.get("done_reason"),
        )

    def models_call(self, key: str | None) -> HttpCall:
        return HttpCall("GET", self.url("/api/tags"), self.headers(key))

    def parse_models(self, body: Any) -> list[str]:
        return [
            str(m["name"]) for m in body.get("models") or () if isinstance(m, dict) and "name" in m
        ]
