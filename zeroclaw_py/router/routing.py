"""The one call a turn makes to the routing model: resolve `auto/auto` to a real route.

`/model auto` (or a default route `agent.model.primary = "auto/auto"`) stores the pseudo route
`Route("auto", "auto")`; at the start of each turn `pick_route` replaces it with the candidate the
runtime's router picks for the message. Without a loaded router, or when it has no answer (no
training query shares a feature with the message) or answers a model that is no longer in
`router.candidates`, the turn falls back to `agent.model.primary` (or, when that is `auto/auto`
too, the first candidate, then the offline `echo`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from zeroclaw_py.models.refs import Route, canonical_provider, split_ref

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.router.model import KnnRouter

log = logging.getLogger(__name__)

AUTO = "auto"
AUTO_ROUTE = Route(AUTO, AUTO)
LAST_RESORT = "echo/echo"


def is_auto(route: Route) -> bool:
    return route.provider.lower() == AUTO and route.model.lower() == AUTO


def pick_route(config: Config, route: Route, text: str, router: KnnRouter | None) -> Route:
    """`route` unchanged unless it is `auto/auto`; then `router`'s candidate or the fallback."""
    if not is_auto(route):
        return route
    choice = _ask_router(router, text)
    if choice is not None and choice in config.router.candidates:
        log.debug("router picked %s", choice)
        return _route(choice, config)
    if choice is not None:
        log.warning("router picked %s, which is not in router.candidates; using fallback", choice)
    return fallback_route(config)


def _ask_router(router: KnnRouter | None, text: str) -> str | None:
    if router is None:
        return None
    try:
        return router.predict(text)
    except Exception:  # a routing bug must not cost the user their answer
        log.exception("router failed to pick a model; using fallback")
        return None


def fallback_route(config: Config) -> Route:
    """`agent.model.primary`, unless it is `auto/auto` itself: then the first candidate."""
    for ref in (config.agent.model.primary, *config.router.candidates, LAST_RESORT):
        try:
            route = _route(ref, config)
        except ValueError:
            continue
        if not is_auto(route):
            return route
    return _route(LAST_RESORT, config)


def _route(ref: str, config: Config) -> Route:
    provider, model = split_ref(ref)
    return Route(canonical_provider(provider, config), model)
