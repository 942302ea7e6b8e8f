"""Switching a conversation's route: the one resolution behind `/models X`, `/model X` and the web
pickers (SPEC §6, §9), so a chat command and a web picker can never disagree.

A request names a provider, a model, or both. The provider resolves like `/models X` (names,
aliases, regional ids, `custom:` URLs); the model like `/model X` (models.refs: aliases, `p/m`,
`@profile`), relative to the requested provider. A provider that was named or changes must
initialise. Every refusal is a reply from replies.py and leaves the route as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zeroclaw_py.models.refs import Route, clean_model_arg, resolve_model, split_profile
from zeroclaw_py.router.routing import AUTO
from zeroclaw_py.runtime.replies import render

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.context import Runtime

log = logging.getLogger(__name__)


class SwitchRefused(Exception):
    """The request cannot be honoured; `str(exc)` is the reply to show. The route is unchanged."""


@dataclass(frozen=True)
class Switch:
    """A switch that was accepted: the conversation's route before it and the route now."""

    previous: Route
    route: Route

    @property
    def changed(self) -> bool:
        return self.route != self.previous

    @property
    def kind(self) -> str:
        """The ROUTE_SWITCHES label."""
        return "provider" if self.route.provider != self.previous.provider else "model"


async def switch(
    runtime: Runtime,
    config: Config,
    key: str,
    *,
    channel: str,
    provider: str | None = None,
    model: str | None = None,
    pin_profiles: bool = True,
    keep_history: bool = False,
) -> Switch:
    """Resolve `provider` and/or `model` (None keeps the current one), check and store the route.

    Raises SwitchRefused. `pin_profiles=False` refuses `@profile` (the web pickers cannot pin one);
    `keep_history=True` ignores `history_on_switch` (a web swap keeps the conversation, seed 002).
    """
    current = await runtime.get_route(key)
    route = _target(runtime, config, current, provider, model, pin_profiles)
    if provider is not None or route.provider != current.provider:
        await _check_provider(runtime, route.provider, config)
    done = Switch(current, route)
    # SPEC §6: every `/model X` is a switch (history cleared under "clear") even to the route in
    # use; `/models X` and a web pick only when something changed.
    if done.changed or (model is not None and not keep_history):
        await runtime.switch_route(
            key, route, channel=channel, kind=done.kind, keep_history=keep_history
        )
    return done


def resolve_provider(raw: str, config: Config) -> str:
    """The canonical (or regional) id `raw` names, as `/models X` resolves it."""
    from zeroclaw_py.errors import UnknownProviderError
    from zeroclaw_py.providers import registry
    from zeroclaw_py.providers.scrub import describe_error

    try:
        spec = registry.resolve(raw, config)
    except UnknownProviderError as exc:  # a malformed `custom:` URL, with the reason
        error = describe_error(exc)
        raise SwitchRefused(render("provider_init_failed", provider=raw, error=error)) from exc
    if spec is None:
        raise SwitchRefused(render("provider_unknown", raw=raw))
    return spec.id


def _target(
    runtime: Runtime,
    config: Config,
    current: Route,
    provider: str | None,
    model: str | None,
    pin_profiles: bool,
) -> Route:
    target = current.provider if provider is None else resolve_provider(provider, config)
    if model is None:  # like `/models X`: the model (and a pinned profile) stay
        return current if target == current.provider else Route(target, current.model)
    text, profile = split_profile(clean_model_arg(model))
    if profile is not None and not pin_profiles:
        raise SwitchRefused(render("profile_in_chat"))
    choice = resolve_model(text.strip(), target, config)
    if choice is None:
        raise SwitchRefused(render("model_empty"))
    if profile is not None:
        if not profile.strip():
            raise SwitchRefused(render("profile_empty"))
        if (problem := _profile_problem(runtime, config, profile, choice.provider)) is not None:
            raise SwitchRefused(problem)
    return Route(choice.provider, choice.model, profile)


def _profile_problem(runtime: Runtime, config: Config, profile: str, provider: str) -> str | None:
    """None when `profile` may be pinned for `provider`, else the reply explaining why not.

    The profile may be declared in `[auth.profiles]` or only stored in auth-profiles.json.
    """
    from zeroclaw_py.models.auth import validate_profile
    from zeroclaw_py.models.auth_store import AuthProfileStore
    from zeroclaw_py.paths import AUTH_PROFILES_FILE

    store = AuthProfileStore(runtime.state_dir / AUTH_PROFILES_FILE)
    return validate_profile(config, profile, provider, store)


async def _check_provider(runtime: Runtime, provider: str, config: Config) -> None:
    """Refuse a provider that cannot be created; `auto` is the routing model, not a provider."""
    from zeroclaw_py.providers.scrub import describe_error

    if provider == AUTO:
        return
    try:
        await runtime.get_provider(provider, config)
    except Exception as exc:
        error = describe_error(exc)
        log.warning("provider %s failed to initialize: %s", provider, error)
        raise SwitchRefused(render("provider_init_failed", provider=provider, error=error)) from exc
