"""Audit: no credential reaches a chat reply or a log line, whatever the provider echoes back.

A deliberately leaky loopback provider answers every call with an error whose body quotes the
credential it received (Bearer, x-api-key, x-goog-api-key, `?key=`) and the full request URL.
Turns run through the real runtime on all four wires — configured keys without any recognisable
prefix, and a key that only exists in auth-profiles.json — with the structured log handler
capturing everything at DEBUG.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.fakes.loopback import serve_app
from tests.harness import ask, running_runtime
from zeroclaw_py.log import setup_logging
from zeroclaw_py.models.auth_store import AuthProfileStore

pytestmark = pytest.mark.anyio

OPENAI_KEY = "plainOpenAIkey0001"
GEMINI_KEY = "plainGeminiKey0002"
OLLAMA_KEY = "plainOllamaKey0003"
PROFILE_KEY = "plainProfileKey0004"  # only in auth-profiles.json
ALL_KEYS = (OPENAI_KEY, GEMINI_KEY, OLLAMA_KEY, PROFILE_KEY)

# First path segment -> the status the leaky server answers with.
STATUS = {"oai": 401, "ant": 500, "gem": 429, "oll": 503}


async def _leak(request: web.Request) -> web.Response:
    heard = " ".join(
        value
        for value in (
            request.headers.get("authorization"),
            request.headers.get("x-api-key"),
            request.headers.get("x-goog-api-key"),
            request.query.get("key"),
        )
        if value
    )
    message = f"rejected credential {heard} at {request.url}"
    status = STATUS[request.path.strip("/").split("/")[0]]
    return web.json_response({"error": {"message": message}}, status=status)


@pytest.fixture
async def leaky() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _leak)
    async with serve_app(app) as base:
        yield base


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    root, httpx_log = logging.getLogger(), logging.getLogger("httpx")
    levels = (root.level, httpx_log.level)
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream=stream)
    httpx_log.setLevel(logging.DEBUG)  # even request URLs at DEBUG must come out clean
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        httpx_log.setLevel(levels[1])


def _config(base: str) -> str:
    return f"""
[agent.model]
primary = "openai/m-1"
fallbacks = ["anthropic/m-2", "gemini/m-3", "ollama/m-4"]
[reliability]
provider_retries = 0
[providers.openai]
api_url = "{base}/oai/v1"
api_key = "{OPENAI_KEY}"
[providers.anthropic]
api_url = "{base}/ant"
[providers.gemini]
api_url = "{base}/gem/v1beta"
api_key = "{GEMINI_KEY}"
[providers.ollama]
api_url = "{base}/oll"
api_key = "{OLLAMA_KEY}"
"""


@pytest.mark.parametrize("streams", [False, True])
async def test_echoed_credentials_never_reach_replies_or_logs(
    leaky: str, captured_logs: io.StringIO, tmp_path: Path, streams: bool
) -> None:
    AuthProfileStore(tmp_path / "state" / "auth-profiles.json").upsert_profile(
        "anthropic:work", {"type": "api_key", "provider": "anthropic", "key": PROFILE_KEY}
    )
    async with running_runtime(_config(leaky), home=tmp_path) as runtime:
        reply = await ask(runtime, "hello", streams=streams)
    logs = captured_logs.getvalue()
    # Every candidate was really called, and the failure names each of them.
    for ref in ("openai/m-1", "anthropic/m-2", "gemini/m-3", "ollama/m-4"):
        assert f"- {ref}: " in reply
    assert reply.count("rejected credential") == 4  # each call carried a key and heard it back
    assert reply.count("[REDACTED]") == 4
    for key in ALL_KEYS:
        assert key not in reply, key
        assert key not in logs, key
    assert "rejected credential" in logs  # the bodies were logged, scrubbed


async def test_models_switch_failure_reply_is_scrubbed(leaky: str, tmp_path: Path) -> None:
    """`/models X` that cannot build X: the upstream reason as the detail, no traceback."""
    async with running_runtime(_config(leaky), home=tmp_path) as runtime:
        reply = await ask(runtime, "/models custom:ftp://host/v1")
    head, details = reply.split("\nDetails: ", 1)
    assert head.startswith("Failed to initialize provider `custom:ftp://")
    assert head.endswith("`. Route unchanged.")
    assert details == (
        "Custom provider requires an http:// or https:// URL. Format: custom:https://your-api.com"
    )


async def test_a_typed_custom_url_off_this_machine_never_receives_the_global_key(
    tmp_path: Path,
) -> None:
    """`/models custom:<url>` is open to every allowed sender: the operator's global key (file
    or ZEROCLAW_API_KEY / API_KEY) must not be sent to a server the sender chose. The pool is
    an httpx client whose transport records what each host heard (no network)."""
    heard: list[tuple[str, str]] = []

    def record(request: httpx.Request) -> httpx.Response:
        heard.append((request.url.host, request.headers.get("authorization", "")))
        return httpx.Response(401, json={"error": {"message": "who are you?"}})

    config = 'api_key = "plainGlobalKey0005"\n[agent.model]\nprimary = "echo/echo"\n'
    env = {"ZEROCLAW_API_KEY": "plainEnvKey0006"}
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(record)) as http,
        running_runtime(config, home=tmp_path, http=http, env=env) as runtime,
    ):
        for url in ("https://their-server.example/v1", "http://127.0.0.1:8000/v1"):
            switched = await ask(runtime, f"/models custom:{url}")
            assert switched.startswith(f"Provider switched to `custom:{url}`")
            await ask(runtime, "hello")
    assert {host for host, _ in heard} == {"their-server.example", "127.0.0.1"}
    assert {auth for host, auth in heard if host == "their-server.example"} == {""}
    assert {auth for host, auth in heard if host == "127.0.0.1"} == {"Bearer plainGlobalKey0005"}


def test_auth_profile_store_and_its_lock_are_private(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / "auth-profiles.json")
    store.upsert_profile("openai:default", {"type": "api_key", "provider": "openai", "key": "k1"})
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    assert raw["version"] == 1
    assert set(raw["profiles"]) == {"openai:default"}
    for path in (store.path, store.lock_path):
        assert path.stat().st_mode & 0o077 == 0, path
