"""A loopback fake LLM provider speaking the four wires (aiohttp.web on 127.0.0.1, port 0).

API (reused by the runtime, gateway, fallback and reload tests):

    async with FakeProvider() as fake:
        fake.base_url("openai")      # http://127.0.0.1:PORT/openai/v1     (OpenAI kind: has /v1)
        fake.base_url("anthropic")   # http://127.0.0.1:PORT/anthropic     (host root)
        fake.base_url("gemini")      # http://127.0.0.1:PORT/gemini/v1beta
        fake.base_url("ollama")      # http://127.0.0.1:PORT/ollama        (host root)
        fake.script("gpt-x", reply="Hello there", usage=(7, 2))      # sticky: every call
        fake.queue("gpt-x", error="rate_limit", retry_after="2")     # one-shot, used first
                                       # (also headers={...} added to an error reply)
        fake.script("slow", reply="zzz", delay=0.5, chunk_delay=0.05)
        fake.script("cut", reply="one two three four", cut_after=2)  # stream drops after 2 chunks
        fake.script("boom", reply="a b", stream_error="overloaded")  # in-stream error event
        fake.script("frag", reply="a b", split_frames=3)   # frames written 3 bytes at a time
        fake.models = ["gpt-x", "gpt-y"]; fake.script_models(error="auth")   # list endpoints
        ... run the client ...
        fake.requests                  # [RecordedRequest(wire, method, path, query, headers, json)]
        fake.requests[-1].api_key      # the key as the wire carries it (Bearer / x-api-key / ...)
        await fake.wait_requests(3)    # event-based wait, no sleeps

`error=` takes a kind (`auth`, `forbidden`, `billing`, `quota`, `not_found`, `rate_limit`,
`context`, `bad_request`, `server`, `unavailable`, `overloaded`), an int status, or a
`FakeError` (status/message/headers/body overrides). Bodies are each vendor's real shape.
An unscripted model answers like the echo provider: `[<model>] <last user text>`. Streams send
one chunk per word (or `chunks=[...]`). `fake.known_models` (set) makes other models 404.
`fake.reject_stream_options = True` answers OpenAI stream requests carrying `stream_options`
with Mistral's 422. `fake.reset()` clears scripts and recorded requests.

Also a pytest fixture `fake_provider` (import it into a test module) and a dev server:
`python -m tests.fakes.provider_server --port 8089`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.provider_payloads import (
    EXTRA_FORBIDDEN,
    PREAMBLE,
    FakeError,
    error_body,
    frame,
    models_body,
    plain_reply,
    stream_events,
)

__all__ = ["FakeError", "FakeProvider", "RecordedRequest", "Step", "fake_provider"]

MODELS_KEY = "__models__"
_BASE_PATHS = {
    "openai": "/openai/v1",
    "anthropic": "/anthropic",
    "gemini": "/gemini/v1beta",
    "ollama": "/ollama",
}
_WORDS = re.compile(r"\s*\S+\s*")


@dataclass(frozen=True)
class Step:
    """One scripted behaviour for a model (or for the model-list endpoints)."""

    reply: str | None = None
    usage: tuple[int, int] | None = None
    error: FakeError | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after: int | None = None
    stream_error: FakeError | None = None
    chunks: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    split_frames: int | None = None  # write every stream frame in pieces of this many bytes


@dataclass(frozen=True)
class RecordedRequest:
    wire: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    json: Any
    model: str | None = None

    @property
    def stream(self) -> bool:
        if self.wire == "gemini":
            return self.path.endswith(":streamGenerateContent")
        return bool(isinstance(self.json, dict) and self.json.get("stream"))

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:]
        return (
            self.headers.get("x-api-key")
            or self.headers.get("x-goog-api-key")
            or self.query.get("key")
        )


def _as_error(value: FakeError | str | int | None) -> FakeError | None:
    if value is None or isinstance(value, FakeError):
        return value
    if isinstance(value, int):
        return FakeError(kind="server" if value >= 500 else "bad_request", status=value)
    return FakeError(kind=value)


@dataclass
class FakeProvider:
    models: list[str] = field(default_factory=lambda: ["fake-large", "fake-small"])
    known_models: set[str] | None = None
    reject_stream_options: bool = False  # answer like Mistral: 422 extra_forbidden
    requests: list[RecordedRequest] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        self._sticky: dict[str, Step] = {}
        self._once: dict[str, list[Step]] = {}
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Condition | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> FakeProvider:
        app = web.Application()
        for wire, base in _BASE_PATHS.items():
            handler = self._handler(wire)
            app.router.add_route("*", base + "/{tail:.*}", handler)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeProvider:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, wire: str) -> str:
        return self.root + _BASE_PATHS[wire]

    # --- scripting -----------------------------------------------------------------------

    def _step(self, **kw: Any) -> Step:
        retry_after = kw.pop("retry_after", None)
        headers = kw.pop("headers", None)
        kw["error"] = _as_error(kw.get("error"))
        if kw["error"] is not None and (retry_after is not None or headers):
            kw["error"] = replace(
                kw["error"],
                retry_after=retry_after,
                headers={**kw["error"].headers, **(headers or {})},
            )
        kw["stream_error"] = _as_error(kw.get("stream_error"))
        if kw.get("chunks") is not None:
            kw["chunks"] = tuple(kw["chunks"])
        return Step(**kw)

    def script(self, model: str, **kw: Any) -> None:
        """Set the behaviour every later request for `model` gets (after queued one-shots)."""
        self._sticky[model] = self._step(**kw)

    def queue(self, model: str, **kw: Any) -> None:
        """Add a one-shot behaviour, consumed in order before the sticky script."""
        self._once.setdefault(model, []).append(self._step(**kw))

    def script_models(self, **kw: Any) -> None:
        """Script the model-list endpoints (error=, delay=, models=[...])."""
        if kw.get("models") is not None:
            kw["models"] = tuple(kw["models"])
        self.script(MODELS_KEY, **kw)

    def reset(self) -> None:
        self._sticky.clear()
        self._once.clear()
        self.requests.clear()

    def _take(self, model: str) -> Step:
        if pending := self._once.get(model):
            return pending.pop(0)
        return self._sticky.get(model, Step())

    def requests_for(
        self, wire: str | None = None, *, model: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (wire is None or r.wire == wire) and (model is None or r.model == model)
        ]

    async def wait_requests(self, count: int, seconds: float = 5.0) -> None:
        assert self._changed is not None, "start the fake first"
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(lambda: len(self.requests) >= count)

    # --- HTTP ----------------------------------------------------------------------------

    def _handler(self, wire: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(wire, request)

        return handle

    async def _record(self, wire: str, request: web.Request, model: str | None) -> Any:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        if model is None and isinstance(body, dict):
            model = body.get("model")
        self.requests.append(
            RecordedRequest(
                wire=wire,
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items()},
                json=body,
                model=model,
            )
        )
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        return body

    async def _handle(self, wire: str, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        gemini_model = None
        if wire == "gemini" and tail.startswith("models/") and ":" in tail:
            gemini_model = tail.removeprefix("models/").partition(":")[0]
        body = await self._record(wire, request, gemini_model)
        recorded = self.requests[-1]
        is_models = request.method == "GET" and tail in ("models", "v1/models", "api/tags")
        if is_models:
            return await self._models(wire, recorded)
        model = recorded.model or ""
        if self.reject_stream_options and isinstance(body, dict) and "stream_options" in body:
            return web.json_response(EXTRA_FORBIDDEN, status=422)
        if not model or (self.known_models is not None and model not in self.known_models):
            step = Step(error=FakeError("not_found"))
        else:
            step = self._take(model)
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.error is not None:
            return self._error(wire, step.error, model, recorded.api_key or "")
        text = step.reply if step.reply is not None else _echo(model, body)
        chunks = list(step.chunks) if step.chunks is not None else _WORDS.findall(text) or [""]
        usage = step.usage or (_prompt_words(body), len(chunks))
        if not recorded.stream:
            return web.json_response(plain_reply(wire, model, "".join(chunks), usage))
        return await self._stream(wire, request, model, chunks, usage, step)

    async def _models(self, wire: str, recorded: RecordedRequest) -> web.StreamResponse:
        step = self._take(MODELS_KEY)
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.error is not None:
            return self._error(wire, step.error, "", recorded.api_key or "")
        ids = list(step.models) if step.models is not None else list(self.models)
        return web.json_response(models_body(wire, ids))

    def _error(self, wire: str, error: FakeError, model: str, key: str) -> web.Response:
        payload = error_body(wire, error, model=model, key=key)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return web.Response(
            status=error.http_status,
            text=text,
            content_type="application/json",
            headers=error.response_headers(),
        )

    async def _stream(
        self,
        wire: str,
        request: web.Request,
        model: str,
        chunks: list[str],
        usage: tuple[int, int],
        step: Step,
    ) -> web.StreamResponse:
        ndjson = wire == "ollama"
        resp = web.StreamResponse(
            headers={
                "Content-Type": "application/x-ndjson" if ndjson else "text/event-stream",
                "Cache-Control": "no-cache",
            }
        )
        await resp.prepare(request)
        cut_after = step.cut_after
        if cut_after is None and step.stream_error is not None:
            cut_after = len(chunks)  # the error replaces the end of the stream
        for index, (name, data) in enumerate(stream_events(wire, model, chunks, usage)):
            content_index = index - PREAMBLE[wire]
            if cut_after is not None and content_index >= cut_after:
                if step.stream_error is not None:
                    error_frame = frame(wire, "error", _stream_error(wire, step, model))
                    await _write(resp, error_frame, step.split_frames)
                    await resp.write_eof()
                    return resp
                assert request.transport is not None
                request.transport.close()  # abrupt mid-stream failure
                return resp
            await _write(resp, frame(wire, name, data), step.split_frames)
            if step.chunk_delay:
                await asyncio.sleep(step.chunk_delay)
        if step.stream_error is not None:  # Gemini has no terminator event to replace
            error_frame = frame(wire, "error", _stream_error(wire, step, model))
            await _write(resp, error_frame, step.split_frames)
        await resp.write_eof()
        return resp


async def _write(resp: web.StreamResponse, frame: bytes, piece: int | None) -> None:
    """Write a frame whole, or in `piece`-byte writes (each its own HTTP chunk) to test
    readers that must reassemble lines across TCP reads."""
    if not piece:
        await resp.write(frame)
        return
    for start in range(0, len(frame), piece):
        await resp.write(frame[start : start + piece])
        await asyncio.sleep(0)


def _stream_error(wire: str, step: Step, model: str) -> Any:
    assert step.stream_error is not None
    return error_body(wire, step.stream_error, model=model)


def _user_texts(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    texts: list[str] = []
    for message in body.get("messages") or body.get("contents") or ():
        if message.get("role") != "user":
            continue
        content = message.get("content", message.get("parts"))
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.append(
                " ".join(p.get("text", "") for p in content if isinstance(p, dict)).strip()
            )
    return texts


def _echo(model: str, body: Any) -> str:
    texts = _user_texts(body)
    return f"[{model}] {texts[-1] if texts else ''}"


def _prompt_words(body: Any) -> int:
    return sum(len(t.split()) for t in _user_texts(body))


@pytest.fixture
async def fake_provider() -> AsyncIterator[FakeProvider]:
    async with FakeProvider() as fake:
        yield fake


async def _serve(port: int) -> None:
    fake = FakeProvider(port=port)
    await fake.start()
    for wire in _BASE_PATHS:
        print(f"{wire:9} {fake.base_url(wire)}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="offline fake LLM provider (four wires)")
    parser.add_argument("--port", type=int, default=8089)
    asyncio.run(_serve(parser.parse_args().port))
