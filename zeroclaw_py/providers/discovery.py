"""Live model discovery for `zeroclaw models refresh` (SPEC §4 endpoints, one per wire).

The wire clients already know each endpoint (OpenAI-style `GET <base>/models`, Anthropic
`GET /v1/models`, Gemini `models?pageSize=200` keeping generateContent models, Ollama
`/api/tags`), so discovery is: build the provider with a short CLI timeout, list, normalise.

The key follows SPEC §4 like a chat call: the provider's usable auth profiles first (in their
order; one that is refused makes way for the next), then the provider's own credential — so
`zeroclaw login openai` alone is enough for `zeroclaw models refresh --provider openai`.
"""

from __future__ import annotations

import dataclasses
import logging

import httpx

from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import AuthError, BillingError, ProviderError
from zeroclaw_py.models.cache import normalize_ids
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.http import make_http_client
from zeroclaw_py.providers.registry import ProviderSpec

DISCOVERY_TIMEOUT_S = 8.0
log = logging.getLogger(__name__)


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
            refused: ProviderError | None = None
            for key in await _profile_keys(spec, config, http):
                try:
                    return normalize_ids(await provider.list_models(api_key=key))
                except (AuthError, BillingError) as exc:  # refused: the next profile
                    refused = exc
            try:
                return normalize_ids(await provider.list_models())
            except AuthError:
                if refused is not None:  # "key not set" would hide why the profiles failed
                    raise refused from None
                raise
        finally:
            await provider.aclose()


async def _profile_keys(spec: ProviderSpec, config: Config, http: httpx.AsyncClient) -> list[str]:
    """Secrets of the provider's usable auth profiles, in order (OAuth tokens refreshed)."""
    from zeroclaw_py.models.auth import AuthProfiles
    from zeroclaw_py.models.auth_store import AuthStoreError

    profiles = AuthProfiles(http=http)
    try:
        order = [choice for choice in profiles.order(config, spec.id) if choice.available]
    except AuthStoreError as exc:  # a broken store: the provider's own key remains
        log.warning("auth profiles not used for %s: %s", spec.id, exc)
        return []
    keys: list[str] = []
    for choice in order:
        try:
            keys.append(await profiles.secret(config, choice))
        except (AuthStoreError, ProviderError) as exc:  # e.g. an OAuth refresh was refused
            log.warning("auth profile %s not used: %s", choice.id, exc)
    return [key for key in keys if key.strip()]
