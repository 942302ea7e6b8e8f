"""The web chat WebSocket end to end: aiohttp's client against the real server, the real Runtime
and the echo provider (which answers `[<model>] <text>`, so the model that answered is visible)."""

from __future__ import annotations

from typing import Any

import aiohttp
import anyio
import pytest

from tests.gateway_support import Gateway, bearer, running_gateway
from zeroclaw_py.gateway.sessions import CHANNEL
from zeroclaw_py.models.refs import Route

pytestmark = pytest.mark.anyio

ECHO_MODELS = """
[providers.echo]
models = [{ id = "echo" }, { id = "echo-large" }]
[agent.models."echo/echo-large"]
alias = "Large"
"""


async def until_message(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    """Every event up to and including the next `message` (or `error`) event."""
    events: list[dict[str, Any]] = []
    with anyio.fail_after(5):
        while True:
            event = await ws.receive_json()
            events.append(event)
            if event["event_type"] in ("message", "error", "model_updated"):
                return events


async def say(ws: aiohttp.ClientWebSocketResponse, text: str) -> list[dict[str, Any]]:
    await ws.send_json({"type": "message", "text": text})
    return await until_message(ws)


async def update_model(ws: aiohttp.ClientWebSocketResponse, **fields: Any) -> list[dict[str, Any]]:
    await ws.send_json({"type": "update_model", **fields})
    return await until_message(ws)


async def history_len(gw: Gateway, session: str) -> int:
    key = gw.runtime.conversation_key(gw.service.sessions.get(session).inbound(""))  # type: ignore[union-attr]
    return len(await gw.runtime.get_history(key))


async def test_message_streams_tokens_then_the_final_answer() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            events = await say(ws, "hello there world")
    tokens = [e["payload"]["text"] for e in events if e["event_type"] == "token"]
    assert len(tokens) >= 2
    assert "".join(tokens) == "[echo] hello there world"
    assert events[-1] == {
        "event_type": "message",
        "payload": {"text": "[echo] hello there world", "provider": "echo", "model": "echo"},
    }


async def test_update_model_with_provider_and_model_switches_without_reconnect() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await say(ws, "first")
            updated = await update_model(ws, provider="echo", model="echo-large")
            answer = await say(ws, "second")
            kept = await history_len(gw, session)
            assert not ws.closed
    assert updated == [
        {"event_type": "model_updated", "payload": {"provider": "echo", "model": "echo-large"}}
    ]
    assert answer[-1]["payload"] == {
        "text": "[echo-large] second",
        "provider": "echo",
        "model": "echo-large",
    }
    assert kept == 4  # both turns (user + assistant each): the swap kept the history


async def test_update_model_rereads_the_route_set_by_models_select() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await say(ws, "before")
            selected = await gw.select(
                http, token, session=session, provider="echo", model="echo-large"
            )
            assert selected == (
                200,
                {"session": session, "provider": "echo", "model": "echo-large"},
            )
            updated = await update_model(ws)
            answer = await say(ws, "after")
    assert updated[-1]["payload"] == {"provider": "echo", "model": "echo-large"}
    assert answer[-1]["payload"]["text"] == "[echo-large] after"


async def test_model_alias_resolves_like_the_model_command() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            updated = await update_model(ws, model_id="large")
    assert updated[-1]["payload"] == {"provider": "echo", "model": "echo-large"}


async def test_auto_picks_the_routing_model_like_the_model_command() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            updated = await update_model(ws, model="auto")
            answer = await say(ws, "hi")  # no router loaded: the primary answers
    assert updated[-1]["payload"] == {"provider": "auto", "model": "auto"}
    assert answer[-1]["payload"]["text"] == "[echo] hi"


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ({"provider": "nosuch", "model": "x"}, "Unknown provider `nosuch`."),
        ({"provider": "echo", "model": " `` "}, "Model ID cannot be empty."),
        ({"provider": 7}, "'provider' must be a string"),
        ({"provider": "custom:not a url"}, "Failed to initialize provider `custom:not a url`."),
        ({"model": "echo-large@work"}, "Pin an auth profile in the chat"),
    ],
)
async def test_bad_update_model_sends_error_and_keeps_route_and_connection(
    frame: dict[str, Any], reason: str
) -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await update_model(ws, provider="echo", model="echo-large")
            await say(ws, "one")
            error = await update_model(ws, **frame)
            answer = await say(ws, "two")
            kept = await history_len(gw, session)
    assert error[-1]["event_type"] == "error"
    assert reason in error[-1]["payload"]["message"]
    assert answer[-1]["payload"]["text"] == "[echo-large] two"
    assert kept == 4


async def test_commands_answer_as_message_events_with_the_current_route() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await ws.send_json({"type": "command", "text": "/models"})
            listing = await until_message(ws)
            await ws.send_json({"type": "message", "text": "/model echo-large"})
            switched = await until_message(ws)
            answer = await say(ws, "hi")
        route = await gw.runtime.get_route(f"{CHANNEL}_{session}")
    payload = listing[-1]["payload"]
    assert payload["text"].startswith("Current provider: `echo`\nCurrent model: `echo`\n")
    assert "- echo\n" in payload["text"]
    assert (payload["provider"], payload["model"]) == ("echo", "echo")
    assert switched[-1]["payload"] == {
        "text": "Model switched to `echo-large` for provider `echo` in this sender session.",
        "provider": "echo",
        "model": "echo-large",
    }
    assert answer[-1]["payload"]["text"] == "[echo-large] hi"
    assert route == Route("echo", "echo-large")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"type": "dance"}', "unknown message type 'dance'"),
        ('{"type": "message"}', "non-empty string field 'text'"),
        ('{"type": "command", "text": "hello"}', "starting with '/'"),
    ],
)
async def test_bad_frames_get_an_error_event_and_the_connection_stays(
    raw: str, reason: str
) -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await ws.send_str(raw)
            error = await until_message(ws)
            answer = await say(ws, "still here")
    assert error[-1]["event_type"] == "error"
    assert reason in error[-1]["payload"]["message"]
    assert answer[-1]["payload"]["text"] == "[echo] still here"


async def test_sessions_are_separate_conversations() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        first = await gw.session(http)
        second = await gw.session(http)
        async with (
            http.ws_connect(gw.ws_url(*first)) as ws1,
            http.ws_connect(gw.ws_url(*second)) as ws2,
        ):
            await update_model(ws1, model="echo-large")
            one = await say(ws1, "a")
            two = await say(ws2, "b")
    assert one[-1]["payload"]["text"] == "[echo-large] a"
    assert two[-1]["payload"]["text"] == "[echo] b"


async def test_reconnecting_keeps_the_sessions_route() -> None:
    async with running_gateway(ECHO_MODELS) as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await update_model(ws, model="echo-large")
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            answer = await say(ws, "back")
    assert answer[-1]["payload"]["model"] == "echo-large"


@pytest.mark.parametrize("query", ["session={s}&token=wrong", "session=nope&token={t}", ""])
async def test_websocket_needs_the_sessions_own_token(query: str) -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        other, _ = await gw.session(http)
        url = f"{gw.url}/ws?" + query.format(s=session, t=token)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url)
        # a token never opens another session
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(gw.ws_url(other, token))
    assert refused.value.status == 401


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
async def test_browser_origin_must_be_the_gateways_own(origin: str) -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(gw.ws_url(session, token), origin=origin)
        async with http.ws_connect(gw.ws_url(session, token), origin=gw.url) as ws:
            answer = await say(ws, "same origin")
    assert refused.value.status == 403
    assert answer[-1]["payload"]["text"] == "[echo] same origin"


async def test_stopping_the_gateway_closes_open_sockets_promptly() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await say(ws, "before shutdown")
            with anyio.fail_after(5):
                await gw.service.stop()
                closing = await ws.receive()
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert closing.data == aiohttp.WSCloseCode.GOING_AWAY


async def test_websocket_also_accepts_the_token_as_a_bearer_header() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        url = f"{gw.url}/ws?session={session}"
        async with http.ws_connect(url, headers=bearer(token)) as ws:
            answer = await say(ws, "header auth")
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, headers=bearer("wrong"))
    assert answer[-1]["payload"]["text"] == "[echo] header auth"
    assert refused.value.status == 401
