"""The error boundary: realistic error bodies of each wire -> the typed error tree, scrubbed."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx
import pytest

from tests.fakes.provider_server import FakeError, FakeProvider, fake_provider
from tests.provider_support import http, wire_client
from zeroclaw_py.config.schema import Config, ProviderSettings
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
from zeroclaw_py.providers import classify, registry
from zeroclaw_py.providers.base import ChatRequest, Message, Provider, TextDelta
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.scrub import register_secret

pytestmark = pytest.mark.anyio
__all__ = ["fake_provider", "http"]

WIRES = ["openai", "anthropic", "gemini", "ollama"]
REQUEST = ChatRequest(model="m-1", messages=(Message("user", "hi"),))
KINDS: list[tuple[str, type[ProviderError]]] = [
    ("auth", AuthError),
    ("forbidden", AuthError),
    ("billing", BillingError),
    ("quota", BillingError),
    ("not_found", ModelNotFoundError),
    ("rate_limit", RateLimitError),
    ("context", ContextOverflowError),
    ("bad_request", BadRequestError),
    ("server", TransientError),
    ("unavailable", TransientError),
    ("overloaded", TransientError),
]


async def drain(provider: Provider, request: ChatRequest = REQUEST) -> str:
    return "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(("kind", "expected"), KINDS)
async def test_http_errors_classified_per_wire(
    fake_provider: FakeProvider,
    http: httpx.AsyncClient,
    wire: str,
    kind: str,
    expected: type[ProviderError],
) -> None:
    fake_provider.script("m-1", error=kind)
    provider = wire_client(fake_provider, wire, http)
    with pytest.raises(ProviderError) as plain:
        await provider.chat(REQUEST)
    assert type(plain.value) is expected
    assert plain.value.provider == wire
    assert str(plain.value).startswith(f"{wire} API error ({plain.value.status} ")
    with pytest.raises(ProviderError) as streamed:
        await drain(provider)
    assert type(streamed.value) is expected


async def test_gemini_bad_key_is_a_400_yet_auth(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    fake_provider.script("m-1", error=FakeError("auth", status=400))
    with pytest.raises(AuthError, match=r"\(400 Bad Request\): API key not valid"):
        await wire_client(fake_provider, "gemini", http).chat(REQUEST)


async def rate_limit_delay(
    fake: FakeProvider, wire: str, http: httpx.AsyncClient, **script: Any
) -> float | None:
    """Script a rate-limited `m-1` (kwargs as `fake.script`) and return the error's retry_after."""
    fake.script("m-1", **{"error": "rate_limit", **script})
    with pytest.raises(RateLimitError) as err:
        await wire_client(fake, wire, http).chat(REQUEST)
    return err.value.retry_after


async def test_retry_after_seconds_header(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    assert await rate_limit_delay(fake_provider, "anthropic", http, retry_after="17") == 17.0


async def test_retry_after_http_date_header(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    delay = await rate_limit_delay(fake_provider, "openai", http, retry_after=when)
    assert delay is not None
    assert 27 <= delay <= 31


async def test_retry_after_ms_header_wins(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    headers = {"retry-after-ms": "1500"}
    delay = await rate_limit_delay(fake_provider, "openai", http, retry_after="9", headers=headers)
    assert delay == 1.5


@pytest.mark.parametrize(("wire", "seconds"), [("gemini", 7.0), ("openai", 2.0)])
async def test_retry_after_from_body(
    fake_provider: FakeProvider, http: httpx.AsyncClient, wire: str, seconds: float
) -> None:
    # no header: Gemini's RetryInfo detail / OpenAI's "try again in 2s"
    assert await rate_limit_delay(fake_provider, wire, http) == seconds


async def test_gemini_quota_429_with_retry_info_is_a_rate_limit(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    quota = "You exceeded your current quota, please check your plan and billing details."
    error = FakeError("rate_limit", message=quota)
    assert await rate_limit_delay(fake_provider, "gemini", http, error=error) == 7.0


async def test_json_error_document_on_a_200_stream(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    body = '{"error": {"message": "model overloaded", "type": "server_error"}}'
    provider = wire_client(fake_provider, "openai", http)
    # some OpenAI-compatible servers answer a stream request with a bare JSON error line
    decoder = provider.stream_decoder(REQUEST)  # type: ignore[attr-defined]
    with pytest.raises(TransientError, match="model overloaded"):
        decoder.feed(body)
    # ... others send it as the first SSE event
    fake_provider.script("m-1", chunks=[], stream_error=FakeError("server", body=body))
    with pytest.raises(TransientError, match="model overloaded"):
        await drain(provider)


def test_retry_after_absent_and_garbage() -> None:
    assert classify.retry_after_seconds({"retry-after": "soon"}, None, "") is None
    assert classify.retry_after_seconds(None, {"error": {"retry_after": 4}}, "") == 4.0


@pytest.mark.parametrize("wire", WIRES)
async def test_stream_cut_midway_is_stream_dropped(
    fake_provider: FakeProvider, http: httpx.AsyncClient, wire: str
) -> None:
    fake_provider.script("m-1", reply="one two three four", cut_after=2)
    received: list[str] = []

    async def consume() -> None:
        async for event in wire_client(fake_provider, wire, http).stream(REQUEST):
            if isinstance(event, TextDelta):
                received.append(event.text)

    with pytest.raises(StreamDroppedError):
        await consume()
    assert received == ["one ", "two "]


@pytest.mark.parametrize("wire", WIRES)
async def test_in_stream_error_event(
    fake_provider: FakeProvider, http: httpx.AsyncClient, wire: str
) -> None:
    fake_provider.script("m-1", reply="a b c", cut_after=1, stream_error="overloaded")
    with pytest.raises(TransientError, match="stream error"):
        await drain(wire_client(fake_provider, wire, http))


async def test_read_timeout_between_chunks(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    fake_provider.script("m-1", reply="a b", chunk_delay=0.6)
    with pytest.raises(ProviderTimeout):
        await drain(wire_client(fake_provider, "openai", http, timeout=0.2))


async def test_slow_first_byte_times_out(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    fake_provider.script("m-1", reply="late", delay=0.6)
    with pytest.raises(ProviderTimeout, match="openai request timed out"):
        await wire_client(fake_provider, "openai", http, timeout=0.2).chat(REQUEST)


async def test_connection_refused(http: httpx.AsyncClient) -> None:
    spec = registry.resolve("custom:http://127.0.0.1:9/v1")
    assert spec is not None
    provider = create_provider(spec, Config(), http)
    with pytest.raises(ProviderConnectionError, match="connection failed"):
        await provider.chat(REQUEST)
    with pytest.raises(ProviderConnectionError):
        await drain(provider)


async def test_missing_key_fails_before_any_request(
    fake_provider: FakeProvider, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("OPENAI_API_KEY", "ZEROCLAW_API_KEY", "API_KEY"):
        monkeypatch.delenv(var, raising=False)
    spec = registry.resolve("openai")
    assert spec is not None
    config = Config(
        providers={"openai": ProviderSettings(api_url=fake_provider.base_url("openai"))}
    )
    with pytest.raises(AuthError, match="OPENAI_API_KEY"):
        await create_provider(spec, config, http).chat(REQUEST)
    assert fake_provider.requests == []


# --- scrubbing at the boundary ---------------------------------------------------------------


async def test_key_echoed_in_json_error_body_is_scrubbed(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    register_secret("k-test-123")  # what the factory does for configured keys
    fake_provider.script("m-1", error="auth")  # OpenAI's body quotes the key it got
    with pytest.raises(AuthError) as err:
        await wire_client(fake_provider, "openai", http).chat(REQUEST)
    assert "k-test-123" not in str(err.value)
    assert "Incorrect API key provided: [REDACTED]" in str(err.value)


async def test_prefixed_token_in_body_scrubbed_and_cut(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    message = "bad token sk-proj-AbC123xyz_987 " + "x" * 400
    fake_provider.script("m-1", error=FakeError("bad_request", message=message))
    with pytest.raises(BadRequestError) as err:
        await wire_client(fake_provider, "anthropic", http).chat(REQUEST)
    text = str(err.value)
    assert "AbC123xyz" not in text
    assert "[REDACTED]" in text
    assert text.endswith("...")
    detail = text.split("): ", 1)[1]
    assert len(detail) == 203


@pytest.mark.parametrize("wire", WIRES)
async def test_token_split_across_stream_chunks_never_leaks(
    fake_provider: FakeProvider, http: httpx.AsyncClient, wire: str
) -> None:
    secret = "sk-live-SPLITsecretVALUE42"
    register_secret("hunter2-plain-configured-key")
    stream_error = FakeError(
        "server", message=f"upstream rejected {secret} and hunter2-plain-configured-key"
    )
    fake_provider.script("m-1", reply="a b", stream_error=stream_error, split_frames=4)
    with pytest.raises(TransientError) as err:
        await drain(wire_client(fake_provider, wire, http))
    text = str(err.value)
    assert "SPLIT" not in text
    assert "sk-live" not in text
    assert "hunter2" not in text
    assert text.count("[REDACTED]") == 2


# --- the boundary holds for bad URLs and well-formed JSON of the wrong shape ----------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:99999/v1", "http://[::1/v1"],  # port out of range; httpx.InvalidURL
)
async def test_unusable_configured_url_is_a_connection_error(
    http: httpx.AsyncClient, url: str
) -> None:
    spec = registry.resolve("openai")
    assert spec is not None
    config = Config(providers={"openai": ProviderSettings(api_key="k-123456", api_url=url)})
    provider = create_provider(spec, config, http)
    with pytest.raises(ProviderConnectionError, match=r"^openai (connection failed|invalid URL)"):
        await provider.chat(REQUEST)
    with pytest.raises(ProviderConnectionError):
        await drain(provider)
    with pytest.raises(ProviderConnectionError):
        await provider.list_models()


def _shape_client(wire: str, body: bytes) -> tuple[Provider, httpx.AsyncClient]:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body))
    )
    spec = registry.resolve(wire)
    assert spec is not None
    config = Config(providers={spec.id: ProviderSettings(api_key="k-123456", api_url="http://h")})
    return create_provider(spec, config, client), client


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("body", [b"[]", b"null", b'"text"'])
async def test_wrong_shaped_json_is_a_transient_provider_error(wire: str, body: bytes) -> None:
    provider, client = _shape_client(wire, body)
    async with client:
        with pytest.raises(TransientError, match="unexpected response"):
            await provider.chat(REQUEST)


@pytest.mark.parametrize("wire", WIRES)
async def test_wrong_shaped_model_list_is_a_transient_provider_error(wire: str) -> None:
    provider, client = _shape_client(wire, b'{"data": 5, "models": 5}')
    async with client:
        with pytest.raises(TransientError, match="unexpected response"):
            await provider.list_models()


STREAM_CHUNKS = {
    "openai": b'data: {"choices": ["x"]}\n\n',
    "anthropic": b'data: {"type": "content_block_delta", "delta": 5}\n\n',
    "gemini": b'data: {"candidates": [5]}\n\n',
    "ollama": b'{"message": 5}\n',
}


@pytest.mark.parametrize("wire", WIRES)
async def test_wrong_shaped_stream_chunk_is_a_transient_provider_error(wire: str) -> None:
    provider, client = _shape_client(wire, STREAM_CHUNKS[wire])
    async with client:
        with pytest.raises(TransientError, match="unexpected response"):
            await drain(provider)


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("key", ["k-PASTED\rTAIL-123", "k-PASTED\x01TAIL-123", "k-PASTÉD-TAIL-123"])
async def test_key_no_header_can_carry_fails_before_sending_without_quoting_it(
    fake_provider: FakeProvider, http: httpx.AsyncClient, wire: str, key: str
) -> None:
    """h11 would raise `Illegal header value b'Bearer k-PASTED\\rTAIL-123'`: the key, escaped."""
    provider = wire_client(fake_provider, wire, http, key=key)
    with pytest.raises(AuthError, match="cannot be sent") as err:
        await provider.chat(REQUEST)
    assert "PASTED" not in str(err.value)
    assert "TAIL" not in str(err.value)
    assert fake_provider.requests == []
