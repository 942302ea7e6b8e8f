"""What each hot action of a reload plan does (SPEC §10), as a table of small coroutines.

The new snapshot is already in the runtime when these run (the manager swaps it first), so every
handler works from `runtime.config`: a restarted channel starts with its new settings, a rewritten
models.json describes the new providers.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from zeroclaw_py.config.rules import RELOAD_MODELS, RELOAD_ROUTER, RESTART_CHANNEL, ReloadPlan

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)


class ReloadTarget(Protocol):
    """The part of the runtime a reload touches (see `runtime.context`)."""

    @property
    def config(self) -> Config: ...

    def apply_config(self, new: Config) -> object: ...

    def catalog(self) -> Any: ...


@dataclass(frozen=True)
class HotContext:
    runtime: ReloadTarget
    host: ServiceHost | None
    plan: ReloadPlan


Handler = Callable[[HotContext, str], Awaitable[None]]


async def apply_snapshot(runtime: ReloadTarget, new: Config) -> None:
    """Swap the runtime's snapshot: turns already running keep theirs, the next turn gets `new`.

    The runtime also drops its catalog cache and replaces the provider instances whose settings
    changed (for new turns only). Accepts a sync or async `apply_config`.
    """
    result = runtime.apply_config(new)
    if inspect.isawaitable(result):
        await result


async def reload_models(ctx: HotContext, action: str) -> None:
    """Rebuild the catalog from the new snapshot now, which rewrites `<state>/models.json`.

    `apply_config` already dropped the cached catalog; building it eagerly (instead of on the next
    read) keeps models.json on disk in step with the file the operator just edited.
    """
    ctx.runtime.catalog()
    log.info("model registry reloaded")


async def restart_channel(ctx: HotContext, action: str) -> None:
    name = action[len(RESTART_CHANNEL) :]
    if ctx.host is None:
        log.warning("cannot restart %s channel: no daemon host", name)
        return
    log.info("restarting %s channel", name)
    await ctx.host.restart_service(name)


async def reload_router(ctx: HotContext, action: str) -> None:
    if ctx.host is None:
        log.warning("cannot reload the router: no daemon host")
        return
    await ctx.host.reload_router()


# action (or action prefix ending in ":") -> handler, in the order they run: models first so a
# restarted channel or router already sees the new catalog.
HANDLERS: tuple[tuple[str, Handler], ...] = (
    (RELOAD_MODELS, reload_models),
    (RESTART_CHANNEL, restart_channel),
    (RELOAD_ROUTER, reload_router),
)


def ordered_actions(actions: frozenset[str]) -> list[tuple[str, Handler]]:
    """Each action of a plan with its handler, in `HANDLERS` order (channels sorted by name)."""
    ordered: list[tuple[str, Handler]] = []
    for key, handler in HANDLERS:
        matching = (a for a in actions if a == key or (key.endswith(":") and a.startswith(key)))
        ordered.extend((action, handler) for action in sorted(matching))
    return ordered


async def run_hot_actions(ctx: HotContext) -> list[str]:
    """Run every action of the plan; one failing never stops the others. Returns the failures."""
    failures: list[str] = []
    known = {action for action, _ in ordered_actions(ctx.plan.actions)}
    for action in sorted(ctx.plan.actions - known):
        log.warning("config reload: no handler for action %s", action)
        failures.append(f"{action}: no handler")
    for action, handler in ordered_actions(ctx.plan.actions):
        try:
            await handler(ctx, action)
        except Exception as exc:
            log.exception("config reload action %s failed", action)
            failures.append(f"{action}: {exc}")
    return failures
