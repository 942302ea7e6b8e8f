"""Reading and switching a web session's route (pickers, `update_model`).

The switch itself is the runtime's (runtime/switching.py): the same resolution `/models` and
`/model` use (provider names and aliases, regional ids, model aliases), so the web pickers cannot
disagree with the chat commands. This module only adapts it to the web session and its JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from zeroclaw_py.gateway.sessions import CHANNEL, WebSession
from zeroclaw_py.models.refs import Route
from zeroclaw_py.runtime.context import Runtime
from zeroclaw_py.runtime.switching import SwitchRefused, switch

log = logging.getLogger(__name__)


def route_payload(route: Route) -> dict[str, Any]:
    return {"provider": route.provider, "model": route.model}


async def current_route(runtime: Runtime, session: WebSession) -> Route:
    return await runtime.get_route(runtime.conversation_key(session.inbound("")))


async def switch_route(
    runtime: Runtime, session: WebSession, provider: object, model: object
) -> Route:
    """Point the session at `provider`/`model` (either may be omitted to keep the current one).

    History is kept (seed 002: a web model swap loses no context) and an auth profile cannot be
    pinned here. Raises SwitchRefused with the runtime's reply text; the old route stays.
    """
    provider, model = _optional_text("provider", provider), _optional_text("model", model)
    config = runtime.config
    key = runtime.conversation_key(session.inbound(""), config)
    done = await switch(
        runtime,
        config,
        key,
        channel=CHANNEL,
        provider=provider,
        model=model,
        pin_profiles=False,
        keep_history=True,
    )
    if done.changed:
        log.info("web: session %s now on %s", session.id, done.route.ref)
    return done.route


def _optional_text(field: str, value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise SwitchRefused(f"{field!r} must be a string")
