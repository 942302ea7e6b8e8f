"""Build provider instances from a registry spec and a config snapshot.

Contract:
- `create_provider(spec, config, http) -> Provider`: the wire client for `spec` with
  `providers.<id>.api_url` (and `kind`) honoured and the default credential resolved per SPEC §4
  (profile credentials are passed per call). Raises `ProviderError`/`UnknownProviderError` when it
  cannot. A missing key is not a creation error (auth profiles may supply one per call); the
  call then fails with an AuthError naming where to put the key.
- `settings_fingerprint(spec, config) -> tuple`: everything in `config` that would change the
  instance (url, kind, credential, timeout). The runtime keys its cache on
  `(spec.id, fingerprint)`, so a reload that changes nothing keeps the instance. The credential
  enters the fingerprint only as a short hash.
- `resolve_credential(spec, config, profile_key=None) -> str | None`: SPEC §4 precedence:
  profile key › providers.<id>.api_key › the provider's env vars › global api_key ›
  ZEROCLAW_API_KEY › API_KEY. A regional variant also reads its base's `[providers.<base>]`
  key. Local providers (ollama, lmstudio, echo) never borrow the global keys — a cloud key must
  not travel to a LAN box; lmstudio falls back to "lm-studio". Neither does a `custom:<url>` /
  `anthropic-custom:<url>` off this machine: any allowed sender can type `/models custom:https://
  their-server`, and the operator's global key must not follow them there. Such a URL gets
  `[providers."custom:<url>"].api_key` or an auth profile; one on loopback (the operator's own
  box) keeps the full order, as does an endpoint declared as `[providers.<name>]`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING

from zeroclaw_py.config.schema import ProviderSettings, WireKind
from zeroclaw_py.providers.scrub import SCRUBBER

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.base import Provider
    from zeroclaw_py.providers.registry import ProviderSpec

_WIRE_CLASSES: Mapping[WireKind, str] = {
    "openai": "zeroclaw_py.providers.openai:OpenAIProvider",
    "anthropic": "zeroclaw_py.providers.anthropic:AnthropicProvider",
    "gemini": "zeroclaw_py.providers.gemini:GeminiProvider",
    "ollama": "zeroclaw_py.providers.ollama:OllamaProvider",
}

# Per-provider request headers upstream sends (attribution headers, client identification).
_EXTRA_HEADERS: Mapping[str, Mapping[str, str]] = {
    "openrouter": {
        "HTTP-Referer": "https://github.com/zeroclaw-labs/zeroclaw",
        "X-Title": "ZeroClaw",
    },
    "kimi-code": {"User-Agent": "KimiCLI/0.77"},
}

_DEFAULT_KEYS: Mapping[str, str] = {"lmstudio": "lm-studio"}
SCRUBBER.declare_public(*_DEFAULT_KEYS.values())  # placeholders, not secrets
_KEYLESS_MODEL_LISTS = frozenset({"openrouter"})
_NO_STREAM_OPTIONS = frozenset({"mistral"})  # answers 422 to `stream_options`
_GLOBAL_ENV = ("ZEROCLAW_API_KEY", "API_KEY")


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def provider_settings(spec: ProviderSpec, config: Config) -> ProviderSettings:
    """`[providers.<id>]` for `spec`, also when keyed by an alias (`[providers.grok]`)."""
    from zeroclaw_py.providers.registry import resolve

    if (exact := config.providers.get(spec.id)) is not None:
        return exact
    for key, settings in config.providers.items():
        if settings.kind is None and (found := resolve(key)) is not None and found.id == spec.id:
            return settings
    return ProviderSettings()


def _base_settings(spec: ProviderSpec, config: Config) -> ProviderSettings | None:
    if spec.region_of is None:
        return None
    from zeroclaw_py.providers.registry import resolve

    base = resolve(spec.region_of)
    return provider_settings(base, config) if base is not None else None


def resolve_credential(
    spec: ProviderSpec, config: Config, profile_key: str | None = None
) -> str | None:
    base = _base_settings(spec, config)
    candidates: list[str | None] = [
        profile_key,
        provider_settings(spec, config).api_key,
        base.api_key if base is not None else None,
    ]
    candidates.extend(os.environ.get(var) for var in spec.env_vars)
    if not spec.local and (not spec.typed_url or _on_loopback(spec.base_url)):
        candidates.append(config.api_key)
        candidates.extend(os.environ.get(var) for var in _GLOBAL_ENV)
    candidates.append(_DEFAULT_KEYS.get(spec.id))
    for value in candidates:
        if (key := _clean(value)) is not None:
            SCRUBBER.add(key)
            return key
    return None


def _on_loopback(url: str) -> bool:
    """Does `url` point at this machine (localhost, 127.0.0.0/8, ::1)?"""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def effective_wire(spec: ProviderSpec, config: Config) -> WireKind:
    return provider_settings(spec, config).kind or spec.wire


def effective_base_url(spec: ProviderSpec, config: Config) -> str:
    return (_clean(provider_settings(spec, config).api_url) or spec.base_url).rstrip("/")


def settings_fingerprint(spec: ProviderSpec, config: Config) -> Hashable:
    import hashlib  # not at module level: `models list` imports this module for base URLs

    key = resolve_credential(spec, config)
    key_hash = hashlib.sha256(key.encode()).hexdigest()[:16] if key else None
    return (
        spec.id,
        effective_wire(spec, config),
        effective_base_url(spec, config),
        key_hash,
        float(config.reliability.request_timeout_s),
    )


def create_provider(spec: ProviderSpec, config: Config, http: httpx.AsyncClient) -> Provider:
    if spec.id == "echo":
        from zeroclaw_py.providers.echo import EchoProvider

        return EchoProvider()
    from zeroclaw_py.providers.wire import WireSettings

    module_name, _, class_name = _WIRE_CLASSES[effective_wire(spec, config)].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    settings = WireSettings(
        provider_id=spec.id,
        base_url=effective_base_url(spec, config),
        api_key=resolve_credential(spec, config),
        key_required=not (spec.local or spec.custom),
        models_need_key=spec.id not in _KEYLESS_MODEL_LISTS,
        stream_usage=spec.id not in _NO_STREAM_OPTIONS,
        env_vars=spec.env_vars,
        timeout_s=float(config.reliability.request_timeout_s),
        extra_headers=_EXTRA_HEADERS.get(spec.id, {}),
    )
    provider: Provider = cls(settings, http)
    return provider
