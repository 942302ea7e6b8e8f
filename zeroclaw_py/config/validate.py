"""Validate a parsed (legacy-mapped) document into a `Config`: types first, then meaning.

`convert.py` checks shapes and types from the schema's type hints; this module adds the rules a
type cannot express (`provider/model` refs, number ranges, custom providers, auth profile ids).
Errors make the config unusable; warnings (unknown keys, unknown providers) never do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from zeroclaw_py.config.convert import convert_document, join
from zeroclaw_py.config.schema import Config, WireKind
from zeroclaw_py.errors import ConfigIssue, UnknownProviderError

WIRE_KINDS: tuple[WireKind, ...] = ("openai", "anthropic", "gemini", "ollama")

# (dotted path, how to read it, lowest, highest): numeric ranges a type hint cannot say.
Range = tuple[str, Callable[[Config], float], float, float | None]
RANGES: tuple[Range, ...] = (
    ("default_temperature", lambda c: c.default_temperature, 0, 2),
    ("gateway.port", lambda c: c.gateway.port, 0, 65535),  # 0 = any free port
    ("gateway.reload.debounce_ms", lambda c: c.gateway.reload.debounce_ms, 0, None),
    ("reliability.provider_retries", lambda c: c.reliability.provider_retries, 0, 100),
    ("reliability.provider_backoff_ms", lambda c: c.reliability.provider_backoff_ms, 0, None),
    ("reliability.request_timeout_s", lambda c: c.reliability.request_timeout_s, 0.001, None),
    ("reliability.failure_threshold", lambda c: c.reliability.failure_threshold, 1, None),
    ("reliability.cooldown_s", lambda c: c.reliability.cooldown_s, 0, None),
    ("channels_config.max_history", lambda c: c.channels_config.max_history, 1, None),
    ("router.reload_interval", lambda c: c.router.reload_interval, 1, None),
)

# Prefixes that name a provider without being in the registry table.
_ROUTER_PROVIDER = "auto"
# A route splits at the first "/", so a URL provider cannot appear in one.
_URL_PROVIDER_PREFIXES = ("custom:", "anthropic-custom:")
_URL_IN_ROUTE = (
    "a custom:<url> provider cannot be part of a route; declare [providers.<name>] with kind "
    'and api_url and use "<name>/<model>"'
)


def _range_message(low: float, high: float | None) -> str:
    if high is None:
        return f"must be at least {low:g}"
    return f"expected a number between {low:g} and {high:g}"


def _check_ranges(config: Config) -> Iterator[ConfigIssue]:
    for path, read, low, high in RANGES:
        value = read(config)
        if value < low or (high is not None and value > high):
            yield ConfigIssue(path, _range_message(low, high))


def _model_refs(config: Config) -> Iterator[tuple[str, str]]:
    """Every `provider/model` string of the config with its path."""
    agent = config.agent
    yield "agent.model.primary", agent.model.primary
    for i, ref in enumerate(agent.model.fallbacks):
        yield f"agent.model.fallbacks[{i}]", ref
    if agent.image_model is not None:
        yield "agent.image_model.primary", agent.image_model.primary
        for i, ref in enumerate(agent.image_model.fallbacks):
            yield f"agent.image_model.fallbacks[{i}]", ref
    for key, settings in agent.models.items():
        yield join("agent.models", key), key
        for i, ref in enumerate(settings.fallbacks or ()):
            yield f"{join('agent.models', key)}.fallbacks[{i}]", ref
    for i, ref in enumerate(config.router.candidates):
        yield f"router.candidates[{i}]", ref


def _split(ref: str) -> tuple[str, str] | None:
    provider, sep, model = ref.strip().partition("/")
    if not sep or not provider.strip() or not model.strip():
        return None
    return provider.strip(), model.strip()


def provider_known(name: str, config: Config | None = None) -> bool | None:
    """Whether the registry (or the config's custom providers) knows `name`; None = cannot tell."""
    from zeroclaw_py.providers import registry

    try:
        return registry.resolve(name, config) is not None
    except UnknownProviderError:  # e.g. `custom:` with a malformed URL
        return False
    except NotImplementedError:  # registry not filled in yet: do not guess
        return None


def _check_refs(config: Config) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    errors: list[ConfigIssue] = []
    warnings: list[ConfigIssue] = []
    for path, ref in _model_refs(config):
        parts = _split(ref)
        if parts is None:
            errors.append(ConfigIssue(path, f'expected "<provider>/<model>", got "{ref}"'))
            continue
        provider = parts[0]
        if provider.lower().startswith(_URL_PROVIDER_PREFIXES):
            errors.append(ConfigIssue(path, _URL_IN_ROUTE))
            continue
        if provider.lower() == _ROUTER_PROVIDER:
            continue
        if provider_known(provider, config) is False:
            warnings.append(ConfigIssue(path, f'unknown provider "{provider}"'))
    return errors, warnings


def _check_providers(config: Config) -> Iterator[ConfigIssue]:
    """A `[providers.X]` not in the registry is a custom provider: it needs kind + api_url."""
    for name, settings in config.providers.items():
        if provider_known(name) is not False:
            continue
        path = join("providers", name)
        if settings.kind is None:
            kinds = ", ".join(WIRE_KINDS)
            yield ConfigIssue(f"{path}.kind", f"required for a custom provider ({kinds})")
        if not settings.api_url:
            yield ConfigIssue(f"{path}.api_url", "required for a custom provider")


def _check_urls(config: Config) -> Iterator[ConfigIssue]:
    urls: list[tuple[str, str | None]] = [
        (f"{join('providers', n)}.api_url", s.api_url) for n, s in config.providers.items()
    ]
    if config.channels_config.telegram is not None:
        urls.append(
            ("channels_config.telegram.api_base_url", config.channels_config.telegram.api_base_url)
        )
    if config.channels_config.discord is not None:
        urls.append(
            ("channels_config.discord.api_base_url", config.channels_config.discord.api_base_url)
        )
    for path, url in urls:
        if url is not None and not url.startswith(("http://", "https://")):
            yield ConfigIssue(path, "expected an http:// or https:// URL")


def _check_auth(config: Config) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    errors: list[ConfigIssue] = []
    warnings: list[ConfigIssue] = []
    for profile_id, profile in config.auth.profiles.items():
        path = join("auth.profiles", profile_id)
        prefix, sep, name = profile_id.partition(":")
        if not sep or not prefix.strip() or not name.strip():
            errors.append(ConfigIssue(path, 'expected a profile id "<provider>:<name>"'))
        elif prefix.strip().lower() != profile.provider.strip().lower():
            warnings.append(
                ConfigIssue(f"{path}.provider", f'"{profile.provider}" differs from the profile id')
            )
    for provider, ids in config.auth.order.items():
        for i, profile_id in enumerate(ids):
            if ":" not in profile_id:
                errors.append(
                    ConfigIssue(
                        f"{join('auth.order', provider)}[{i}]",
                        'expected a profile id "<provider>:<name>"',
                    )
                )
    return errors, warnings


def _check_router(config: Config) -> Iterator[ConfigIssue]:
    """Warnings only: a half-configured or unknown router leaves `/model auto` off, nothing else."""
    router = config.router
    if not router.strategy and not router.model_path:
        return
    off = "the router stays off"
    if not router.strategy:
        yield ConfigIssue("router.strategy", f"required when router.model_path is set; {off}")
        return
    if not router.model_path:
        yield ConfigIssue("router.model_path", f"required when router.strategy is set; {off}")
    # lazy: the router service is only worth importing when a router is configured
    from zeroclaw_py.router.model import STRATEGIES
    from zeroclaw_py.router.service import strategy_name

    if strategy_name(router.strategy) not in STRATEGIES:
        known = ", ".join(STRATEGIES)
        yield ConfigIssue(
            "router.strategy", f'unknown strategy "{router.strategy}" (known: {known}); {off}'
        )


def validate(raw: Mapping[str, Any]) -> tuple[Config | None, list[ConfigIssue], list[ConfigIssue]]:
    """`raw` (already legacy-mapped) as a `Config`, plus every error and warning found."""
    config, converter = convert_document(Config, raw)
    errors, warnings = converter.errors, converter.warnings
    if config is None:
        return None, errors, warnings
    assert isinstance(config, Config)
    errors.extend(_check_ranges(config))
    errors.extend(_check_providers(config))
    errors.extend(_check_urls(config))
    warnings.extend(_check_router(config))
    for check in (_check_refs, _check_auth):
        more_errors, more_warnings = check(config)
        errors.extend(more_errors)
        warnings.extend(more_warnings)
    return (None if errors else config), errors, warnings
