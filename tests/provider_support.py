"""Shared setup of the provider tests: our wire clients pointed at the loopback fake provider.

Import the `http` fixture and `wire_client` into a test module (list `http` in `__all__`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes.provider_server import FakeProvider
from zeroclaw_py.config.schema import Config, ProviderSettings, ReliabilityConfig
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.base import Provider
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.http import make_http_client

TEST_KEY = "k-test-123"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The shared pool, built as the runtime builds it."""
    async with make_http_client(30.0) as client:
        yield client


def wire_client(
    fake: FakeProvider,
    name: str,
    http: httpx.AsyncClient,
    *,
    key: str = TEST_KEY,
    timeout: float | None = None,
) -> Provider:
    """Our client for registry provider `name`, configured to talk to `fake` in its wire."""
    spec = registry.resolve(name)
    assert spec is not None
    reliability = ReliabilityConfig()
    if timeout is not None:
        reliability = ReliabilityConfig(request_timeout_s=timeout)
    config = Config(
        providers={spec.id: ProviderSettings(api_key=key, api_url=fake.base_url(spec.wire))},
        reliability=reliability,
    )
    return create_provider(spec, config, http)
