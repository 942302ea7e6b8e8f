"""The offline echo provider's exact reply format (other tests rely on it)."""

from __future__ import annotations

import pytest

from zeroclaw_py.config.schema import Config
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.base import ChatRequest, ImagePart, Message, StreamEnd, TextDelta
from zeroclaw_py.providers.echo import EchoProvider
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.http import make_http_client

pytestmark = pytest.mark.anyio


def request(*messages: Message, model: str = "echo") -> ChatRequest:
    return ChatRequest(model=model, messages=messages)


async def test_reply_format_and_stream() -> None:
    provider = EchoProvider()
    req = request(Message("user", "old"), Message("assistant", "x"), Message("user", "hi  there"))
    response = await provider.chat(req)
    assert response.text == "[echo] hi  there"
    events = [e async for e in provider.stream(req)]
    assert events[:-1] == [TextDelta("[echo] "), TextDelta("hi  "), TextDelta("there")]
    assert isinstance(events[-1], StreamEnd)
    assert events[-1].usage == response.usage


async def test_any_model_and_images() -> None:
    provider = EchoProvider()
    one = Message("user", "look", (ImagePart(b"1"),))
    two = Message("user", "look", (ImagePart(b"1"), ImagePart(b"2")))
    assert (await provider.chat(request(one, model="gpt-x"))).text == "[gpt-x] look (+1 image)"
    assert (await provider.chat(request(two))).text == "[echo] look (+2 images)"
    assert (await provider.chat(request(Message("system", "s")))).text == "[echo] "
    assert await provider.list_models() == ["echo"]


async def test_factory_builds_echo_without_credentials() -> None:
    spec = registry.resolve(" ECHO ")
    assert spec is not None
    async with make_http_client(5) as http:
        provider = create_provider(spec, Config(), http)
        await provider.warmup()
        assert (await provider.chat(request(Message("user", "ping")))).text == "[echo] ping"
