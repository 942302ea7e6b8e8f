"""Every wire, plain and streamed, through our clients against the loopback fake."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.fakes.provider_server import FakeError, FakeProvider, fake_provider
from tests.provider_support import http, wire_client
from zeroclaw_py.config.schema import Config, ProviderSettings
from zeroclaw_py.errors import BadRequestError
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.base import (
    ChatRequest,
    ImagePart,
    Message,
    StreamEnd,
    TextDelta,
    Usage,
)
from zeroclaw_py.providers.factory import create_provider

pytestmark = pytest.mark.anyio
__all__ = ["fake_provider", "http"]

WIRES = [
    ("openai", "openai"),
    ("anthropic", "anthropic"),
    ("gemini", "gemini"),
    ("ollama", "ollama"),
]
REQUEST = ChatRequest(
    model="m-1",
    messages=(
        Message("system", "be brief"),
        Message("user", "first"),
        Message("assistant", "ok"),
        Message("user", "hello big world"),
    ),
    temperature=0.5,
    max_tokens=64,
)


@pytest.mark.parametrize(("name", "wire"), WIRES)
async def test_plain_chat(
    fake_provider: FakeProvider, http: httpx.AsyncClient, name: str, wire: str
) -> None:
    fake_provider.script("m-1", reply="Hi there", usage=(11, 2))
    response = await wire_client(fake_provider, name, http).chat(REQUEST)
    assert response.text == "Hi there"
    assert response.usage == Usage(11, 2)
    [sent] = fake_provider.requests
    assert (sent.wire, sent.model, sent.api_key, sent.stream) == (wire, "m-1", "k-test-123", False)


@pytest.mark.parametrize(("name", "wire"), WIRES)
async def test_streamed_chat(
    fake_provider: FakeProvider, http: httpx.AsyncClient, name: str, wire: str
) -> None:
    fake_provider.script("m-1", reply="one two three", usage=(5, 3))
    events = [e async for e in wire_client(fake_provider, name, http).stream(REQUEST)]
    assert events[:-1] == [TextDelta("one "), TextDelta("two "), TextDelta("three")]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.usage == Usage(5, 3)
    assert fake_provider.requests[0].stream


async def test_streamed_frames_split_across_reads(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    fake_provider.script("m-1", reply="alpha beta", split_frames=3)
    for name, _ in WIRES:
        events = [e async for e in wire_client(fake_provider, name, http).stream(REQUEST)]
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "alpha beta", name


async def test_openai_request_shape(fake_provider: FakeProvider, http: httpx.AsyncClient) -> None:
    provider = wire_client(fake_provider, "openai", http)
    await provider.chat(REQUEST)
    [e async for e in provider.stream(REQUEST)]
    plain, streamed = (r.json for r in fake_provider.requests)
    assert plain["messages"][0] == {"role": "system", "content": "be brief"}
    assert (plain["temperature"], plain["max_tokens"]) == (0.5, 64)
    assert "stream" not in plain
    assert streamed["stream_options"] == {"include_usage": True}
    assert fake_provider.requests[0].path == "/openai/v1/chat/completions"


async def test_openrouter_sends_attribution_headers(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    await wire_client(fake_provider, "openrouter", http).chat(REQUEST)
    headers = fake_provider.requests[0].headers
    assert headers["x-title"] == "ZeroClaw"
    assert "http-referer" in headers


async def test_anthropic_request_shape(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    await wire_client(fake_provider, "anthropic", http).chat(REQUEST)
    sent = fake_provider.requests[0]
    assert sent.path == "/anthropic/v1/messages"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.headers["x-api-key"] == "k-test-123"
    assert "authorization" not in sent.headers
    assert sent.json["system"] == "be brief"
    assert [m["role"] for m in sent.json["messages"]] == ["user", "assistant", "user"]
    assert sent.json["max_tokens"] == 64


async def test_anthropic_setup_token_uses_bearer(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    await wire_client(fake_provider, "anthropic", http, key="sk-ant-oat01-setup").chat(REQUEST)
    headers = fake_provider.requests[0].headers
    assert headers["authorization"] == "Bearer sk-ant-oat01-setup"
    assert "x-api-key" not in headers
    assert headers["anthropic-beta"] == "oauth-2025-04-20"


async def test_gemini_request_shape(fake_provider: FakeProvider, http: httpx.AsyncClient) -> None:
    provider = wire_client(fake_provider, "gemini", http)
    await provider.chat(REQUEST)
    [e async for e in provider.stream(REQUEST)]
    plain, streamed = fake_provider.requests
    assert plain.path == "/gemini/v1beta/models/m-1:generateContent"
    assert streamed.path == "/gemini/v1beta/models/m-1:streamGenerateContent"
    assert streamed.query == {"alt": "sse"}
    assert plain.headers["x-goog-api-key"] == "k-test-123"
    assert plain.json["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert [c["role"] for c in plain.json["contents"]] == ["user", "model", "user"]
    assert plain.json["generationConfig"] == {"temperature": 0.5, "maxOutputTokens": 64}


async def test_ollama_request_shape(fake_provider: FakeProvider, http: httpx.AsyncClient) -> None:
    await wire_client(fake_provider, "ollama", http).chat(REQUEST)
    sent = fake_provider.requests[0]
    assert sent.path == "/ollama/api/chat"
    assert sent.json["stream"] is False
    assert sent.json["options"] == {"temperature": 0.5, "num_predict": 64}


async def test_images_in_each_wire_format(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    png = b"\x89PNG fake"
    b64 = base64.b64encode(png).decode()
    request = ChatRequest(
        model="m-1", messages=(Message("user", "what is it", (ImagePart(png, "image/png"),)),)
    )
    for name, _ in WIRES:
        await wire_client(fake_provider, name, http).chat(request)
    oa, an, gm, ol = (r.json for r in fake_provider.requests)
    assert oa["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{b64}"},
    }
    assert an["messages"][0]["content"][0]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": b64,
    }
    assert gm["contents"][0]["parts"][1] == {"inline_data": {"mime_type": "image/png", "data": b64}}
    assert ol["messages"][0]["images"] == [b64]


@pytest.mark.parametrize(("name", "wire"), WIRES)
async def test_list_models(
    fake_provider: FakeProvider, http: httpx.AsyncClient, name: str, wire: str
) -> None:
    fake_provider.models = ["b-model", "a-model"]
    models = await wire_client(fake_provider, name, http).list_models()
    assert models == ["b-model", "a-model"]  # gemini's embedding-only model is filtered out
    paths = {"openai": "/openai/v1/models", "anthropic": "/anthropic/v1/models",
             "gemini": "/gemini/v1beta/models", "ollama": "/ollama/api/tags"}  # fmt: skip
    assert fake_provider.requests[0].path == paths[wire]


async def test_per_call_key_overrides_default(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    provider = wire_client(fake_provider, "openai", http, key="k-default-1")
    await provider.chat(REQUEST, api_key="k-profile-2")
    await provider.chat(REQUEST)
    assert [r.api_key for r in fake_provider.requests] == ["k-profile-2", "k-default-1"]


async def test_warmup_opens_connection_and_failure_is_only_a_warning(
    fake_provider: FakeProvider, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    provider = wire_client(fake_provider, "openai", http)
    await provider.warmup()
    assert fake_provider.requests[-1].path == "/openai/v1/models"
    fake_provider.script_models(error="server")
    await provider.warmup()
    assert "provider warmup failed" in caplog.text


async def test_keyless_warmup_is_skipped_and_openrouter_lists_without_key(
    fake_provider: FakeProvider, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "ZEROCLAW_API_KEY", "API_KEY"):
        monkeypatch.delenv(var, raising=False)
    providers = {
        name: ProviderSettings(api_url=fake_provider.base_url("openai"))
        for name in ("openai", "openrouter")
    }
    config = Config(providers=providers)
    openai = registry.resolve("openai")
    openrouter = registry.resolve("openrouter")
    assert openai is not None
    assert openrouter is not None
    await create_provider(openai, config, http).warmup()
    assert fake_provider.requests == []
    assert await create_provider(openrouter, config, http).list_models() == fake_provider.models
    assert fake_provider.requests[0].api_key is None


async def test_custom_provider_without_key_sends_no_auth(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    spec = registry.resolve(f"custom:{fake_provider.base_url('openai')}")
    assert spec is not None
    provider = create_provider(spec, Config(), http)
    response = await provider.chat(REQUEST)
    assert response.text == "[m-1] hello big world"
    assert "authorization" not in fake_provider.requests[0].headers


async def test_anthropic_image_without_caption_sends_no_empty_text(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    request = ChatRequest(model="m-1", messages=(Message("user", "", (ImagePart(b"x"),)),))
    await wire_client(fake_provider, "anthropic", http).chat(request)
    blocks = fake_provider.requests[0].json["messages"][0]["content"]
    assert [b["type"] for b in blocks] == ["image"]


async def test_stream_options_dropped_once_when_rejected(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    fake_provider.reject_stream_options = True
    provider = wire_client(fake_provider, "openai", http)
    for _ in range(2):
        events = [e async for e in provider.stream(REQUEST)]
        assert isinstance(events[-1], StreamEnd)
        assert (
            "".join(e.text for e in events if isinstance(e, TextDelta)) == "[m-1] hello big world"
        )
    sent = [r.json.get("stream_options") for r in fake_provider.requests]
    assert sent == [{"include_usage": True}, None, None]  # one rejection, then never again


async def test_mistral_never_sends_stream_options(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    [e async for e in wire_client(fake_provider, "mistral", http).stream(REQUEST)]
    assert "stream_options" not in fake_provider.requests[0].json


async def test_reasoning_model_refusals_are_learned_once(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    temperature = (
        "Unsupported value: 'temperature' does not support 0.5 with this model. "
        "Only the default (1) value is supported."
    )
    tokens = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    fake_provider.queue("m-1", error=FakeError("bad_request", message=temperature))
    fake_provider.queue("m-1", error=FakeError("bad_request", message=tokens))
    provider = wire_client(fake_provider, "openai", http)
    assert (await provider.chat(REQUEST)).text == "[m-1] hello big world"
    [e async for e in provider.stream(REQUEST)]
    shapes = [
        ("temperature" in r.json, "max_tokens" in r.json, "max_completion_tokens" in r.json)
        for r in fake_provider.requests
    ]
    assert shapes == [
        (True, True, False),
        (False, True, False),
        (False, False, True),
        (False, False, True),  # learned: the stream sends the accepted shape at once
    ]
    fake_provider.script("m-1", error="bad_request")  # an unrelated 400 is not retried
    with pytest.raises(BadRequestError):
        await provider.chat(REQUEST)
    assert len(fake_provider.requests) == 5


async def test_anthropic_and_gemini_get_alternating_turns(
    fake_provider: FakeProvider, http: httpx.AsyncClient
) -> None:
    image = ImagePart(b"img")
    ragged = ChatRequest(
        model="m-1",
        messages=(
            Message("assistant", "orphan reply left by history trimming"),
            Message("system", "be brief"),
            Message("user", "first try"),
            Message("user", "second try", (image,)),
            Message("assistant", "ok"),
            Message("user", "again"),
        ),
    )
    for name in ("anthropic", "gemini"):
        await wire_client(fake_provider, name, http).chat(ragged)
    anthropic, gemini = (r.json for r in fake_provider.requests)
    assert [m["role"] for m in anthropic["messages"]] == ["user", "assistant", "user"]
    merged = anthropic["messages"][0]["content"]
    assert [b["type"] for b in merged] == ["image", "text"]
    assert merged[1]["text"] == "first try\n\nsecond try"
    assert [c["role"] for c in gemini["contents"]] == ["user", "model", "user"]
    assert gemini["contents"][0]["parts"][0] == {"text": "first try\n\nsecond try"}
