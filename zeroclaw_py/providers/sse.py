"""Streaming body readers: Server-Sent Events (OpenAI, Anthropic, Gemini) and NDJSON (Ollama).

Hand-rolled over `httpx.Response.aiter_lines()` (which already joins lines split across TCP
reads), so no extra dependency and no buffering of the whole body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class SseEvent:
    event: str | None
    data: str


async def iter_sse(response: httpx.Response) -> AsyncIterator[SseEvent]:
    event: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield SseEvent(event, "\n".join(data))
            event, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield SseEvent(event, "\n".join(data))


async def iter_ndjson_lines(response: httpx.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        if line.strip():
            yield line
