"""Model references: `provider/model` strings, the `Route` a conversation uses, and how the
argument of `/model X` becomes a route (SPEC §6).

`/model X` resolution, in order: strip whitespace and back-quotes until neither is left at either
end; split a trailing `@profile` (only after the last `/`; dates and quant tags such as
`@20251001`, `@q8_0`, `@4bit` stay in the id); then an alias from `agent.models`
(case-insensitive), else `p/m` with a known `p` (unless the current provider namespaces its model
ids, like openrouter), else a model on the current provider. `auto` (or `auto/auto`) selects the
routing model (SPEC §8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.registry import ProviderSpec


@dataclass(frozen=True)
class Route:
    """Which provider and model a conversation talks to, and optionally a pinned auth profile."""

    provider: str
    model: str
    profile: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.provider}/{self.model}"


def split_ref(ref: str) -> tuple[str, str]:
    """Split at the first `/`: `"openrouter/a/b"` -> `("openrouter", "a/b")`.

    Raises ValueError when either side is empty.
    """
    provider, sep, model = ref.strip().partition("/")
    if not sep or not provider.strip() or not model.strip():
        raise ValueError(f"expected '<provider>/<model>', got {ref!r}")
    return provider.strip(), model.strip()


# Suffixes after `@` that belong to the model id, not an auth profile: version numbers and dates
# (`@20251001`, `@20251001-v2`, `@2025-10-01`, `@001`) and quantisation/precision tags (`@q8_0`,
# `@iq4_xs`, `@4bit`, `@fp16`).
_ID_TAG = re.compile(
    r"\d{8}[-.\w]*|\d+(?:[-.]\d+)*|i?q\d\w*|\d+(\.\d+)?-?bits?"
    r"|fp\d+|bf16|f16|f32|int\d+|awq|gptq|gguf|mlx|latest",
    re.IGNORECASE,
)


def clean_model_arg(raw: str) -> str:
    """Strip whitespace and back-quotes from both ends until neither is left."""
    text = raw
    while (stripped := text.strip().strip("`")) != text:
        text = stripped
    return text


def split_profile(text: str) -> tuple[str, str | None]:
    """`model@profile` -> (model, profile). The profile is "" when the text ends with `@`."""
    slash = text.rfind("/")
    at = text.rfind("@")
    if at <= slash:
        return text, None
    suffix = text[at + 1 :]
    if suffix and _ID_TAG.fullmatch(suffix):
        return text, None
    return text[:at], suffix


@dataclass(frozen=True)
class ModelChoice:
    """Where `/model X` points: the provider (canonical id) and the model id."""

    provider: str
    model: str


def known_provider(name: str, config: Config | None) -> ProviderSpec | None:
    """The registry spec for `name`; None when unknown or malformed (e.g. a bad `custom:` URL)."""
    from zeroclaw_py.errors import UnknownProviderError
    from zeroclaw_py.providers import registry

    try:
        return registry.resolve(name, config)
    except UnknownProviderError:
        return None


def canonical_provider(name: str, config: Config | None) -> str:
    """The registry id for `name`, or `name` unchanged when the registry does not know it."""
    spec = known_provider(name, config)
    return spec.id if spec is not None else name.strip()


def default_route(config: Config) -> Route:
    """`agent.model.primary` as a route, its provider canonicalised (regions kept)."""
    provider, model = split_ref(config.agent.model.primary)
    return Route(canonical_provider(provider, config), model)


def alias_target(alias: str, config: Config) -> ModelChoice | None:
    wanted = alias.casefold()
    for ref, settings in config.agent.models.items():
        if settings.alias and settings.alias.strip().casefold() == wanted:
            provider, model = split_ref(ref)
            return ModelChoice(canonical_provider(provider, config), model)
    return None


def resolve_model(text: str, current_provider: str, config: Config) -> ModelChoice | None:
    """The provider/model `text` (already cleaned, profile split off) names; None when empty."""
    from zeroclaw_py.router.routing import AUTO

    if not text:
        return None
    if text.casefold() in (AUTO, f"{AUTO}/{AUTO}"):  # the routing model picks per message (§8)
        return ModelChoice(AUTO, AUTO)
    if (aliased := alias_target(text, config)) is not None:
        return aliased
    head, sep, rest = text.partition("/")
    if sep:
        current = known_provider(current_provider, config)
        namespaced = current is not None and current.namespaced_models
        target = None if namespaced else known_provider(head, config)
        if target is not None:
            model = rest.strip()
            return ModelChoice(target.id, model) if model else None
    return ModelChoice(current_provider, text)
