"""What every HTTP wire client shares: key choice, request sending, the error boundary, warmup.

A wire subclass only describes its protocol: how to build a chat body, where its key goes
(`auth_headers`), how to read a reply, the `StreamDecoder` that turns its stream lines into
`TextDelta`/`StreamEnd`, and where its model list lives. Sending, the adapt-and-retry loop, the
single per-token streaming loop, timeouts and turning failures into the `ProviderError` tree
happen here, once, as do the small payload helpers several wires need (system prompt, sampling
options, base64, usage counters).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from zeroclaw_py.errors import ProviderError
from zeroclaw_py.providers import classify
from zeroclaw_py.providers.base import ChatRequest, ChatResponse, Message, StreamEvent, Usage
from zeroclaw_py.providers.http import request_timeout
from zeroclaw_py.providers.scrub import SCRUBBER
from zeroclaw_py.providers.sse import StreamDecoder

log = logging.getLogger("zeroclaw.providers")

# Each adaptation removes one request field a server refused, so a handful bounds the retries.
MAX_ADAPTATIONS = 3


@dataclass(frozen=True)
class WireSettings:
    """Everything a wire client needs besides the shared pool; built by the factory."""

    provider_id: str
    base_url: str
    api_key: str | None = None
    key_required: bool = True
    models_need_key: bool = True  # OpenRouter lists its models without a key
    stream_usage: bool = True  # OpenAI wire: ask for usage in streams (`stream_options`)
    env_vars: tuple[str, ...] = ()
    timeout_s: float = 120.0
    extra_headers: Mapping[str, str] = field(default_factory=dict)


def alternating_turns(messages: tuple[Message, ...]) -> list[Message]:
    """Non-system messages as strictly alternating turns starting with the user.

    Anthropic and Gemini reject (or silently merge) consecutive same-role turns and a leading
    assistant turn, which a trimmed or half-failed history can produce; consecutive messages
    are joined (texts by a blank line, images kept) and leading assistant turns dropped.
    """
    turns: list[Message] = []
    for message in messages:
        if message.role == "system" or (not turns and message.role == "assistant"):
            continue
        if turns and turns[-1].role == message.role:
            last = turns[-1]
            text = "\n\n".join(t for t in (last.content, message.content) if t)
            turns[-1] = Message(last.role, text, last.images + message.images)
        else:
            turns.append(message)
    return turns


def system_prompt(messages: tuple[Message, ...]) -> str:
    """System messages joined, for wires that take the system prompt outside the turns."""
    return "\n\n".join(m.content for m in messages if m.role == "system")


def sampling_options(request: ChatRequest, max_tokens_field: str) -> dict[str, Any]:
    """The sampling fields a request sets (unset ones stay out), under the wire's token-cap name."""
    options: dict[str, Any] = {}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.max_tokens is not None:
        options[max_tokens_field] = request.max_tokens
    return options


def token_usage(raw: Any, input_field: str, output_field: str) -> Usage | None:
    """Usage from a wire's counter object (None when there is none); missing counts are 0."""
    if not isinstance(raw, dict):
        return None
    return Usage(int(raw.get(input_field) or 0), int(raw.get(output_field) or 0))


def b64(data: bytes) -> str:
    """Image bytes as the base64 text every wire's JSON carries."""
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str
    headers: Mapping[str, str]
    json: Any = None
    params: Mapping[str, str] | None = None


class WireProvider:
    """Base class of the four wire clients. Instances are shared; they hold no per-call state."""

    wire: ClassVar[str] = ""
    decoder: ClassVar[type[StreamDecoder]] = StreamDecoder  # the wire's stream-line reader
    # Sent with every request, before the configured extra headers (which may override them).
    base_headers: ClassVar[Mapping[str, str]] = {"content-type": "application/json"}

    def __init__(self, settings: WireSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self._http = http
        self._timeout = request_timeout(settings.timeout_s)
        SCRUBBER.add(settings.api_key)

    @property
    def id(self) -> str:
        return self.settings.provider_id

    # --- protocol description (subclasses) -----------------------------------------------

    def chat_call(self, request: ChatRequest, key: str | None, *, stream: bool) -> HttpCall:
        raise NotImplementedError

    def parse_chat(self, body: Any, request: ChatRequest) -> ChatResponse:
        raise NotImplementedError

    def stream_decoder(self, request: ChatRequest) -> StreamDecoder:
        return self.decoder(self, request)

    def models_call(self, key: str | None) -> HttpCall:
        raise NotImplementedError

    def parse_models(self, body: Any) -> list[str]:
        raise NotImplementedError

    def adapt_request(
        self, request: ChatRequest, status: int, body: bytes, *, stream: bool
    ) -> bool:
        """After a rejected chat request: adjust what `chat_call` sends and retry once?

        Lets a wire learn a server's quirks (a parameter a model refuses) instead of failing
        every turn; the default learns nothing."""
        return False

    # --- shared behaviour ---------------------------------------------------------------

    def auth_headers(self, key: str) -> dict[str, str]:
        """Where this wire carries a key: a Bearer token unless the wire says otherwise."""
        return {"authorization": f"Bearer {key}"}

    def headers(self, key: str | None) -> dict[str, str]:
        headers = {**self.base_headers, **self.settings.extra_headers}
        if key:
            headers.update(self.auth_headers(key))
        return headers

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def key_for(self, api_key: str | None, *, required: bool = True) -> str | None:
        """The key for one call. A key a header cannot carry (a pasted control character,
        non-ASCII) fails here: httpx/h11 would otherwise raise an error quoting the key."""
        key = (api_key or "").strip() or self.settings.api_key
        if key:
            SCRUBBER.add(key)
            if not (key.isascii() and key.isprintable()):
                raise classify.unsendable_key(self.id)
        elif required and self.settings.key_required:
            raise classify.missing_key(self.id, self.settings.env_vars)
        return key

    def error(
        self,
        status: int | None,
        body: str | bytes,
        headers: Mapping[str, str] | httpx.Headers | None,
        model: str | None,
    ) -> ProviderError:
        return classify.http_error(self.id, status, body, headers=headers, model=model)

    def _build(self, call: HttpCall) -> httpx.Request:
        return self._http.build_request(
            call.method,
            call.url,
            headers=dict(call.headers),
            json=call.json,
            params=call.params,
            timeout=self._timeout,
        )

    async def _open(self, call: HttpCall, model: str | None, *, stream: bool) -> httpx.Response:
        """Send one call. A streamed body is left unread unless the status is an error (error
        bodies are always read, and the stream closed). Transport failures become typed: not
        only httpx's own (`InvalidURL` is not an `HTTPError`), but also what the socket layer
        raises for a bad configured URL (OverflowError for a port out of range, in an
        ExceptionGroup); cancellation is a BaseException and passes through."""
        try:
            response = await self._http.send(self._build(call), stream=stream)
            if response.status_code >= 400:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            return response
        except Exception as exc:
            if not isinstance(exc, httpx.HTTPError):
                log.debug("transport failure outside httpx's tree", exc_info=True)
            raise classify.transport_error(self.id, exc, model=model) from None

    def _json(self, response: httpx.Response, model: str | None) -> Any:
        if response.status_code >= 400:
            raise self.error(response.status_code, response.content, response.headers, model)
        try:
            return response.json()
        except ValueError:
            raise classify.http_error(
                self.id, response.status_code, b"invalid JSON in response", model=model
            ) from None

    async def _get_json(self, call: HttpCall, model: str | None) -> Any:
        return self._json(await self._open(call, model, stream=False), model)

    async def _open_chat(
        self, request: ChatRequest, key: str | None, *, stream: bool
    ) -> httpx.Response:
        """The accepted chat response; after a refusal the wire may adapt the call and retry."""
        for attempt in range(MAX_ADAPTATIONS + 1):
            call = self.chat_call(request, key, stream=stream)
            response = await self._open(call, request.model, stream=stream)
            status = response.status_code
            if status < 400:
                return response
            if attempt == MAX_ADAPTATIONS or not self.adapt_request(
                request, status, response.content, stream=stream
            ):
                break
        raise self.error(status, response.content, response.headers, request.model)

    async def chat(self, request: ChatRequest, *, api_key: str | None = None) -> ChatResponse:
        response = await self._open_chat(request, self.key_for(api_key), stream=False)
        body = self._json(response, request.model)
        try:
            return self.parse_chat(body, request)
        except classify.SHAPE_ERRORS as exc:  # valid JSON of the wrong shape
            raise classify.malformed(self.id, exc, model=request.model) from None

    async def stream(
        self, request: ChatRequest, *, api_key: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        response = await self._open_chat(request, self.key_for(api_key), stream=True)
        try:
            decoder = self.stream_decoder(request)
            async for line in response.aiter_lines():  # the one per-token loop: keep it flat
                if line:
                    event = decoder.feed(line)
                    if event is not None:
                        yield event
                    if decoder.done:
                        break
            yield decoder.end()
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise classify.stream_dropped(self.id, model=request.model, cause=str(exc)) from None
        except httpx.HTTPError as exc:
            raise classify.transport_error(self.id, exc, model=request.model) from None
        except classify.SHAPE_ERRORS as exc:  # a chunk of the wrong shape
            raise classify.malformed(self.id, exc, model=request.model) from None
        finally:
            await response.aclose()

    async def list_models(self, *, api_key: str | None = None) -> list[str]:
        key = self.key_for(api_key, required=self.settings.models_need_key)
        return self.read_models(await self._get_json(self.models_call(key), None))

    def read_models(self, body: Any) -> list[str]:
        """`parse_models`, with a body of the wrong shape reported as the provider's error."""
        try:
            return self.parse_models(body)
        except classify.SHAPE_ERRORS as exc:
            raise classify.malformed(self.id, exc) from None

    async def warmup(self) -> None:
        """Open a pooled connection with the cheapest authenticated request: the model list.

        Without a default key there is nothing cheap to authenticate (auth profiles pass keys
        per call), so warmup is skipped rather than logging a certain failure."""
        if self.settings.key_required and not self.settings.api_key:
            log.debug("provider warmup skipped (no default key) provider=%s", self.id)
            return
        try:
            await self.list_models()
        except ProviderError as exc:
            log.warning("provider warmup failed provider=%s error=%s", self.id, exc)

    async def aclose(self) -> None:
        """The pool is shared and owned by the runtime; nothing to close per provider."""
        return None
