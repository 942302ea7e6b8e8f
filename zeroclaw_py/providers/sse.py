"""Streaming line decoding shared by the wires.

The base client feeds every line of a streamed body (httpx's `aiter_lines()` already rejoins
lines split across TCP reads) to a per-stream `StreamDecoder` of the wire, in one loop with no
intermediate async generators: each generator layer costs a few microseconds per token, which
is most of a client's overhead on a fast local stream (bench/provider_overhead.py).

SSE wires (OpenAI, Anthropic, Gemini) put one JSON document on one `data:` line per event;
Anthropic repeats the `event:` name as the JSON `type`, so only `data:` lines matter. Ollama
sends NDJSON: one JSON document per line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zeroclaw_py.providers.base import StreamEnd, StreamEvent, Usage

if TYPE_CHECKING:
    from zeroclaw_py.errors import ProviderError
    from zeroclaw_py.providers.base import ChatRequest
    from zeroclaw_py.providers.wire import WireProvider


def sse_data(line: str) -> str | None:
    """The payload of an SSE `data:` line, None for any other line (comments, event names)."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


class StreamDecoder:
    """Per-stream state. `feed(line)` returns the event the line carries (usually a text delta)
    or None, and sets `done` at the wire's end marker; `end()` then returns the closing
    `StreamEnd`. Reaching EOF without the marker means the stream was cut."""

    end_marker = "end of stream"

    def __init__(self, provider: WireProvider, request: ChatRequest) -> None:
        self.provider = provider
        self.request = request
        self.done = False
        self.usage: Usage | None = None
        self.finish: str | None = None

    def feed(self, line: str) -> StreamEvent | None:
        raise NotImplementedError

    def document(self, data: str) -> dict[str, Any] | None:
        """The JSON object a line carries: None for anything else (keep-alives, stray text,
        arrays), and an object with a top-level `error` (every wire's in-stream failure) raises
        it classified."""
        try:
            doc = json.loads(data)
        except ValueError:
            return None
        if type(doc) is not dict:
            return None
        if "error" in doc:
            raise self.fail(data)
        return doc

    def sse_document(self, line: str) -> dict[str, Any] | None:
        """`document` of an SSE `data:` line; other lines (comments, event names) are None."""
        data = sse_data(line)
        return self.document(data) if data else None

    def end(self) -> StreamEnd:
        if not self.done:
            from zeroclaw_py.providers.classify import stream_dropped

            raise stream_dropped(
                self.provider.id, model=self.request.model, cause=f"no {self.end_marker}"
            )
        return StreamEnd(usage=self.usage, finish_reason=self.finish)

    def fail(self, body: str) -> ProviderError:
        """An in-stream error document, classified like an HTTP error body."""
        return self.provider.error(None, body, None, self.request.model)
