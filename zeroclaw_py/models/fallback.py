"""The turn runner: candidates, fallback, auth-profile rotation and image routing (SPEC §7).

    result = await run_turn(TurnRequest(route, messages, session_key), deps, on_token)

`deps` (`FallbackDeps`) carries the runtime's `get_provider`, the config snapshot the turn started
with, the shared `AuthProfiles` and `CandidateBreaker`, the catalog (image support), and the
injectable `sleep`/`random` so tests never wait. `run_turn` never raises for provider failures:
`TurnResult.ok` says whether `text` is the answer; otherwise `failure` is the one user-facing
message (all attempts listed, scrubbed) and `text` holds whatever was already streamed.

What happens per error is `fallback_policy.ERROR_TABLE` (data, one row per error class). Rules
that hold across rows:
- A candidate whose breaker is open is skipped (one fast fallback during an outage); when every
  candidate is open, the first is probed once anyway so a lone model is not dead for the cooldown.
- Streaming: once a TextDelta reached `on_token`, a failure ends the turn with the partial text and
  `MESSAGES["partial"]` as `failure`: another model's answer never replaces what the user read.
- Every attempt is recorded (`TurnResult.attempts`, metric PROVIDER_REQUESTS); moving on counts in
  FALLBACKS; the model that answered is logged and returned.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import anyio

from zeroclaw_py.errors import ProviderError, RateLimitError, ZeroclawError
from zeroclaw_py.models.auth import AuthProfiles, ProfileChoice
from zeroclaw_py.models.auth_store import AuthStoreError
from zeroclaw_py.models.breaker import CandidateBreaker
from zeroclaw_py.models.fallback_policy import (
    MESSAGES,
    Action,
    Candidate,
    backoff_seconds,
    build_candidates,
    candidates_from,
    canonical_provider,
    policy_for,
    rate_limit_wait,
    reason_label,
    trim_oldest,
)
from zeroclaw_py.models.images import CatalogLookup, plan_images
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    Message,
    StreamEnd,
    TextDelta,
    Usage,
)
from zeroclaw_py.providers.scrub import sanitize_api_error

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.base import Provider

log = logging.getLogger(__name__)

# --- request / result --------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnRequest:
    route: Route  # resolved once when the turn starts (its `profile` is the session's pin)
    messages: tuple[Message, ...]  # system prompt + history + the new user message
    session_key: str | None = None  # the conversation key: last-known-good profile memory
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass
class FallbackDeps:
    get_provider: Callable[[str], Awaitable[Provider]]
    config: Config
    auth: AuthProfiles | None = None
    breaker: CandidateBreaker = field(default_factory=CandidateBreaker)
    catalog: CatalogLookup | None = None
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    random: Callable[[], float] = random.random


@dataclass(frozen=True)
class Attempt:
    """One provider call (or a skipped candidate). `detail` is scrubbed."""

    provider: str
    model: str
    outcome: str  # "ok", an error reason, or "skipped"
    detail: str = ""
    profile: str | None = None


@dataclass(frozen=True)
class TurnResult:
    text: str  # the answer; when not ok, what was already streamed (often "")
    ok: bool
    provider: str | None = None  # who produced `text` (None when no model answered)
    model: str | None = None
    attempts: tuple[Attempt, ...] = ()
    usage: Usage | None = None
    failure: str | None = None  # the user-facing message when not ok (scrubbed)
    partial: bool = False  # streamed output was cut: `text` is what the user already saw
    error: str | None = None  # reason label when not ok
    history_trimmed: bool = False  # the oldest history was dropped after a context overflow
    messages: tuple[Message, ...] = ()  # what was finally sent, when history_trimmed
    fallback: bool = False  # answered by a candidate other than the routed one


OnToken = Callable[[str], Awaitable[None]]


async def run_turn(
    request: TurnRequest, deps: FallbackDeps, on_token: OnToken | None = None
) -> TurnResult:
    """Run one turn through the candidates; see the module docstring for the rules."""
    route = request.route
    plan = plan_images(deps.config, deps.catalog, route.provider, route.model, request.messages)
    if plan.skip_model:
        return TurnResult(text=plan.note or "", ok=True)
    if plan.chain is not None:
        candidates = candidates_from(deps.config, None, plan.chain)
    else:
        candidates = build_candidates(deps.config, route)
    try:
        result = await _Run(request, deps, on_token, plan.messages, candidates).run()
    except _DeliveryFailed as exc:
        raise exc.original from None  # the channel's own error, not a provider failure
    if plan.note and result.ok:
        result = replace(result, text=f"{result.text}\n\n{plan.note}")
    return result


class _DeliveryFailed(Exception):
    """`on_token` raised: the channel broke, which no other model can fix."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


class _Run:
    """The state of one turn: attempts so far, streamed text, whether history was trimmed."""

    def __init__(
        self,
        request: TurnRequest,
        deps: FallbackDeps,
        on_token: OnToken | None,
        messages: tuple[Message, ...],
        candidates: list[Candidate],
    ) -> None:
        self.request = request
        self.deps = deps
        self.config = deps.config
        self.on_token = on_token
        self.messages = messages
        self.candidates = candidates
        self.attempts: list[Attempt] = []
        self.lines: list[str] = []  # one per abandoned candidate, for the all-failed message
        self.parts: list[str] = []  # text streamed to the user by the current call
        self.trimmed = False

    async def run(self) -> TurnResult:
        breaker = self.deps.breaker
        called = False
        for index, cand in enumerate(self.candidates):
            if breaker.acquire(cand.key):
                called = True
                retries = self.config.reliability.provider_retries
                result = await self._guarded(cand, max(retries, 0))
            else:
                self._skip(cand)
                result = None
            if result is not None:
                return result
            if index + 1 < len(self.candidates):
                _fallbacks_metric(self.attempts[-1].outcome)
        if not called and self.candidates:  # everything is open: probe the first one once
            first = self.candidates[0]
            breaker.force_probe(first.key)
            self.lines.clear()
            result = await self._guarded(first, 0)
            if result is not None:
                return result
        return self._all_failed()

    async def _guarded(self, cand: Candidate, retries: int) -> TurnResult | None:
        """`_candidate`, giving back a claimed half-open probe if the turn is cancelled
        (timeout) or the channel breaks, so the candidate is not left unprobeable."""
        try:
            return await self._candidate(cand, retries)
        except BaseException:
            self.deps.breaker.release(cand.key)
            raise

    async def _candidate(self, cand: Candidate, retries: int) -> TurnResult | None:
        """Call one candidate until it answers (result), must report (result), or gives up."""
        try:
            provider = await self.deps.get_provider(cand.provider)
        except ZeroclawError as exc:
            self.deps.breaker.release(cand.key)
            self._give_up(cand, None, "unavailable", exc, calls=0)
            return None
        queue = await self._profiles(cand)
        if queue is None:
            self.deps.breaker.release(cand.key)
            self._give_up(cand, None, "billing", None, calls=0)
            return None
        choice = queue[0] if queue else None
        failed_profiles: set[str] = set()
        calls = used_retries = 0
        while True:
            calls += 1
            try:
                response = await self._call(provider, cand, choice)
            except _DeliveryFailed:
                raise
            except ProviderError as err:
                error = err
            except Exception as exc:  # a bug below the wire boundary: log it, try the next one
                log.exception("unexpected error from %s", cand.ref)
                error = ProviderError(f"unexpected {type(exc).__name__}", provider=cand.provider)
            else:
                return await self._success(cand, choice, response)
            policy = policy_for(error)
            self._record(cand, choice, error.reason, error)
            opened = policy.trips_breaker and self.deps.breaker.record_failure(cand.key)
            if choice is not None and policy.penalize_profile and self.deps.auth is not None:
                self.deps.auth.mark_failure(choice, error.reason)
                failed_profiles.add(choice.id)
            if self.parts:  # the user already read part of this answer: never replace it
                return self._partial(cand, error.reason)
            action = policy.action
            if action in (Action.ROTATE_PROFILE, Action.ROTATE_OR_WAIT) and choice is not None:
                rotated = _next_profile(queue, failed_profiles)
                if rotated is not None:
                    choice = rotated
                    continue
            if action is Action.TRIM_HISTORY:
                shorter = None if self.trimmed else trim_oldest(self.messages)
                if shorter is not None:
                    self.messages, self.trimmed = shorter, True
                    continue
                return self._report(cand, "context_overflow", error)
            if action is Action.REPORT:
                return self._report(cand, "bad_request", error)
            retry = action in (Action.RETRY, Action.ROTATE_OR_WAIT) and not opened
            if retry and used_retries < retries:
                await self.deps.sleep(self._wait(error, used_retries))
                used_retries += 1
                continue
            self.deps.breaker.release(cand.key)
            self._give_up(cand, choice, error.reason, error, calls=calls)
            return None

    def _wait(self, error: ProviderError, retry: int) -> float:
        if isinstance(error, RateLimitError):
            return rate_limit_wait(error, self.config, retry, self.deps.random)
        return backoff_seconds(self.config, retry, self.deps.random)

    async def _profiles(self, cand: Candidate) -> list[ProfileChoice] | None:
        """The profiles to use, the first one to start with; [] = the provider's default key,
        None = every profile is disabled for billing (skip the candidate)."""
        auth = self.deps.auth
        if auth is None:
            return []
        route = self.request.route
        if route.profile and canonical_provider(route.provider, self.config) == cand.provider:
            pinned = auth.pinned(self.config, route.profile, cand.provider)
            if pinned is not None:
                return [pinned]  # an explicit pin is used as is, never rotated away from
            log.warning("pinned auth profile %s is not usable; using the order", route.profile)
        try:
            preferred = await auth.last_good(self.request.session_key, cand.provider)
            order = auth.order(self.config, cand.provider, preferred=preferred)
        except AuthStoreError as exc:  # a broken store must not take every turn down with it
            log.error("auth profiles unusable, using the provider's own credential: %s", exc)
            return []
        if not order:
            return []
        start = next((c for c in order if c.available or c.blocked_reason != "billing"), None)
        if start is None:
            return None
        return [start, *(c for c in order if c is not start)]

    async def _call(
        self, provider: Provider, cand: Candidate, choice: ProfileChoice | None
    ) -> ChatResponse:
        api_key = None
        if choice is not None and self.deps.auth is not None:
            api_key = await self.deps.auth.secret(self.config, choice)
        request = ChatRequest(
            model=cand.model,
            messages=self.messages,
            temperature=self.request.temperature,
            max_tokens=self.request.max_tokens,
        )
        if self.on_token is None:
            return await provider.chat(request, api_key=api_key)
        self.parts = []
        usage = finish = None
        stream = provider.stream(request, api_key=api_key)
        try:
            async for event in stream:
                if isinstance(event, TextDelta) and event.text:
                    self.parts.append(event.text)
                    try:
                        await self.on_token(event.text)
                    except Exception as exc:
                        raise _DeliveryFailed(exc) from exc
                elif isinstance(event, StreamEnd):
                    usage, finish = event.usage, event.finish_reason
        finally:
            closer = getattr(stream, "aclose", None)
            if closer is not None:
                await closer()
        return ChatResponse("".join(self.parts), cand.model, usage, finish)

    # --- outcomes ----------------------------------------------------------------------------

    def _record(
        self, cand: Candidate, choice: ProfileChoice | None, outcome: str, error: Exception | None
    ) -> None:
        from zeroclaw_py.metrics import PROVIDER_REQUESTS

        detail = sanitize_api_error(str(error)) if error is not None else ""
        profile = choice.id if choice is not None else None
        self.attempts.append(Attempt(cand.provider, cand.model, outcome, detail, profile))
        PROVIDER_REQUESTS.labels(provider=cand.provider, model=cand.model, outcome=outcome).inc()
        if error is not None:
            log.warning("%s call failed (profile %s): %s: %s", cand.ref, profile, outcome, detail)

    async def _success(
        self, cand: Candidate, choice: ProfileChoice | None, response: ChatResponse
    ) -> TurnResult:
        if choice is not None and self.deps.auth is not None:
            await self.deps.auth.mark_success(choice, self.request.session_key)
        self.deps.breaker.record_success(cand.key)
        self._record(cand, choice, "ok", None)
        fallback = cand != self.candidates[0]
        if fallback:
            log.info(
                "answer produced by fallback %s (routed %s; %d failed attempts)",
                cand.ref,
                self.candidates[0].ref,
                len(self.attempts) - 1,
            )
        return TurnResult(
            text=response.text,
            ok=True,
            provider=cand.provider,
            model=cand.model,
            attempts=tuple(self.attempts),
            usage=response.usage,
            history_trimmed=self.trimmed,
            messages=self.messages if self.trimmed else (),
            fallback=fallback,
        )

    def _give_up(
        self,
        cand: Candidate,
        choice: ProfileChoice | None,
        reason: str,
        error: Exception | None,
        *,
        calls: int,
    ) -> None:
        if calls == 0:  # nothing was called: still an attempt the user should see
            self._record(cand, choice, reason, error)
        label = reason_label(reason) + (f" after {calls} tries" if calls > 1 else "")
        self.lines.append(_line(cand, label, error))

    def _skip(self, cand: Candidate) -> None:
        seconds = max(1, round(self.deps.breaker.retry_in(cand.key)))
        self.attempts.append(Attempt(cand.provider, cand.model, "skipped"))
        self.lines.append(_line(cand, MESSAGES["skipped"].format(seconds=seconds), None))

    def _partial(self, cand: Candidate, reason: str) -> TurnResult:
        self.deps.breaker.release(cand.key)
        return TurnResult(
            text="".join(self.parts),
            failure=MESSAGES["partial"].format(ref=cand.ref, reason=reason_label(reason)),
            ok=False,
            provider=cand.provider,
            model=cand.model,
            attempts=tuple(self.attempts),
            partial=True,
            error=reason,
            history_trimmed=self.trimmed,
        )

    def _report(self, cand: Candidate, kind: str, error: ProviderError) -> TurnResult:
        self.deps.breaker.release(cand.key)
        failure = MESSAGES[kind].format(ref=cand.ref, detail=sanitize_api_error(str(error)))
        return TurnResult(
            text="",
            failure=failure,
            ok=False,
            attempts=tuple(self.attempts),
            error=kind,
            history_trimmed=self.trimmed,
        )

    def _all_failed(self) -> TurnResult:
        text = MESSAGES["all_failed"].format(count=len(self.lines), lines="\n".join(self.lines))
        log.error("all candidates failed: %s", "; ".join(self.lines))
        attempts = tuple(self.attempts)
        return TurnResult("", ok=False, failure=text, attempts=attempts, error="all_failed")


def _next_profile(queue: list[ProfileChoice], failed: set[str]) -> ProfileChoice | None:
    """The next usable profile not yet failed in this turn (cooling ones are not rotated to)."""
    return next((c for c in queue if c.available and c.id not in failed), None)


def _line(cand: Candidate, reason: str, error: Exception | None) -> str:
    detail = f" ({sanitize_api_error(str(error))})" if error is not None and str(error) else ""
    return MESSAGES["attempt_line"].format(ref=cand.ref, reason=reason, detail=detail)


def _fallbacks_metric(reason: str) -> None:
    from zeroclaw_py.metrics import FALLBACKS

    FALLBACKS.labels(reason=reason).inc()
