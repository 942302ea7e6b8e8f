"""Reading and switching a web session's route (pickers, `update_model`).

The switch itself is the runtime's: the same resolution `/models` and `/model` use (provider names
and aliases, regional ids, model aliases, `@profile`), so the web pickers cannot disagree with
the chat commands. This module only adapts it to the web session and to error events.
"""

from __future__ import annotations

import logging
from typing import Any

from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import UnknownProviderError
from zeroclaw_py.gateway.sessions import CHANNEL, WebSession
from zeroclaw_py.metrics import ROUTE_SWITCHES
from zeroclaw_py.models.refs import (
    ModelChoice,
    Route,
    clean_model_arg,
    resolve_model,
    split_profile,
)
from zeroclaw_py.providers import registry
from zeroclaw_py.providers.scrub import sanitize_api_error
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.runtime.replies import render

log = logging.getLogger(__name__)

PROFILE_IN_CHAT = "Pin an auth profile in the chat with `/model <model-id>@<profile>`."


class SwitchRejected(Exception):
    """The requested provider/model cannot be used; the message is the user-facing reason."""


def route_payload(route: Route) -> dict[str, Any]:
    return {"provider": route.provider, "model": route.model}


async def current_route(runtime: Runtime, session: WebSession) -> Route:
    return await runtime.get_route(runtime.conversation_key(session.inbound("")))


async def switch_route(
    runtime: Runtime, session: WebSession, provider: object, model: object
) -> Route:
    """Point the session at `provider`/`model` (either may be omitted to keep the current one).

    History is kept (seed 002: a web model swap loses no context). Raises SwitchRejected with the
    runtime's reply text when the provider or model is refused; the old route stays.
    """
    config = runtime.config
    key = runtime.conversation_key(session.inbound(""), config)
    current = await runtime.get_route(key)
    try:
        choice = _choose(current, provider, model, config)
    except UnknownProviderError as exc:  # a malformed `custom:` URL, with the reason
        raise SwitchRejected(
            render("provider_init_failed", provider=provider, error=_detail(exc))
        ) from exc
    if choice.provider != current.provider:
        try:
            await runtime.get_provider(choice.provider, config)
        except Exception as exc:
            log.warning("web: provider %s failed to initialize: %s", choice.provider, _detail(exc))
            raise SwitchRejected(
                render("provider_init_failed", provider=choice.provider, error=_detail(exc))
            ) from exc
    new = Route(choice.provider, choice.model)
    if new != current:
        # Not runtime.switch_route: that applies `history_on_switch`, and a web swap keeps the
        # conversation (seed 002). The stored route and the switch metric are the same.
        await runtime.set_route(key, new)
        kind = "provider" if new.provider != current.provider else "model"
        ROUTE_SWITCHES.labels(CHANNEL, kind).inc()
        log.info("web: session %s now on %s", session.id, new.ref)
    return new


def _choose(current: Route, provider: object, model: object, config: Config) -> ModelChoice:
    """Where the request points, resolved like `/models <provider>` then `/model <model>`."""
    target = current.provider
    if provider is not None:
        if not isinstance(provider, str):
            raise SwitchRejected("'provider' must be a string")
        spec = registry.resolve(provider, config)
        if spec is None:
            raise SwitchRejected(render("provider_unknown", raw=provider))
        target = spec.id
    if model is None:
        return ModelChoice(target, current.model)  # like `/models X`: the model is kept
    if not isinstance(model, str):
        raise SwitchRejected("'model' must be a string")
    text, profile = split_profile(clean_model_arg(model))
    if profile is not None:
        raise SwitchRejected(PROFILE_IN_CHAT)
    choice = resolve_model(text.strip(), target, config)  # aliases, `p/m` forms
    if choice is None:
        raise SwitchRejected(render("model_empty"))
    return choice


def _detail(exc: BaseException) -> str:
    return sanitize_api_error(str(exc) or type(exc).__name__)
