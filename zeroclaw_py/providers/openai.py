"""OpenAI chat completions: OpenAI itself and every OpenAI-compatible provider in the registry.

`base_url` includes the version path (`https://api.openai.com/v1`); `/chat/completions` and
`/models` are appended (a base already ending in `/chat/completions` is used as is). Streaming
asks for `stream_options.include_usage` so the final chunk carries token usage (dropped once
for servers that reject it); a stream that
stops before `data: [DONE]` is a StreamDroppedError. Images go as `image_url` data URLs.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

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
    WireSettings,
    b64,
    sampling_options,
    token_usage,
)

_COMPLETIONS = "/chat/completions"
log = logging.getLogger("zeroclaw.providers")


def data_url(mime_type: str, data: bytes) -> str:
    return f"data:{mime_type};base64,{b64(data)}"


def _content(message: Message) -> Any:
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    parts.extend(
        {"type": "image_url", "image_url": {"url": data_url(image.mime_type, image.data)}}
        for image in message.images
    )
    return parts


def _usage(raw: Any) -> Usage | None:
    return token_usage(raw, "prompt_tokens", "completion_tokens")


class _Decoder(StreamDecoder):
    """One `data:` line per chunk; only the first choice is read (we never ask for `n > 1`)."""

    end_marker = "[DONE]"

    def feed(self, line: str) -> StreamEvent | None:
        if not line.startswith("data:"):  # sse_data() inlined: this runs once per token
            if line.startswith("{") and '"error"' in line:
                raise self.fail(line)  # some compatible servers answer a stream with plain JSON
            return None
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return None
        chunk = self.document(data)
        if chunk is None:
            return None
        if usage := chunk.get("usage"):
            self.usage = _usage(usage)
        if choices := chunk.get("choices"):
            choice = choices[0]
            if finish := choice.get("finish_reason"):
                self.finish = finish
            delta = choice.get("delta")
            if delta and (text := delta.get("content")):
                return TextDelta(text)
        return None


class OpenAIProvider(WireProvider):
    wire = "openai"
    decoder = _Decoder

    def __init__(self, settings: WireSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        self._stream_usage = settings.stream_usage
        self._no_temperature: set[str] = set()  # models that only accept the default
        self._completion_tokens: set[str] = set()  # models wanting `max_completion_tokens`

    def adapt_request(
        self, request: ChatRequest, status: int, body: bytes, *, stream: bool
    ) -> bool:
        """Learn three common refusals (400/422) and retry once without the offending field:
        `stream_options` (Mistral, Azure, Databricks, some vLLM builds: usage then comes only
        if the server sends it anyway), a non-default `temperature` (OpenAI reasoning models)
        and `max_tokens` instead of `max_completion_tokens` (same models)."""
        if status not in (400, 422):
            return False
        model = request.model
        if stream and self._stream_usage and b"stream_options" in body:
            self._stream_usage = False
        elif (
            b"temperature" in body
            and request.temperature is not None
            and model not in self._no_temperature
        ):
            self._no_temperature.add(model)
        elif b"max_completion_tokens" in body and model not in self._completion_tokens:
            self._completion_tokens.add(model)
        else:
            return False
        log.info("provider refused a request field; retrying without it provider=%s", self.id)
        return True

    def _completions_url(self) -> str:
        base = self.settings.base_url.rstrip("/")
        return base if base.endswith(_COMPLETIONS) else base + _COMPLETIONS

    def chat_call(self, request: ChatRequest, key: str | None, *, stream: bool) -> HttpCall:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": _content(m)} for m in request.messages],
        }
        tokens_field = (
            "max_completion_tokens" if request.model in self._completion_tokens else "max_tokens"
        )
        body.update(sampling_options(request, tokens_field))
        if request.model in self._no_temperature:
            body.pop("temperature", None)
        if stream:
            body["stream"] = True
            if self._stream_usage:
                body["stream_options"] = {"include_usage": True}
        return HttpCall("POST", self._completions_url(), self.headers(key), json=body)

    def parse_chat(self, body: Any, request: ChatRequest) -> ChatResponse:
        choice = (body.get("choices") or [{}])[0] if isinstance(body, dict) else {}
        message = choice.get("message") or {}
        return ChatResponse(
            text=message.get("content") or "",
            model=body.get("model") or request.model,
            usage=_usage(body.get("usage")),
            finish_reason=choice.get("finish_reason"),
        )

    def models_call(self, key: str | None) -> HttpCall:
        base = self.settings.base_url.rstrip("/").removesuffix(_COMPLETIONS)
        return HttpCall("GET", base + "/models", self.headers(key))

    def parse_models(self, body: Any) -> list[str]:
        items = body.get("data", []) if isinstance(body, dict) else body
        return [str(item["id"]) for item in items or () if isinstance(item, dict) and "id" in item]
