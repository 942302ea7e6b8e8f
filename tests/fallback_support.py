"""Helpers for the fallback / auth tests: config builders, a recording sleep, providers.

Two kinds of providers:
- `wire_deps(fake, config)`: the real wire clients (registry + factory + one httpx pool) pointed
  at the loopback fake provider server, for the error-table tests.
- `ScriptedProvider`: a small in-process object implementing the Provider protocol, for runner
  rules that need exact control (mid-stream cuts, many candidates) without HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from zeroclaw_py.config.schema import (
    AgentConfig,
    AuthConfig,
    AuthProfileConfig,
    Config,
    ModelChain,
    ModelSettings,
    ProviderSettings,
    ReliabilityConfig,
)
from zeroclaw_py.errors import UnknownProviderError
from zeroclaw_py.models.auth import AuthProfiles, MemoryKV
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.models.breaker import CandidateBreaker
from zeroclaw_py.models.fallback import FallbackDeps
from zeroclaw_py.providers.base import (
    ChatRequest,
    ChatResponse,
    Provider,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Usage,
)


def make_config(
    primary: str,
    fallbacks: Sequence[str] = (),
    *,
    providers: Mapping[str, ProviderSettings] | None = None,
    models: Mapping[str, ModelSettings] | None = None,
    image_model: ModelChain | None = None,
    profiles: Mapping[str, AuthProfileConfig] | None = None,
    order: Mapping[str, tuple[str, ...]] | None = None,
    retries: int = 2,
    backoff_ms: int = 500,
    failure_threshold: int = 3,
    cooldown_s: float = 30.0,
) -> Config:
    return Config(
        agent=AgentConfig(
            model=ModelChain(primary=primary, fallbacks=tuple(fallbacks)),
            image_model=image_model,
            models=dict(models or {}),
        ),
        providers=dict(providers or {}),
        auth=AuthConfig(profiles=dict(profiles or {}), order=dict(order or {})),
        reliability=ReliabilityConfig(
            provider_retries=retries,
            provider_backoff_ms=backoff_ms,
            request_timeout_s=10.0,
            failure_threshold=failure_threshold,
            cooldown_s=cooldown_s,
        ),
    )


def custom_providers(base_url: str, *names: str) -> dict[str, ProviderSettings]:
    """`[providers.<name>] kind = "openai", api_url = base_url` for each name."""
    return {name: ProviderSettings(kind="openai", api_url=base_url) for name in names}


class Clock:
    """A settable clock for both monotonic (breaker) and wall (profile cooldown) time."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingSleep:
    """Injected `sleep`: records each wait and advances the clock instead of waiting."""

    clock: Clock | None = None
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


def make_deps(
    config: Config,
    get_provider: Any,
    *,
    clock: Clock | None = None,
    store_path: Path | None = None,
    kv: MemoryKV | None = None,
    catalog: Any = None,
) -> tuple[FallbackDeps, RecordingSleep]:
    clock = clock or Clock()
    sleep = RecordingSleep(clock)
    auth = None
    if store_path is not None:
        auth = AuthProfiles(AuthProfileStore(store_path), kv=kv or MemoryKV(), now=clock)
    deps = FallbackDeps(
        get_provider=get_provider,
        config=config,
        auth=auth,
        breaker=CandidateBreaker(
            failure_threshold=config.reliability.failure_threshold,
            cooldown_s=config.reliability.cooldown_s,
            clock=clock,
        ),
        catalog=catalog,
        sleep=sleep,
        random=lambda: 0.5,  # jitter factor exactly 1.0
    )
    return deps, sleep


class WireProviders:
    """`get_provider` over the real registry + factory, one shared httpx client, cached."""

    def __init__(self, config: Config) -> None:
        from zeroclaw_py.providers.http import make_http_client

        self.config = config
        self.http: httpx.AsyncClient = make_http_client(10.0)
        self.cache: dict[str, Provider] = {}

    async def __call__(self, provider_id: str) -> Provider:
        from zeroclaw_py.providers.factory import create_provider
        from zeroclaw_py.providers.registry import resolve

        if provider_id not in self.cache:
            spec = resolve(provider_id, self.config)
            if spec is None:
                raise UnknownProviderError(provider_id)
            self.cache[provider_id] = create_provider(spec, self.config, self.http)
        return self.cache[provider_id]

    async def aclose(self) -> None:
        await self.http.aclose()


Outcome = str | Exception | tuple[Sequence[str], Exception | None]


class ScriptedProvider:
    """In-process Provider: each call takes the next scripted outcome for its model.

    An outcome is a reply string, an exception to raise, or `(chunks, error)` for a stream that
    yields `chunks` and then raises `error` (None = ends normally). The last outcome sticks.
    """

    def __init__(self, provider_id: str, script: Mapping[str, Sequence[Outcome]]) -> None:
        self._id = provider_id
        self.script = {model: list(steps) for model, steps in script.items()}
        self.calls: list[tuple[str, str | None]] = []  # (model, api_key)

    @property
    def id(self) -> str:
        return self._id

    def _next(self, model: str) -> Outcome:
        steps = self.script.get(model) or [f"[{self._id}/{model}] ok"]
        return steps.pop(0) if len(steps) > 1 else steps[0]

    async def chat(self, request: ChatRequest, *, api_key: str | None = None) -> ChatResponse:
        self.calls.append((request.model, api_key))
        outcome = self._next(request.model)
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, tuple):
            if outcome[1] is not None:
                raise outcome[1]
            return ChatResponse("".join(outcome[0]), request.model)
        return ChatResponse(outcome, request.model, Usage(3, 2))

    async def stream(
        self, request: ChatRequest, *, api_key: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        self.calls.append((request.model, api_key))
        outcome = self._next(request.model)
        if isinstance(outcome, Exception):
            raise outcome
        chunks, error = (outcome.split(" "), None) if isinstance(outcome, str) else outcome
        for chunk in chunks:
            yield TextDelta(chunk)
        if error is not None:
            raise error
        yield StreamEnd(Usage(3, len(chunks)), "stop")

    async def list_models(self, *, api_key: str | None = None) -> list[str]:
        return list(self.script)

    async def warmup(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class ScriptedProviders:
    """`get_provider` over a dict of ScriptedProvider (unknown id -> UnknownProviderError)."""

    def __init__(self, *providers: ScriptedProvider) -> None:
        self.providers = {p.id: p for p in providers}

    async def __call__(self, provider_id: str) -> Provider:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise UnknownProviderError(provider_id) from None
