"""Binds the fallback runner to a running `Runtime`: the one call site of `runtime/turn.py`.

State that must outlive a turn — the candidate breaker and the auth profile manager (cooldowns,
least-recently-used order, OAuth refresh locks) — lives on the Runtime (`runtime.reliability`),
created here on first use. The breaker follows `[reliability]` on every turn, so a
hot reload applies without a restart. Last-known-good profiles persist in the runtime's state
store (kv), the auth store file lives next to it in the state dir.

Providers for fallback candidates are leased from the runtime's pool for the length of the turn,
exactly like the routed one, so a reload never closes an instance under a running call.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zeroclaw_py import paths
from zeroclaw_py.channels.base import Answer
from zeroclaw_py.errors import ZeroclawError
from zeroclaw_py.models.auth import AuthProfiles
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.models.breaker import CandidateBreaker
from zeroclaw_py.models.fallback import FallbackDeps, TurnRequest, run_turn
from zeroclaw_py.models.fallback_policy import canonical_provider
from zeroclaw_py.models.images import CatalogModel

if TYPE_CHECKING:
    from zeroclaw_py.channels.base import Responder
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.base import Provider
    from zeroclaw_py.runtime.context import Runtime
    from zeroclaw_py.runtime.turn import Turn

log = logging.getLogger(__name__)


class TurnFailed(ZeroclawError):
    """No answer: `str(self)` is the one user-facing message (already scrubbed, complete)."""


@dataclass
class SharedReliability:
    auth: AuthProfiles
    breaker: CandidateBreaker


def shared_for(runtime: Runtime, config: Config) -> SharedReliability:
    """The runtime's breaker and auth profiles (created on first use, reconfigured each turn)."""
    shared = runtime.reliability
    if shared is None:
        store = AuthProfileStore(runtime.state_dir / paths.AUTH_PROFILES_FILE)
        shared = SharedReliability(
            auth=AuthProfiles(store, kv=runtime.store, http=runtime.http),
            breaker=CandidateBreaker(),
        )
        runtime.reliability = shared
    rel = config.reliability
    shared.breaker.configure(failure_threshold=rel.failure_threshold, cooldown_s=rel.cooldown_s)
    return shared


class _RuntimeCatalog:
    """Builds the catalog only when a message actually carries an image."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def lookup(self, provider: str, model: str) -> CatalogModel | None:
        return self.runtime.catalog().lookup(provider, model)


async def complete_turn(turn: Turn, responder: Responder) -> Answer:
    """Run `turn` through the candidates; the answer, or TurnFailed with the message to send."""
    runtime, config = turn.runtime, turn.config
    shared = shared_for(runtime, config)
    routed_id = canonical_provider(turn.route.provider, config)
    async with AsyncExitStack() as stack:
        leased: dict[str, Provider] = {routed_id: turn.provider}

        async def get_provider(provider_id: str) -> Provider:
            if provider_id not in leased:
                lease = runtime.provider_lease(provider_id, config)
                leased[provider_id] = await stack.enter_async_context(lease)
            return leased[provider_id]

        deps = FallbackDeps(
            get_provider=get_provider,
            config=config,
            auth=shared.auth,
            breaker=shared.breaker,
            catalog=_RuntimeCatalog(runtime),
        )
        request = TurnRequest(
            route=turn.route,
            messages=turn.request.messages,
            session_key=turn.key,
            temperature=turn.request.temperature,
            max_tokens=turn.request.max_tokens,
        )
        on_token = responder.token if responder.streams else None
        result = await run_turn(request, deps, on_token)
    if not result.ok:
        raise TurnFailed(result.failure or "the model gave no answer")
    # Keep the stored history as short as what fitted, unless the user cleared it meanwhile.
    if result.history_trimmed and not turn.history.cleared:
        kept = tuple(m for m in result.messages[:-1] if m.role != "system")
        await runtime.clear_history(turn.key)
        if kept:
            await runtime.append_history(turn.key, kept)
    # provider/model are None only when no model was needed (an image no model here can see)
    return Answer(
        result.text, result.provider or turn.route.provider, result.model or turn.route.model
    )
