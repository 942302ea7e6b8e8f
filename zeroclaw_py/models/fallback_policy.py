"""The fallback rules (SPEC §7.1) as data: which candidates, what per error, how long to wait.

`ERROR_TABLE` is the one place an error class is mapped to an action; `fallback.py` only reads it.
Waits are computed here from the config snapshot and an injected random source (jitter), so the
runner and the tests agree on every delay without sleeping. Candidate lists are built here too:
the routed model, then its own `agent.models.<key>.fallbacks` or the global ones, deduplicated
on the canonical provider id (aliases folded through the registry).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Final

from zeroclaw_py.errors import (
    AuthError,
    BadRequestError,
    BillingError,
    ContextOverflowError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
    TransientError,
    UnknownProviderError,
)
from zeroclaw_py.models.auth import norm_provider
from zeroclaw_py.models.refs import Route, split_ref
from zeroclaw_py.providers.base import Message

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config

log = logging.getLogger(__name__)

BACKOFF_CAP_S: Final = 10.0
RETRY_AFTER_CAP_S: Final = 30.0
JITTER: Final = 0.2  # backoff is scaled by a random factor in [1 - JITTER, 1 + JITTER]


class Action(Enum):
    ROTATE_PROFILE = "rotate_profile"  # next usable auth profile, none left -> next candidate
    ROTATE_OR_WAIT = "rotate_or_wait"  # another profile at once, else wait and retry, else next
    NEXT_CANDIDATE = "next_candidate"
    RETRY = "retry"  # backoff and retry within provider_retries, then next candidate
    TRIM_HISTORY = "trim_history"  # drop the oldest history once and retry, else report
    REPORT = "report"  # the request itself is wrong: tell the user, no fallback


@dataclass(frozen=True)
class ErrorPolicy:
    action: Action
    penalize_profile: bool = False  # cool the auth profile down (billing: disable it)
    trips_breaker: bool = False  # counts as a consecutive failure of the candidate


# First matching row wins (subclasses before their bases).
ERROR_TABLE: Final[tuple[tuple[type[ProviderError], ErrorPolicy], ...]] = (
    (AuthError, ErrorPolicy(Action.ROTATE_PROFILE, penalize_profile=True)),
    (BillingError, ErrorPolicy(Action.ROTATE_PROFILE, penalize_profile=True)),
    (RateLimitError, ErrorPolicy(Action.ROTATE_OR_WAIT, penalize_profile=True, trips_breaker=True)),
    (ModelNotFoundError, ErrorPolicy(Action.NEXT_CANDIDATE, trips_breaker=True)),
    (ContextOverflowError, ErrorPolicy(Action.TRIM_HISTORY)),
    (BadRequestError, ErrorPolicy(Action.REPORT)),
    (TransientError, ErrorPolicy(Action.RETRY, trips_breaker=True)),
    (ProviderError, ErrorPolicy(Action.NEXT_CANDIDATE)),
)

# User-facing failure texts (`TurnResult.failure`). The runtime frames them as its error reply.
MESSAGES: Final = {
    "all_failed": "All models failed ({count}):\n{lines}",
    "attempt_line": "- {ref}: {reason}{detail}",
    "skipped": "skipped, failing repeatedly (next try in {seconds} s)",
    "bad_request": "`{ref}` rejected the request: {detail}",
    "context_overflow": (
        "Context overflow: the conversation is too long for `{ref}`. "
        "Send /new to start fresh, or switch to a model with a larger context."
    ),
    "partial": (
        "The answer was cut off: `{ref}` failed mid-answer ({reason}). "
        "The text above is incomplete; send your message again to retry."
    ),
}


# Error reason (ProviderError.reason, plus the runner's own) -> words in the user's message.
# Metrics and attempts keep the machine label.
REASON_LABELS: Final[dict[str, str]] = {
    "auth": "authentication failed",
    "billing": "billing problem (credits or plan)",
    "rate_limit": "rate limited",
    "model_not_found": "model not found",
    "context_overflow": "context overflow",
    "bad_request": "bad request",
    "server": "server error",
    "timeout": "timed out",
    "connection": "connection failed",
    "stream_dropped": "stream cut off",
    "unavailable": "provider unavailable",
    "error": "error",
}


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason.replace("_", " "))


def policy_for(error: ProviderError) -> ErrorPolicy:
    return next(policy for cls, policy in ERROR_TABLE if isinstance(error, cls))


def backoff_seconds(config: Config, retry: int, rand: Callable[[], float]) -> float:
    """`provider_backoff_ms` doubling per retry, capped at 10 s, scaled by a jitter factor."""
    base = max(config.reliability.provider_backoff_ms, 0) / 1000 * 2**retry
    jittered = min(base, BACKOFF_CAP_S) * (1 - JITTER + 2 * JITTER * rand())
    return float(min(jittered, BACKOFF_CAP_S))


def rate_limit_wait(
    error: RateLimitError, config: Config, retry: int, rand: Callable[[], float]
) -> float:
    """Retry-After (capped at 30 s) when the provider said, else the normal backoff."""
    if error.retry_after is not None and error.retry_after >= 0:
        return min(error.retry_after, RETRY_AFTER_CAP_S)
    return backoff_seconds(config, retry, rand)


def trim_oldest(messages: tuple[Message, ...]) -> tuple[Message, ...] | None:
    """Drop the oldest half of the history (system prompt and the newest message stay)."""
    system = [m for m in messages if m.role == "system"]
    rest = [m for m in messages if m.role != "system"]
    if len(rest) <= 1:
        return None
    keep = rest[len(rest) // 2 :]
    while len(keep) > 1 and keep[0].role != "user":  # most wires want a user message first
        keep = keep[1:]
    return (*system, *keep)


# --- candidates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    provider: str
    model: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.model)

    @property
    def ref(self) -> str:
        return f"{self.provider}/{self.model}"


def canonical_provider(name: str, config: Config | None) -> str:
    """The registry id for `name` (aliases folded) so duplicates are recognised."""
    from zeroclaw_py.providers.registry import resolve

    try:
        spec = resolve(name, config)
    except UnknownProviderError:
        spec = None
    return spec.id if spec is not None else norm_provider(name)


def _model_fallbacks(config: Config, route: Route) -> tuple[str, ...]:
    """`agent.models."<p/m>".fallbacks` when set for the routed model, else the global list."""
    for key, settings in config.agent.models.items():
        if settings.fallbacks is None:
            continue
        try:
            provider, model = split_ref(key)
        except ValueError:
            continue
        if model == route.model and canonical_provider(provider, config) == route.provider:
            return settings.fallbacks
    return config.agent.model.fallbacks


def candidates_from(config: Config, first: Route | None, refs: tuple[str, ...]) -> list[Candidate]:
    """`first`, then each `provider/model` of `refs`; invalid refs are logged and skipped."""
    found: list[Candidate] = []
    if first is not None:
        found.append(Candidate(canonical_provider(first.provider, config), first.model))
    for ref in refs:
        try:
            provider, model = split_ref(ref)
        except ValueError:
            log.warning("ignoring invalid fallback %r (expected provider/model)", ref)
            continue
        found.append(Candidate(canonical_provider(provider, config), model))
    return list(dict.fromkeys(found))  # dataclass equality: duplicates dropped, order kept


def build_candidates(config: Config, route: Route) -> list[Candidate]:
    """SPEC §7.1: the routed model, then its own fallbacks or the global ones."""
    return candidates_from(config, route, _model_fallbacks(config, route))
