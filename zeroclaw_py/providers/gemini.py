"""Google Gemini `generateContent` / `streamGenerateContent?alt=sse`.

`base_url` includes `/v1beta`. The key travels in the `x-goog-api-key` header rather than the
`key=` query parameter so it never appears in a logged URL. Roles map to `user` / `model`;
system messages become `systemInstruction`; images are `inline_data` parts. Gemini has no
end-of-stream sentinel: a stream whose last chunk carries no `finishReason` was cut.
"""

from __future__ import annotations

from typing import Any

from zeroclaw_py.errors import BadRequestError
from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Usage,
)
from zeroclaw_py.providers.scrub import SCRUBBER
from zeroclaw_py.providers.sse import StreamDecoder
from zeroclaw_py.providers.wire import (
    HttpCall,
    WireProvider,
    alternating_turns,
    b64,
    sampling_options,
    system_prompt,
    token_usage,
)

_ROLES = {"user": "user", "assistant": "model"}
MODELS_PAGE_SIZE = "200"
MAX_MODEL_PAGES = 10


def _parts(message: Message) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
    parts.extend(
        {"inline_data": {"mime_type": image.mime_type, "data": b64(image.data)}}
        for image in message.images
    )
    return parts or [{"text": ""}]


def _usage(raw: Any) -> Usage | None:
    return token_usage(raw, "promptTokenCount", "candidatesTokenCount")


def _candidate(body: Any) -> dict[str, Any]:
    candidates = body.get("candidates") if isinstance(body, dict) else None
    return candidates[0] if candidates else {}


def _text(candidate: dict[str, Any]) -> str:
    parts = (candidate.get("content") or {}).get("parts") or []
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))


def check_blocked(provider_id: str, body: Any, model: str) -> None:
    feedback = body.get("promptFeedback") if isinstance(body, dict) else None
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        reason = SCRUBBER.sanitize(str(feedback["blockReason"]))
        raise BadRequestError(
            f"{provider_id} blocked the prompt ({reason})", provider=provider_id, model=model
        )


class _Decoder(StreamDecoder):
    """No end sentinel: a chunk carrying `finishReason` marks the stream complete at EOF."""

    end_marker = "finishReason"

    def feed(self, line: str) -> StreamEvent | None:
        chunk = self.sse_document(line)
        if chunk is None:
            return None
        check_blocked(self.provider.id, chunk, self.request.model)
        if usage := chunk.get("usageMetadata"):
            self.usage = _usage(usage)
        candidate = _candidate(chunk)
        if finish := candidate.get("finishReason"):
            self.finish = finish  # not `done`: a usage-only or error chunk may still follow
        text = _text(candidate)
        return TextDelta(text) if text else None

    def end(self) -> StreamEnd:
        self.done = self.finish is not None
        return super().end()


class GeminiProvider(WireProvider):
    wire = "gemini"
    decoder = _Decoder

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key}

    def chat_call(self, request: ChatRequest, key: str | None, *, stream: bool) -> HttpCall:
        model = request.model.removeprefix("models/")
        body: dict[str, Any] = {
            "contents": [
                {"role": _ROLES[m.role], "parts": _parts(m)}
                for m in alternating_turns(request.messages)
            ]
        }
        if system := system_prompt(request.messages):
            body["systemInstruction"] = {"parts": [{"text": system}]}
        if generation := sampling_options(request, "maxOutputTokens"):
            body["generationConfig"] = generation
        action = "streamGenerateContent" if stream else "generateContent"
        params = {"alt": "sse"} if stream else None
        url = self.url(f"/models/{model}:{action}")
        return HttpCall("POST", url, self.headers(key), json=body, params=params)

    def parse_chat(self, body: Any, request: ChatRequest) -> ChatResponse:
        check_blocked(self.id, body, request.model)
        candidate = _candidate(body)
        return ChatResponse(
            text=_text(candidate),
            model=body.get("modelVersion") or request.model,
            usage=_usage(body.get("usageMetadata")),
            finish_reason=candidate.get("finishReason"),
        )

    def models_call(self, key: str | None) -> HttpCall:
        return HttpCall(
            "GET", self.url("/models"), self.headers(key), params={"pageSize": MODELS_PAGE_SIZE}
        )

    def parse_models(self, body: Any) -> list[str]:
        found: list[str] = []
        for model in body.get("models") or ():
            methods = model.get("supportedGenerationMethods")
            if methods is None or "generateContent" in methods:
                found.append(str(model.get("name", "")).removeprefix("models/"))
        return found

    async def list_models(self, *, api_key: str | None = None) -> list[str]:
        """Follows `nextPageToken` (bounded), keeping only generateContent models."""
        call = self.models_call(self.key_for(api_key))
        found: list[str] = []
        for _ in range(MAX_MODEL_PAGES):
            body = await self._get_json(call, None)
            found.extend(self.read_models(body))
            token = body.get("nextPageToken") if isinstance(body, dict) else None
            if not token:
                break
            call = HttpCall(
                "GET",
                call.url,
                call.headers,
                params={"pageSize": MODELS_PAGE_SIZE, "pageToken": str(token)},
            )
        return found
