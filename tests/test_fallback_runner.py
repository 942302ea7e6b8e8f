"""Runner rules beyond the error table: candidates, breaker, streaming, summary, metrics."""

from __future__ import annotations

import logging

import pytest

from tests.fallback_support import (
    Clock,
    ScriptedProvider,
    ScriptedProviders,
    make_config,
    make_deps,
)
from zeroclaw_py.config.schema import ModelSettings
from zeroclaw_py.errors import (
    ModelNotFoundError,
    ProviderConnectionError,
    StreamDroppedError,
    TransientError,
)
from zeroclaw_py.metrics import FALLBACKS, PROVIDER_REQUESTS, REGISTRY
from zeroclaw_py.models.breaker import BreakerState, CandidateBreaker
from zeroclaw_py.models.fallback import TurnRequest, run_turn
from zeroclaw_py.models.fallback_policy import (
    ERROR_TABLE,
    Action,
    Candidate,
    backoff_seconds,
    build_candidates,
    policy_for,
)
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message

pytestmark = pytest.mark.anyio

ASK = (Message("user", "hi"),)


def _request(provider: str = "pa", model: str = "m1") -> TurnRequest:
    return TurnRequest(Route(provider, model), ASK, "console_bob")


def test_candidates_use_per_model_fallbacks_and_drop_duplicates() -> None:
    config = make_config(
        "pa/m1",
        ["pb/m2", "pa/m1", "pc/m3"],
        models={
            "pa/special": ModelSettings(fallbacks=("OpenAI/gpt-4o", "openai/gpt-4o", "pb/m2")),
            "pa/nofb": ModelSettings(fallbacks=()),
            "pa/alias-only": ModelSettings(alias="A"),
        },
    )
    assert build_candidates(config, Route("pa", "m1")) == [
        Candidate("pa", "m1"),
        Candidate("pb", "m2"),
        Candidate("pc", "m3"),
    ]
    assert build_candidates(config, Route("pa", "special")) == [
        Candidate("pa", "special"),
        Candidate("openai", "gpt-4o"),
        Candidate("pb", "m2"),
    ]
    assert build_candidates(config, Route("pa", "nofb")) == [Candidate("pa", "nofb")]
    assert [c.ref for c in build_candidates(config, Route("pa", "alias-only"))] == [
        "pa/alias-only",
        "pb/m2",
        "pa/m1",
        "pc/m3",
    ]


def test_error_table_is_data_with_one_row_per_class() -> None:
    assert policy_for(StreamDroppedError("cut")).action is Action.RETRY
    assert policy_for(ModelNotFoundError("gone")).action is Action.NEXT_CANDIDATE
    classes = [cls for cls, _ in ERROR_TABLE]
    assert len(classes) == len(set(classes))
    # a subclass row must come before its base, or it could never match
    for i, cls in enumerate(classes):
        assert not any(issubclass(cls, base) for base in classes[:i])


def test_backoff_doubles_with_jitter_and_caps_at_ten_seconds() -> None:
    config = make_config("pa/m1", backoff_ms=500)
    assert [backoff_seconds(config, n, lambda: 0.5) for n in range(3)] == [0.5, 1.0, 2.0]
    assert backoff_seconds(config, 0, lambda: 0.0) == pytest.approx(0.4)
    assert backoff_seconds(config, 0, lambda: 1.0) == pytest.approx(0.6)
    assert backoff_seconds(config, 10, lambda: 1.0) == 10.0


def test_breaker_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = Clock()
    breaker = CandidateBreaker(failure_threshold=3, cooldown_s=30, clock=clock)
    key = ("pa", "m1")
    assert breaker.record_failure(key) is False
    breaker.record_success(key)  # a success resets the streak
    assert [breaker.record_failure(key) for _ in range(3)] == [False, False, True]
    assert breaker.state(key) is BreakerState.OPEN
    assert not breaker.acquire(key)
    assert breaker.retry_in(key) == 30
    clock.advance(30)
    assert breaker.state(key) is BreakerState.HALF_OPEN
    assert breaker.acquire(key)  # the single probe
    assert not breaker.acquire(key)  # everyone else keeps skipping while it runs
    assert breaker.record_failure(key) is True  # a failed probe re-opens at once
    assert breaker.state(key) is BreakerState.OPEN
    clock.advance(30)
    assert breaker.acquire(key)
    breaker.record_success(key)
    assert breaker.state(key) is BreakerState.CLOSED
    assert (
        REGISTRY.get_sample_value(
            "zeroclaw_candidate_breaker_open", {"provider": "pa", "model": "m1"}
        )
        == 0
    )


async def test_half_open_probe_success_brings_the_primary_back() -> None:
    down = TransientError("503", provider="pa")
    pa = ScriptedProvider("pa", {"m1": [down, down, down, "back again"]})
    pb = ScriptedProvider("pb", {"m2": ["fallback"]})
    clock = Clock()
    config = make_config("pa/m1", ["pb/m2"])
    deps, _ = make_deps(config, ScriptedProviders(pa, pb), clock=clock)
    first = await run_turn(_request(), deps)
    assert first.model == "m2"
    assert len(pa.calls) == 3
    assert (await run_turn(_request(), deps)).model == "m2"
    assert len(pa.calls) == 3  # open: skipped
    clock.advance(30)
    probe = await run_turn(_request(), deps)
    assert (probe.model, probe.text) == ("m1", "back again")
    assert len(pa.calls) == 4
    assert deps.breaker.state(("pa", "m1")) is BreakerState.CLOSED


async def test_failed_half_open_probe_costs_one_call_then_falls_back() -> None:
    pa = ScriptedProvider("pa", {"m1": [TransientError("503")]})
    pb = ScriptedProvider("pb", {"m2": ["fallback"]})
    clock = Clock()
    deps, sleep = make_deps(make_config("pa/m1", ["pb/m2"]), ScriptedProviders(pa, pb), clock=clock)
    await run_turn(_request(), deps)
    clock.advance(31)
    waits_before = len(sleep.waits)
    result = await run_turn(_request(), deps)
    assert result.model == "m2"
    assert len(pa.calls) == 4  # 3 on the first message, 1 probe
    assert len(sleep.waits) == waits_before  # the probe did not retry
    assert deps.breaker.state(("pa", "m1")) is BreakerState.OPEN


async def test_every_candidate_open_probes_the_first_once() -> None:
    pa = ScriptedProvider("pa", {"m1": [TransientError("503"), TransientError("503"), "ok"]})
    config = make_config("pa/m1", retries=1, failure_threshold=2)
    deps, _sleep = make_deps(config, ScriptedProviders(pa))
    failed = await run_turn(_request(), deps)
    assert not failed.ok
    assert deps.breaker.state(("pa", "m1")) is BreakerState.OPEN
    result = await run_turn(_request(), deps)  # still open, but it is the only candidate
    assert (result.ok, result.text) == (True, "ok")
    assert len(pa.calls) == 3


async def test_all_failed_is_one_message_listing_every_candidate() -> None:
    pa = ScriptedProvider(
        "pa", {"m1": [TransientError("pa API error (503): down sk-secret123456")]}
    )
    pb = ScriptedProvider("pb", {"m2": [ModelNotFoundError("no such model m2")]})
    config = make_config("pa/m1", ["pb/m2", "nowhere/m3"], retries=1)
    deps, _ = make_deps(config, ScriptedProviders(pa, pb))
    result = await run_turn(_request(), deps)
    assert not result.ok
    assert result.error == "all_failed"
    assert result.failure == (
        "All models failed (3):\n"
        "- pa/m1: server error after 2 tries (pa API error (503): down [REDACTED])\n"
        "- pb/m2: model not found (no such model m2)\n"
        "- nowhere/m3: provider unavailable (Unknown provider: nowhere)"
    )
    assert [a.outcome for a in result.attempts] == [
        "server",
        "server",
        "model_not_found",
        "unavailable",
    ]


async def test_partial_stream_is_never_replaced_by_another_model() -> None:
    cut = (["Hello", " wor"], StreamDroppedError("stream ended early"))
    pa = ScriptedProvider("pa", {"m1": [cut]})
    pb = ScriptedProvider("pb", {"m2": ["fallback answer"]})
    deps, _ = make_deps(make_config("pa/m1", ["pb/m2"]), ScriptedProviders(pa, pb))
    seen: list[str] = []

    async def on_token(text: str) -> None:
        seen.append(text)

    result = await run_turn(_request(), deps, on_token)
    assert seen == ["Hello", " wor"]
    assert pb.calls == []
    assert not result.ok
    assert result.partial
    assert (result.provider, result.model) == ("pa", "m1")
    assert result.text == "Hello wor"  # what the user already read
    assert result.failure == (
        "The answer was cut off: `pa/m1` failed mid-answer (stream cut off). "
        "The text above is incomplete; send your message again to retry."
    )
    assert len(pa.calls) == 1  # not retried either: that would repeat text the user saw


async def test_stream_failing_before_any_text_falls_back_and_streams_the_fallback() -> None:
    pa = ScriptedProvider("pa", {"m1": [ProviderConnectionError("refused")]})
    pb = ScriptedProvider("pb", {"m2": ["from fallback"]})
    deps, _ = make_deps(make_config("pa/m1", ["pb/m2"], retries=0), ScriptedProviders(pa, pb))
    seen: list[str] = []

    async def on_token(text: str) -> None:
        seen.append(text)

    result = await run_turn(_request(), deps, on_token)
    assert result.ok
    assert result.fallback
    assert "".join(seen) == result.text == "fromfallback"
    assert result.usage is not None


async def test_a_failing_channel_propagates_its_own_error() -> None:
    pa = ScriptedProvider("pa", {"m1": ["a b c"]})
    pb = ScriptedProvider("pb", {"m2": ["never"]})
    deps, _ = make_deps(make_config("pa/m1", ["pb/m2"]), ScriptedProviders(pa, pb))

    async def on_token(text: str) -> None:
        raise ConnectionResetError("chat went away")

    with pytest.raises(ConnectionResetError, match="chat went away"):
        await run_turn(_request(), deps, on_token)
    assert pb.calls == []


async def test_fallback_answer_is_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    pa = ScriptedProvider("pmetric", {"m1": [ModelNotFoundError("gone")]})
    pb = ScriptedProvider("pb", {"m2": ["ok"]})
    labels_ok = {"provider": "pb", "model": "m2", "outcome": "ok"}
    before_ok = REGISTRY.get_sample_value("zeroclaw_provider_requests_total", labels_ok) or 0
    before_fb = (
        REGISTRY.get_sample_value("zeroclaw_fallbacks_total", {"reason": "model_not_found"}) or 0
    )
    deps, _ = make_deps(make_config("pmetric/m1", ["pb/m2"]), ScriptedProviders(pa, pb))
    with caplog.at_level(logging.INFO, logger="zeroclaw_py.models.fallback"):
        result = await run_turn(_request("pmetric"), deps)
    assert result.ok
    assert "answer produced by fallback pb/m2 (routed pmetric/m1" in caplog.text
    assert REGISTRY.get_sample_value("zeroclaw_provider_requests_total", labels_ok) == before_ok + 1
    assert (
        REGISTRY.get_sample_value("zeroclaw_fallbacks_total", {"reason": "model_not_found"})
        == before_fb + 1
    )
    assert PROVIDER_REQUESTS is not None
    assert FALLBACKS is not None


async def test_unexpected_exception_from_a_provider_moves_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pa = ScriptedProvider("pa", {"m1": [KeyError("bug")]})
    pb = ScriptedProvider("pb", {"m2": ["ok"]})
    deps, _ = make_deps(make_config("pa/m1", ["pb/m2"]), ScriptedProviders(pa, pb))
    with caplog.at_level(logging.ERROR):
        result = await run_turn(_request(), deps)
    assert result.ok
    assert result.model == "m2"
    assert "unexpected error from pa/m1" in caplog.text


async def test_a_cancelled_probe_gives_the_probe_slot_back() -> None:
    import anyio

    gate = anyio.Event()

    class Hanging(ScriptedProvider):
        async def chat(self, request, *, api_key=None):  # type: ignore[no-untyped-def]
            if gate.is_set():
                return await super().chat(request, api_key=api_key)
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

    pa = Hanging("pa", {"m1": ["recovered"]})
    clock = Clock()
    deps, _ = make_deps(make_config("pa/m1"), ScriptedProviders(pa), clock=clock)
    for _ in range(3):
        deps.breaker.record_failure(("pa", "m1"))
    clock.advance(31)
    with anyio.move_on_after(0.05):
        await run_turn(_request(), deps)  # the half-open probe hangs and the turn times out
    assert deps.breaker.acquire(("pa", "m1"))  # the slot is free again
    deps.breaker.release(("pa", "m1"))
    gate.set()
    assert (await run_turn(_request(), deps)).text == "recovered"
