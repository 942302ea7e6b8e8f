"""Wire payloads of the fake provider: real response, stream-chunk and error shapes per wire.

Kept apart from the server so the shapes (which mirror what the vendors send, see
shared/reference/testing_ecosystem.md §3.4) can be read in one place.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

WIRES = ("openai", "anthropic", "gemini", "ollama")

# kind -> default HTTP status
ERROR_STATUS: dict[str, int] = {
    "auth": 401,
    "forbidden": 403,
    "billing": 402,
    "quota": 429,
    "not_found": 404,
    "rate_limit": 429,
    "context": 400,
    "bad_request": 400,
    "server": 500,
    "unavailable": 503,
    "overloaded": 529,
}

# kind -> (openai type, openai code, anthropic type, gemini status, message)
_ERRORS: dict[str, tuple[str, str | None, str, str, str]] = {
    "auth": (
        "invalid_request_error",
        "invalid_api_key",
        "authentication_error",
        "UNAUTHENTICATED",
        "Incorrect API key provided: {key}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    "forbidden": (
        "invalid_request_error",
        None,
        "permission_error",
        "PERMISSION_DENIED",
        "Your API key does not have permission to use the specified resource.",
    ),
    "billing": (
        "insufficient_quota",
        "insufficient_quota",
        "billing_error",
        "FAILED_PRECONDITION",
        "Your credit balance is too low to access this API. Please go to billing.",
    ),
    "quota": (
        "insufficient_quota",
        "insufficient_quota",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "not_found": (
        "invalid_request_error",
        "model_not_found",
        "not_found_error",
        "NOT_FOUND",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    "rate_limit": (
        "requests",
        "rate_limit_exceeded",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
        "Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3. "
        "Please try again in 2s.",
    ),
    "context": (
        "invalid_request_error",
        "context_length_exceeded",
        "invalid_request_error",
        "INVALID_ARGUMENT",
        "This model's maximum context length is 8192 tokens. However, your messages "
        "resulted in 9000 tokens. Please reduce the length of the messages.",
    ),
    "bad_request": (
        "invalid_request_error",
        None,
        "invalid_request_error",
        "INVALID_ARGUMENT",
        "messages: roles must alternate between user and assistant",
    ),
    "server": (
        "server_error",
        None,
        "api_error",
        "INTERNAL",
        "The server had an error while processing your request. Sorry about that!",
    ),
    "unavailable": (
        "server_error",
        None,
        "api_error",
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
    ),
    "overloaded": ("server_error", None, "overloaded_error", "UNAVAILABLE", "Overloaded"),
}

# Wire-specific wording where a vendor says it differently from OpenAI.
_WIRE_MESSAGES: dict[tuple[str, str], str] = {
    ("anthropic", "auth"): "invalid x-api-key",
    ("anthropic", "not_found"): "model: {model}",
    ("anthropic", "context"): "prompt is too long: 250000 tokens > 200000 maximum",
    ("gemini", "auth"): "API key not valid. Please pass a valid API key.",
    ("gemini", "not_found"): (
        "models/{model} is not found for API version v1beta, or is not supported for "
        "generateContent. Call ListModels to see the list of available models."
    ),
    ("gemini", "context"): (
        "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
    ),
    ("ollama", "auth"): "unauthorized",
    ("ollama", "not_found"): "model '{model}' not found",
    ("ollama", "context"): "input length exceeds the context length",
}


@dataclass(frozen=True)
class FakeError:
    """An error reply. `kind` picks a realistic body per wire; everything can be overridden."""

    kind: str = "server"
    status: int | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None  # sent as the `retry-after` header
    body: Any = None  # a complete body (dict or str) replacing the generated one

    @property
    def http_status(self) -> int:
        return self.status if self.status is not None else ERROR_STATUS.get(self.kind, 500)

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["retry-after"] = self.retry_after
        return headers


def error_body(wire: str, error: FakeError, *, model: str, key: str = "") -> Any:
    if error.body is not None:
        return error.body
    oa_type, oa_code, an_type, gm_status, text = _ERRORS.get(error.kind, _ERRORS["server"])
    template = error.message or _WIRE_MESSAGES.get((wire, error.kind), text)
    message = template.replace("{model}", model).replace("{key}", key or "sk-none")
    if wire == "openai":
        return {"error": {"message": message, "type": oa_type, "param": None, "code": oa_code}}
    if wire == "anthropic":
        return {"type": "error", "error": {"type": an_type, "message": message}}
    if wire == "gemini":
        body: dict[str, Any] = {
            "error": {"code": error.http_status, "message": message, "status": gm_status}
        }
        if error.kind == "rate_limit":
            body["error"]["details"] = [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
            ]
        if error.kind == "auth":
            body["error"]["details"] = [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ]
        return body
    return {"error": message}


# --- successful replies ----------------------------------------------------------------------


def openai_reply(model: str, text: str, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }


def openai_chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


def openai_usage_chunk(model: str, usage: tuple[int, int]) -> dict[str, Any]:
    chunk = openai_chunk(model, {}, None)
    chunk["choices"] = []
    chunk["usage"] = {
        "prompt_tokens": usage[0],
        "completion_tokens": usage[1],
        "total_tokens": sum(usage),
    }
    return chunk


def anthropic_reply(model: str, text: str, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def gemini_chunk(
    model: str, text: str, finish: str | None, usage: tuple[int, int] | None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    if finish:
        candidate["finishReason"] = finish
    chunk: dict[str, Any] = {"candidates": [candidate], "modelVersion": model}
    if usage is not None:
        chunk["usageMetadata"] = {
            "promptTokenCount": usage[0],
            "candidatesTokenCount": usage[1],
            "totalTokenCount": sum(usage),
        }
    return chunk


def ollama_line(model: str, text: str, done: bool, usage: tuple[int, int] | None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "model": model,
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        line["done_reason"] = "stop"
        if usage is not None:
            line["prompt_eval_count"], line["eval_count"] = usage
    return line


def models_body(wire: str, ids: list[str]) -> Any:
    if wire == "openai":
        return {
            "object": "list",
            "data": [{"id": i, "object": "model", "created": 0, "owned_by": "fake"} for i in ids],
        }
    if wire == "anthropic":
        return {
            "data": [
                {"type": "model", "id": i, "display_name": i, "created_at": "2025-01-01T00:00:00Z"}
                for i in ids
            ],
            "has_more": False,
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
        }
    if wire == "gemini":
        models = [
            {
                "name": f"models/{i}",
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            }
            for i in ids
        ]
        models.append(
            {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]}
        )
        return {"models": models}
    return {"models": [{"name": i, "model": i, "size": 1, "digest": "0" * 12} for i in ids]}


# --- streams -----------------------------------------------------------------------------


EXTRA_FORBIDDEN = {
    "object": "error",
    "message": {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["body", "stream_options"],
                "msg": "Extra inputs are not permitted",
                "input": {"include_usage": True},
            }
        ]
    },
    "type": "invalid_request_message_error",
    "param": None,
    "code": None,
}
PREAMBLE = {"openai": 1, "anthropic": 3, "gemini": 0, "ollama": 0}


def frame(wire: str, name: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    if wire == "ollama":
        return (payload + "\n").encode()
    if wire == "openai" or wire == "gemini":
        return f"data: {payload}\n\n".encode()
    return f"event: {name}\ndata: {payload}\n\n".encode()


def stream_events(
    wire: str, model: str, chunks: list[str], usage: tuple[int, int]
) -> list[tuple[str | None, Any]]:
    """The full event sequence of a successful stream; the first PREAMBLE[wire] carry no text."""
    last = len(chunks) - 1
    if wire == "openai":
        events: list[tuple[str | None, Any]] = [
            (None, openai_chunk(model, {"role": "assistant", "content": ""}, None))
        ]
        events += [(None, openai_chunk(model, {"content": c}, None)) for c in chunks]
        events += [
            (None, openai_chunk(model, {}, "stop")),
            (None, openai_usage_chunk(model, usage)),
            (None, "[DONE]"),
        ]
        return events
    if wire == "anthropic":
        start = anthropic_reply(model, "", (usage[0], 1))
        start["content"], start["stop_reason"] = [], None
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": c},
                },
            )
            for c in chunks
        ]
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": usage[1]},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        return events
    if wire == "gemini":
        return [
            (
                None,
                gemini_chunk(model, c, "STOP" if i == last else None, usage if i == last else None),
            )
            for i, c in enumerate(chunks)
        ]
    events = [(None, ollama_line(model, c, False, None)) for c in chunks]
    events.append((None, ollama_line(model, "", True, usage)))
    return events


def plain_reply(wire: str, model: str, text: str, usage: tuple[int, int]) -> Any:
    if wire == "openai":
        return openai_reply(model, text, usage)
    if wire == "anthropic":
        return anthropic_reply(model, text, usage)
    if wire == "gemini":
        return gemini_chunk(model, text, "STOP", usage)
    return ollama_line(model, text, True, usage)
