"""Live model discovery for `zeroclaw models refresh` (SPEC §4 endpoints, one per wire).

The wire clients already know each endpoint (OpenAI-style `GET <base>/models`, Anthropic
`GET /v1/models`, Gemini `models?pageSize=200` keeping generateContent models, Ollama
`/api/tags`), so discovery is: build the provider with a short CLI timeout, list, normalise.
"""

from __future__ import annotations

import dataclasses

import httpx

from zeroclaw_py.config.schema import Config
from zeroclaw_py.models.cache import normalize_ids
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.http import make_http_client
from zeroclaw_py.providers.registry import ProviderSpec

DISCOVERY_TIMEOUT_S = 8.0


async def fetch_models(
    spec: ProviderSpec,
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = DISCOVERY_TIMEOUT_S,
) -> list[str]:
    """Sorted, de-duplicated, trimmed ids; raises the `ProviderError` tree on failure."""
    reliability = dataclasses.replace(config.reliability, request_timeout_s=timeout_s)
    short = dataclasses.replace(config, reliability=reliability)
    async with make_http_client(timeout_s, transport=transport) as http:
        provider = create_provider(spec, short, http)
        try:
            return normalize_ids(await provider.list_models())
        finally:
            await provider.aclose()
