"""One agent turn: route, history, provider call, stored exchange, final answer (SPEC §5).

The route, config snapshot and provider instance are taken once at the start, so a switch or a
reload while the turn runs never changes it. The provider call is isolated in `_complete` so the
fallback runner (models/fallback.py) can replace exactly that call site.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zeroclaw_py.channels.base import Answer, InboundMessage, Responder
from zeroclaw_py.errors import ProviderError
from zeroclaw_py.metrics import TURN_SECONDS
from zeroclaw_py.models.fallback_runtime import TurnFailed, complete_turn
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import ChatRequest, Message, Provider
from zeroclaw_py.providers.scrub import describe_error
from zeroclaw_py.router.routing import AUTO, pick_route
from zeroclaw_py.runtime.replies import render

if TYPE_CHECKING:
    from collections.abc import Callable

    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.context import HistoryWatch, Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """Everything a turn fixed at its start."""

    runtime: Runtime
    config: Config
    key: str
    route: Route
    provider: Provider
    request: ChatRequest
    msg: InboundMessage
    history: HistoryWatch  # set when the user clears the history while the turn runs


def build_messages(
    config: Config, history: tuple[Message, ...], user: Message
) -> tuple[Message, ...]:
    prompt = config.agent.system_prompt
    system = (Message("system", prompt),) if prompt else ()
    return (*system, *history, user)


async def _complete(turn: Turn, responder: Responder) -> Answer:
    """Run the turn through the fallback runner: candidates, auth profiles, image routing
    (models/fallback_runtime.py). Raises TurnFailed with the one message to show."""
    return await complete_turn(turn, responder)


async def _resolve_route(runtime: Runtime, config: Config, key: str, responder: Responder) -> Route:
    """The turn's route; an override naming a provider a reload removed falls back to default."""
    from zeroclaw_py.models.refs import known_provider

    route = await runtime.get_route(key, config)
    default = runtime.default_route(config)
    if (
        route.provider not in (default.provider, AUTO)
        and known_provider(route.provider, config) is None
    ):
        await runtime.set_route(key, default)
        await responder.send(
            render(
                "turn_provider_removed",
                provider=route.provider,
                default_provider=default.provider,
                default_model=default.model,
            )
        )
        return default
    return route


async def run_turn(
    runtime: Runtime,
    config: Config,
    msg: InboundMessage,
    key: str,
    text: str,
    responder: Responder,
    *,
    started: Callable[[], None] | None = None,
) -> str:
    """Answer one chat message; returns the outcome label for metrics. A provider failure
    never raises: the user gets one scrubbed `⚠️` message instead. `started` is called once the
    route, provider and history are fixed (the dispatcher then lets commands through)."""
    async with runtime.track_turn(), AsyncExitStack() as stack:
        route = await _resolve_route(runtime, config, key, responder)
        # `auto/auto`: the routing model picks (SPEC §8)
        route = pick_route(config, route, text, runtime.router)
        try:
            lease = runtime.provider_lease(route.provider, config)
            provider: Provider = await stack.enter_async_context(lease)
        except Exception as exc:
            error = describe_error(exc)
            log.warning("provider %s failed to initialize: %s", route.provider, error)
            await responder.send(
                render("turn_provider_init_failed", provider=route.provider, error=error)
            )
            return "error"
        watch = stack.enter_context(runtime.watch_history(key))
        history = await runtime.get_history(key)
        user = Message("user", text, msg.images)
        request = ChatRequest(
            model=route.model,
            messages=build_messages(config, history, user),
            temperature=config.default_temperature,
        )
        turn = Turn(runtime, config, key, route, provider, request, msg, watch)
        if started is not None:
            started()
        return await _answer(turn, user, responder)


async def _answer(turn: Turn, user: Message, responder: Responder) -> str:
    started = time.perf_counter()
    try:
        async with responder.typing(), asyncio.timeout(turn.runtime.turn_timeout_s):
            answer = await _complete(turn, responder)
    except TimeoutError:
        log.warning("turn timed out on %s", turn.route.ref)
        await responder.send(render("turn_timeout"))
        return "error"
    except TurnFailed as exc:  # every candidate failed: one complete, already scrubbed message
        await responder.send(render("turn_error", error=str(exc)))
        return "error"
    except ProviderError as exc:
        error = describe_error(exc)
        log.warning("turn failed on %s: %s", turn.route.ref, error)
        await responder.send(render("turn_error", error=error))
        return "error"
    TURN_SECONDS.labels(answer.provider, answer.model).observe(time.perf_counter() - started)
    if not answer.text.strip():
        await responder.send(render("turn_empty_answer"))
        return "error"
    if turn.history.cleared:  # `/new` or a switch cleared it meanwhile: start fresh indeed
        log.debug("history of %s cleared during the turn; exchange not stored", turn.key)
    else:
        await turn.runtime.append_history(turn.key, (user, Message("assistant", answer.text)))
    await responder.finish(answer)
    return "answered"
