"""The provider table: order, aliases, regions, custom providers and its invariants."""

from __future__ import annotations

import pytest

from zeroclaw_py.config.schema import Config, ProviderSettings
from zeroclaw_py.errors import UnknownProviderError
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.base import Provider
from zeroclaw_py.providers.factory import create_provider
from zeroclaw_py.providers.http import make_http_client

UPSTREAM_ORDER = [
    "openrouter", "anthropic", "openai", "openai-codex", "ollama", "gemini", "venice", "vercel",
    "cloudflare", "moonshot", "kimi-code", "synthetic", "opencode", "zai", "glm", "minimax",
    "bedrock", "qianfan", "qwen", "groq", "mistral", "xai", "deepseek", "together", "fireworks",
    "perplexity", "cohere", "copilot", "lmstudio", "nvidia", "ovhcloud",
]  # fmt: skip


def test_listed_providers_are_the_31_upstream_lines_then_echo() -> None:
    listed = [spec.id for spec in registry.listed_providers()]
    assert listed[:31] == UPSTREAM_ORDER
    assert listed[31:] == ["echo"]


def test_qwen_line_shows_regional_aliases_as_upstream() -> None:
    qwen = registry.resolve("qwen")
    assert qwen is not None
    assert qwen.aliases == ("dashscope", "qwen-intl", "dashscope-intl", "qwen-us", "dashscope-us")


@pytest.mark.parametrize(
    ("name", "expected", "host"),
    [
        ("qwen-intl", "qwen-intl", "dashscope-intl.aliyuncs.com"),
        ("DashScope-International", "qwen-intl", "dashscope-intl.aliyuncs.com"),
        ("dashscope-us", "qwen-us", "dashscope-us.aliyuncs.com"),
        ("qwen-cn", "qwen", "dashscope.aliyuncs.com"),
        ("  kimi-intl ", "moonshot-intl", "api.moonshot.ai"),
        ("kimi", "moonshot", "api.moonshot.cn"),
        ("bigmodel", "glm-cn", "open.bigmodel.cn"),
        ("zhipu", "glm", "api.z.ai"),
        ("z.ai-cn", "zai-cn", "open.bigmodel.cn"),
        ("minimaxi", "minimax-cn", "api.minimaxi.com"),
        ("minimax-global", "minimax", "api.minimax.io"),
        ("GROK", "xai", "api.x.ai"),
        ("lm-studio", "lmstudio", "localhost:1234"),
    ],
)
def test_resolve_keeps_regions(name: str, expected: str, host: str) -> None:
    spec = registry.resolve(name)
    assert spec is not None
    assert spec.id == expected
    assert host in spec.base_url


def test_regional_variants_are_unlisted_and_point_at_their_line() -> None:
    regional = [s for s in registry.PROVIDERS if s.region_of]
    assert {s.id for s in regional} == {
        "moonshot-intl", "qwen-intl", "qwen-us", "glm-cn", "zai-cn", "minimax-cn"
    }  # fmt: skip
    for spec in regional:
        assert not spec.listed
        assert registry.resolve(spec.region_of or "") is not None


def test_unknown_and_empty_names() -> None:
    assert registry.resolve("nope") is None
    assert registry.resolve("   ") is None
    message = registry.unknown_provider_message("nope")
    assert message.startswith("Unknown provider: nope.")
    assert "custom:https://your-api.com" in message


def test_custom_url_providers() -> None:
    spec = registry.resolve(" custom:http://127.0.0.1:8000/v1/ ")
    assert spec is not None
    assert (spec.wire, spec.base_url, spec.custom) == ("openai", "http://127.0.0.1:8000/v1", True)
    anth = registry.resolve("anthropic-custom:https://proxy.example")
    assert anth is not None
    assert anth.wire == "anthropic"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("custom:", "requires a URL"),
        ("custom:not a url", "requires a valid URL"),
        ("custom:ftp://example.com", "requires an http:// or https:// URL"),
        ("anthropic-custom:http://[::1", "requires a valid URL"),
    ],
)
def test_custom_url_errors(name: str, fragment: str) -> None:
    with pytest.raises(UnknownProviderError, match=fragment):
        registry.resolve(name)


def test_config_custom_providers_resolve_and_list() -> None:
    config = Config(
        providers={
            "local-vllm": ProviderSettings(kind="openai", api_url="http://127.0.0.1:8000/v1"),
            "openai": ProviderSettings(api_key="sk-x"),
            "broken": ProviderSettings(kind="ollama"),
        }
    )
    spec = registry.resolve("Local-VLLM", config)
    assert spec is not None
    assert (spec.id, spec.wire, spec.namespaced_models) == ("local-vllm", "openai", True)
    assert [s.id for s in registry.listed_providers(config)][31:] == ["echo", "local-vllm"]
    assert registry.resolve("local-vllm") is None  # needs the config
    with pytest.raises(UnknownProviderError, match="api_url"):
        registry.resolve("broken", config)


def test_ids_unique_and_aliases_never_collide() -> None:
    ids = [s.id for s in registry.PROVIDERS]
    assert len(ids) == len(set(ids))
    hidden = [a for s in registry.PROVIDERS for a in s.hidden_aliases]
    assert len(hidden) == len(set(hidden))
    assert not set(hidden) & set(ids)
    shown: list[str] = []
    for spec in registry.PROVIDERS:
        for alias in spec.aliases:
            assert alias != spec.id
            target = registry.resolve(alias)
            assert target is not None
            # a displayed alias is this line's own alias or one of its regional variants
            assert target.id == spec.id or target.region_of == spec.id
            if target.id == spec.id:
                shown.append(alias)
    assert len(shown) == len(set(shown))
    assert not set(shown) & set(ids)
    assert all(name == name.strip().lower() for name in ids + hidden + shown)


def test_namespaced_aggregators() -> None:
    flagged = {s.id for s in registry.PROVIDERS if s.namespaced_models}
    assert {"openrouter", "vercel", "together", "fireworks", "nvidia", "cloudflare"} <= flagged
    assert not {"openai", "anthropic", "copilot", "venice"} & flagged


@pytest.mark.anyio
async def test_every_entry_and_alias_is_constructible() -> None:
    config = Config(api_key="dummy-key-for-construction")
    names = [n for s in registry.PROVIDERS for n in (s.id, *s.aliases, *s.hidden_aliases)]
    async with make_http_client(5.0) as http:
        for name in names:
            spec = registry.resolve(name)
            assert spec is not None, name
            provider = create_provider(spec, config, http)
            assert isinstance(provider, Provider)
            assert provider.id == spec.id
