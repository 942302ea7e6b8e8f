"""The error boundary: HTTP statuses, error bodies and httpx exceptions -> `zeroclaw_py.errors`.

Every wire client funnels failures through `http_error` (a response or an in-stream error event)
or `transport_error` (an httpx exception), so classification lives in exactly one place and every
message is scrubbed and cut to 200 characters on the way out. Messages read
`<provider> API error (<status> <reason>): <detail>`, where detail is the error message from the
JSON body when there is one (OpenAI/Anthropic/Gemini/Ollama shapes), else the raw body.

Decision order: body phrases (context overflow, billing, model not found, auth) for 4xx
responses, because vendors disagree on statuses (OpenAI's exhausted quota is a 429, Gemini's bad
key a 400); then the status table; then "other 4xx" / "anything else".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import httpx

from zeroclaw_py.errors import (
    AuthError,
    BadRequestError,
    BillingError,
    ContextOverflowError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    StreamDroppedError,
    TransientError,
)
from zeroclaw_py.providers.scrub import SCRUBBER

# (error class, lower-case phrases) — first match wins, only for 4xx statuses.
_PHRASES: tuple[tuple[type[ProviderError], tuple[str, ...]], ...] = (
    (
        ContextOverflowError,
        (
            "context_length_exceeded",
            "maximum context length",
            "context length",
            "context window",
            "prompt is too long",
            "too many tokens",
            "input is too long",
            "exceeds the maximum number of tokens",
            "input token count",
            "reduce the length of the messages",
        ),
    ),
    (
        BillingError,
        (
            "insufficient_quota",
            "insufficient credits",
            "insufficient balance",
            "credit balance is too low",
            "exceeded your current quota",
            "payment required",
            "billing",
        ),
    ),
    (
        ModelNotFoundError,
        (
            "model_not_found",
            "model not found",
            "does not exist",
            "unknown model",
            "no such model",
            "not found for api version",
            "unsupported model",
            "model is not supported",
            "not supported for generatecontent",
            "invalid model",
        ),
    ),
    (
        AuthError,
        (
            "invalid api key",
            "incorrect api key",
            "invalid x-api-key",
            "api key not valid",
            "api_key_invalid",
            "invalid_api_key",
            "authentication_error",
            "api key expired",
            "invalid token",
            "unauthorized",
        ),
    ),
)

_STATUS: Mapping[int, type[ProviderError]] = {
    401: AuthError,
    403: AuthError,
    402: BillingError,
    404: ModelNotFoundError,
    408: ProviderTimeout,
    409: TransientError,
    425: TransientError,
    429: RateLimitError,
}

# In-stream error events carry a type instead of a status; map it to the status it stands for.
_TYPE_STATUS: Mapping[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "permission_denied": 403,
    "billing_error": 402,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "resource_exhausted": 429,
    "api_error": 500,
    "server_error": 500,
    "internal": 500,
    "unavailable": 503,
    "overloaded_error": 529,
}

_REASONS: Mapping[int, str] = {529: "Overloaded"}

# httpx exception -> (our class, wording); looked up along the exception's MRO.
_TRANSPORT: Mapping[type[Exception], tuple[type[ProviderError], str]] = {
    httpx.ConnectTimeout: (ProviderConnectionError, "connection timed out"),
    httpx.TimeoutException: (ProviderTimeout, "request timed out"),
    httpx.ConnectError: (ProviderConnectionError, "connection failed"),
    httpx.RemoteProtocolError: (ProviderConnectionError, "connection closed unexpectedly"),
    httpx.ReadError: (ProviderConnectionError, "connection reset"),
    httpx.WriteError: (ProviderConnectionError, "connection reset while sending"),
    httpx.NetworkError: (ProviderConnectionError, "network error"),
    httpx.UnsupportedProtocol: (ProviderConnectionError, "unsupported URL"),
    httpx.InvalidURL: (ProviderConnectionError, "invalid URL"),  # not an HTTPError subclass
    httpx.ProtocolError: (ProviderConnectionError, "protocol error"),
    httpx.DecodingError: (TransientError, "undecodable response"),
    httpx.HTTPError: (TransientError, "HTTP error"),
}

_TRY_AGAIN = re.compile(r"try again in\s+(\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def status_text(status: int) -> str:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = _REASONS.get(status, "")
    return f"{status} {reason}".rstrip()


def _error_object(body: Any) -> Mapping[str, Any] | None:
    if isinstance(body, list) and body:  # Gemini streams errors as a one-element array
        body = body[0]
    if not isinstance(body, Mapping):
        return None
    err = body.get("error")
    if isinstance(err, Mapping):
        return err
    if isinstance(err, str):  # Ollama: {"error": "model 'x' not found"}
        return {"message": err}
    return body if "message" in body else None


def _detail(body_text: str, parsed: Any) -> str:
    err = _error_object(parsed)
    if err is not None and isinstance(err.get("message"), str) and err["message"].strip():
        return str(err["message"]).strip()
    return body_text.strip() or "(empty body)"


def _type_status(parsed: Any) -> int | None:
    err = _error_object(parsed)
    if err is None:
        return None
    code = err.get("code")
    if isinstance(code, int) and 400 <= code <= 599:
        return code
    for key in ("type", "status", "code"):
        value = err.get(key)
        if isinstance(value, str) and value.lower() in _TYPE_STATUS:
            return _TYPE_STATUS[value.lower()]
    return None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def retry_after_seconds(
    headers: Mapping[str, str] | httpx.Headers | None, parsed: Any, text: str = ""
) -> float | None:
    """Retry-After from `retry-after-ms`, `retry-after` (seconds or HTTP date), or the body."""
    hdrs = httpx.Headers(headers or {})
    if (ms := hdrs.get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    if (value := hdrs.get("retry-after")) is not None:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
            except (TypeError, ValueError, IndexError):
                pass
    return _body_retry_after(parsed, text)


def _body_retry_after(parsed: Any, text: str) -> float | None:
    err = _error_object(parsed) or {}
    for detail in err.get("details", ()) if isinstance(err.get("details"), list) else ():
        delay = detail.get("retryDelay") if isinstance(detail, Mapping) else None
        if isinstance(delay, str) and (match := _DURATION.match(delay)):
            return float(match.group(1))
    for holder in (err, parsed if isinstance(parsed, Mapping) else {}):
        value = holder.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    if match := _TRY_AGAIN.search(text):
        amount = float(match.group(1))
        return amount / 1000.0 if match.group(2).lower() == "ms" else amount
    return None


def _class_for(status: int, lowered: str) -> type[ProviderError]:
    if 400 <= status < 500:
        for cls, phrases in _PHRASES:
            if any(phrase in lowered for phrase in phrases):
                if cls is AuthError and status == 429:
                    continue
                return cls
    if status in _STATUS:
        return _STATUS[status]
    if 400 <= status < 500:
        return BadRequestError
    return TransientError


def http_error(
    provider: str,
    status: int | None,
    body: str | bytes,
    *,
    headers: Mapping[str, str] | httpx.Headers | None = None,
    model: str | None = None,
) -> ProviderError:
    """Classify an error response (or an in-stream error event when `status` is None)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    parsed = _parse_json(text)
    effective = status if status is not None else (_type_status(parsed) or 500)
    detail = _detail(text, parsed)
    cls = _class_for(effective, f"{text}\n{detail}".lower())
    label = status_text(status) if status is not None else "stream error"
    message = f"{provider} API error ({label}): {SCRUBBER.sanitize(detail)}"
    message = SCRUBBER.scrub(message)
    retry_after = retry_after_seconds(headers, parsed, text) if effective == 429 else None
    if cls is BillingError and retry_after is not None:
        cls = RateLimitError  # Gemini words per-minute quotas like billing, but says when to retry
    if issubclass(cls, RateLimitError):
        return RateLimitError(
            message,
            retry_after=retry_after,
            provider=provider,
            model=model,
            status=status,
        )
    return cls(message, provider=provider, model=model, status=status)


def transport_error(provider: str, exc: Exception, *, model: str | None = None) -> ProviderError:
    """Classify an exception raised while sending (no response, or the connection died).

    Mostly httpx's; the socket layer under it can also raise plain OSError / OverflowError (a
    port out of range), wrapped in an ExceptionGroup by anyio's happy-eyeballs connect: those
    are connection failures too, described by their first leaf."""
    while isinstance(exc, ExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    for klass in type(exc).__mro__:
        if klass in _TRANSPORT:
            cls, wording = _TRANSPORT[klass]
            break
    else:
        cls, wording = ProviderConnectionError, "connection failed"
    detail = SCRUBBER.sanitize(str(exc).strip() or type(exc).__name__)
    return cls(f"{provider} {wording}: {detail}", provider=provider, model=model)


def stream_dropped(provider: str, *, model: str | None = None, cause: str = "") -> ProviderError:
    suffix = f" ({SCRUBBER.sanitize(cause)})" if cause else ""
    return StreamDroppedError(
        f"{provider} stream ended before the provider finished{suffix}",
        provider=provider,
        model=model,
    )


# What a parser raises on a well-formed JSON document of the wrong shape (a list for an object,
# a number for a list of parts): the provider's fault, reported like a server error.
SHAPE_ERRORS: tuple[type[Exception], ...] = (
    AttributeError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
)


def malformed(provider: str, exc: Exception, *, model: str | None = None) -> ProviderError:
    """A response (or stream chunk) the wire could not read: a server-side error to retry."""
    return TransientError(
        f"{provider} API error: unexpected response ({type(exc).__name__})",
        provider=provider,
        model=model,
    )


def unsendable_key(provider: str) -> ProviderError:
    """The key holds characters no HTTP header may carry; the message never quotes it."""
    return AuthError(
        f"{provider} API key contains a control or non-ASCII character and cannot be sent; "
        "check the key where it is configured (a stray control character from a copy-paste?).",
        provider=provider,
    )


def missing_key(provider: str, env_vars: tuple[str, ...]) -> ProviderError:
    hint = f" Set {' or '.join(env_vars)}," if env_vars else " Set"
    return AuthError(
        f"{provider} API key not set.{hint} providers.{provider}.api_key or api_key in "
        "config.toml, or run `zeroclaw login " + provider + "`.",
        provider=provider,
    )
