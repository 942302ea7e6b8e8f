"""Credential precedence (SPEC §4), settings fingerprints and instance construction."""

from __future__ import annotations

import pytest

from zeroclaw_py.config.schema import Config, ProviderSettings, ReliabilityConfig
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.factory import (
    effective_base_url,
    resolve_credential,
    settings_fingerprint,
)
from zeroclaw_py.providers.registry import ProviderSpec


def spec(name: str, config: Config | None = None) -> ProviderSpec:
    found = registry.resolve(name, config)
    assert found is not None
    return found


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {v for s in registry.PROVIDERS for v in s.env_vars} | {"ZEROCLAW_API_KEY", "API_KEY"}
    for var in names:
        monkeypatch.delenv(var, raising=False)


def test_credential_precedence_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    openai = spec("openai")
    monkeypatch.setenv("API_KEY", "k-api-key")
    assert resolve_credential(openai, Config()) == "k-api-key"
    monkeypatch.setenv("ZEROCLAW_API_KEY", "k-zeroclaw")
    assert resolve_credential(openai, Config()) == "k-zeroclaw"
    config = Config(api_key="k-global")
    assert resolve_credential(openai, config) == "k-global"
    monkeypatch.setenv("OPENAI_API_KEY", "k-env")
    assert resolve_credential(openai, config) == "k-env"
    config = Config(api_key="k-global", providers={"openai": ProviderSettings(api_key="k-prov")})
    assert resolve_credential(openai, config) == "k-prov"
    assert resolve_credential(openai, config, profile_key="k-profile") == "k-profile"


def test_blank_values_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "   ")
    config = Config(api_key="k-global", providers={"openai": ProviderSettings(api_key="")})
    assert resolve_credential(spec("openai"), config, profile_key=" ") == "k-global"


def test_anthropic_env_order_and_gemini_fallback_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k-anthropic")
    assert resolve_credential(spec("anthropic"), Config()) == "k-anthropic"
    monkeypatch.setenv("ANTHROPIC_OAUTH_TOKEN", "sk-ant-oat01-token")
    assert resolve_credential(spec("anthropic"), Config()) == "sk-ant-oat01-token"
    monkeypatch.setenv("GOOGLE_API_KEY", "k-google")
    assert resolve_credential(spec("google"), Config()) == "k-google"


def test_local_providers_need_no_key_and_never_borrow_global(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZEROCLAW_API_KEY", "k-cloud")
    config = Config(api_key="k-global")
    assert resolve_credential(spec("ollama"), config) is None
    assert resolve_credential(spec("lmstudio"), config) == "lm-studio"
    monkeypatch.setenv("OLLAMA_API_KEY", "k-ollama-cloud")
    assert resolve_credential(spec("ollama"), config) == "k-ollama-cloud"


def test_provider_settings_keyed_by_alias_and_regional_base() -> None:
    config = Config(
        providers={
            "grok": ProviderSettings(api_key="k-grok", api_url="http://proxy/v1"),
            "qwen": ProviderSettings(api_key="k-qwen", api_url="http://cn-proxy/v1"),
        }
    )
    assert resolve_credential(spec("xai"), config) == "k-grok"
    assert effective_base_url(spec("xai"), config) == "http://proxy/v1"
    # a regional variant borrows its line's key but never its endpoint
    intl = spec("qwen-intl")
    assert resolve_credential(intl, config) == "k-qwen"
    assert effective_base_url(intl, config) == intl.base_url


def test_fingerprint_changes_only_with_relevant_settings() -> None:
    openai = spec("openai")
    base = Config(providers={"openai": ProviderSettings(api_key="k-1")})
    same = Config(default_temperature=0.1, providers={"openai": ProviderSettings(api_key="k-1")})
    assert settings_fingerprint(openai, base) == settings_fingerprint(openai, same)
    variants = [
        Config(providers={"openai": ProviderSettings(api_key="k-2")}),
        Config(providers={"openai": ProviderSettings(api_key="k-1", api_url="http://x/v1")}),
        Config(providers={"openai": ProviderSettings(api_key="k-1", kind="anthropic")}),
        Config(
            providers={"openai": ProviderSettings(api_key="k-1")},
            reliability=ReliabilityConfig(request_timeout_s=5),
        ),
    ]
    for variant in variants:
        assert settings_fingerprint(openai, variant) != settings_fingerprint(openai, base)
    assert "k-1" not in repr(settings_fingerprint(openai, base))


def test_typed_custom_urls_never_borrow_the_global_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any allowed sender can type `/models custom:https://their-server/v1`: the operator's
    global key must not follow them there. Loopback and operator-declared endpoints get it."""
    monkeypatch.setenv("ZEROCLAW_API_KEY", "k-env-global")
    monkeypatch.setenv("API_KEY", "k-env-last")
    url = "custom:https://their-server.example/v1"
    config = Config(
        api_key="k-global",
        providers={"local-vllm": ProviderSettings(kind="openai", api_url="http://127.0.0.1:8000")},
    )
    for name in (url, "anthropic-custom:https://their-server.example"):
        assert resolve_credential(spec(name), config) is None
    assert resolve_credential(spec("local-vllm", config), config) == "k-global"
    for own_box in ("custom:http://127.0.0.1:8000/v1", "anthropic-custom:http://localhost:9"):
        assert resolve_credential(spec(own_box), config) == "k-global"  # never leaves the box
    assert resolve_credential(spec(url), config, profile_key="k-profile") == "k-profile"
    own = Config(api_key="k-global", providers={url: ProviderSettings(api_key="k-own")})
    assert resolve_credential(spec(url), own) == "k-own"
