"""`models refresh` discovery takes its key like a chat call: auth profiles, then the provider's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.provider_server import FakeProvider, fake_provider
from zeroclaw_py.config.schema import Config, ProviderSettings
from zeroclaw_py.errors import AuthError
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.discovery import fetch_models

pytestmark = pytest.mark.anyio
__all__ = ["fake_provider"]


def _setup(home: Path, fake: FakeProvider, key: str | None = None) -> Config:
    store = AuthProfileStore(home / "state" / "auth-profiles.json")
    store.upsert_profile(
        "openai:default", {"type": "api_key", "provider": "openai", "key": "k-profile-111"}
    )
    url = fake.base_url("openai")
    return Config(providers={"openai": ProviderSettings(api_key=key, api_url=url)})


async def test_a_logged_in_profile_is_enough_to_refresh(
    zeroclaw_home: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.models = ["gpt-b", "gpt-a"]
    spec = registry.resolve("openai")
    assert spec is not None
    assert await fetch_models(spec, _setup(zeroclaw_home, fake_provider)) == ["gpt-a", "gpt-b"]
    assert [r.api_key for r in fake_provider.requests] == ["k-profile-111"]


async def test_refused_profile_gives_way_to_the_configured_key(
    zeroclaw_home: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.queue("__models__", error="auth")  # one-shot: the profile's call
    spec = registry.resolve("openai")
    assert spec is not None
    config = _setup(zeroclaw_home, fake_provider, key="k-config-222")
    assert await fetch_models(spec, config) == ["fake-large", "fake-small"]
    assert [r.api_key for r in fake_provider.requests] == ["k-profile-111", "k-config-222"]


async def test_refused_profile_without_a_configured_key_reports_the_refusal(
    zeroclaw_home: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.script_models(error="auth")
    spec = registry.resolve("openai")
    assert spec is not None
    with pytest.raises(AuthError, match=r"401") as err:
        await fetch_models(spec, _setup(zeroclaw_home, fake_provider))
    assert "k-profile-111" not in str(err.value)
