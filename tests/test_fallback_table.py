"""Every row of the SPEC §7.1 error table, through the real OpenAI wire against the loopback fake.

Two custom providers `fa` and `fb` point at the same fake server; the fake is scripted per model
(`m1` is the routed model on `fa`, `m2` the fallback on `fb`). Waits go through the injected sleep,
so the retry ladder is asserted exactly without sleeping.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.provider_server import FakeError, FakeProvider
from tests.fallback_support import Clock, WireProviders, custom_providers, make_config, make_deps
from zeroclaw_py.config.schema import AuthProfileConfig, Config, ProviderSettings
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.models.fallback import TurnRequest, TurnResult, run_turn
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message

pytestmark = pytest.mark.anyio

KEY_ONE = "sk-one-aaaaaaaaaaaa"
KEY_TWO = "sk-two-bbbbbbbbbbbb"
HISTORY = (
    Message("system", "be brief"),
    Message("user", "first question"),
    Message("assistant", "first answer"),
    Message("user", "second question"),
    Message("assistant", "second answer"),
    Message("user", "hello"),
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeProvider]:
    async with FakeProvider() as server:
        yield server


def _config(fake: FakeProvider, *, profiles: bool = False, **kw: object) -> Config:
    auth: dict[str, object] = {}
    if profiles:
        auth = {
            "profiles": {
                "fa:one": AuthProfileConfig(provider="fa"),
                "fa:two": AuthProfileConfig(provider="fa"),
            },
            "order": {"fa": ("fa:one", "fa:two")},
        }
    return make_config(
        "fa/m1",
        ["fb/m2"],
        providers=custom_providers(fake.base_url("openai"), "fa", "fb"),
        **auth,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "auth-profiles.json"
    store = AuthProfileStore(path)
    store.upsert_profile("fa:one", {"type": "api_key", "provider": "fa", "key": KEY_ONE})
    store.upsert_profile("fa:two", {"type": "api_key", "provider": "fa", "key": KEY_TWO})
    return path


async def _turn(
    config: Config, deps_kw: dict[str, object] | None = None
) -> tuple[TurnResult, list[float], WireProviders]:
    providers = WireProviders(config)
    deps, sleep = make_deps(config, providers, **(deps_kw or {}))  # type: ignore[arg-type]
    try:
        result = await run_turn(TurnRequest(Route("fa", "m1"), HISTORY, "console_alice"), deps)
    finally:
        await providers.aclose()
    return result, sleep.waits, providers


def _keys(fake: FakeProvider, model: str) -> list[str | None]:
    return [r.api_key for r in fake.requests if r.model == model]


async def test_auth_error_rotates_to_next_profile_and_cools_the_first(
    fake: FakeProvider, tmp_path: Path
) -> None:
    fake.queue("m1", error="auth")
    clock = Clock()
    path = _store(tmp_path)
    result, waits, _ = await _turn(
        _config(fake, profiles=True), {"clock": clock, "store_path": path}
    )
    assert result.ok
    assert (result.provider, result.model, result.text) == ("fa", "m1", "[m1] hello")
    assert _keys(fake, "m1") == [KEY_ONE, KEY_TWO]
    assert waits == []
    stats = AuthProfileStore(path).load().usage_stats["fa:one"]
    assert stats["cooldownUntil"] == int((clock.now + 60) * 1000)
    assert "fa:two" not in AuthProfileStore(path).load().usage_stats


async def test_auth_error_on_every_profile_falls_back_with_scrubbed_summary(
    fake: FakeProvider, tmp_path: Path
) -> None:
    fake.script("m1", error="auth")
    fake.script("m2", error="auth")
    result, _, _ = await _turn(_config(fake, profiles=True), {"store_path": _store(tmp_path)})
    assert not result.ok
    assert _keys(fake, "m1") == [KEY_ONE, KEY_TWO]
    assert len(_keys(fake, "m2")) == 1
    failure = result.failure or ""
    assert failure.startswith("All models failed (2):\n- fa/m1: authentication failed")
    assert "\n- fb/m2: authentication failed" in failure
    assert KEY_ONE not in failure
    assert KEY_TWO not in failure
    assert "[REDACTED]" in failure
    assert result.text == ""


async def test_billing_error_disables_profile_for_five_hours_and_rotates(
    fake: FakeProvider, tmp_path: Path
) -> None:
    fake.queue("m1", error="billing")
    clock = Clock()
    path = _store(tmp_path)
    result, _, _ = await _turn(_config(fake, profiles=True), {"clock": clock, "store_path": path})
    assert result.ok
    assert result.provider == "fa"
    assert _keys(fake, "m1") == [KEY_ONE, KEY_TWO]
    stats = AuthProfileStore(path).load().usage_stats["fa:one"]
    assert stats["disabledUntil"] == int((clock.now + 5 * 3600) * 1000)
    assert stats["disabledReason"] == "billing"


async def test_rate_limit_rotates_profile_at_once_without_waiting(
    fake: FakeProvider, tmp_path: Path
) -> None:
    fake.queue("m1", error="rate_limit", retry_after="7")
    result, waits, _ = await _turn(_config(fake, profiles=True), {"store_path": _store(tmp_path)})
    assert result.ok
    assert result.model == "m1"
    assert _keys(fake, "m1") == [KEY_ONE, KEY_TWO]
    assert waits == []


@pytest.mark.parametrize(("retry_after", "expected"), [("2", 2.0), ("120", 30.0), (None, 0.5)])
async def test_rate_limit_without_spare_profile_waits_retry_after_capped(
    fake: FakeProvider, retry_after: str | None, expected: float
) -> None:
    # a body without a "try again in" hint, so only the header can say how long to wait
    fake.queue("m1", error=FakeError("rate_limit", message="slow down"), retry_after=retry_after)
    result, waits, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fa", "m1")
    assert waits == [expected]
    assert len(_keys(fake, "m1")) == 2


async def test_rate_limit_exhausting_retries_moves_to_next_candidate(fake: FakeProvider) -> None:
    fake.script("m1", error="rate_limit", retry_after="1")
    result, waits, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fb", "m2")
    assert waits == [1.0, 1.0]
    assert len(_keys(fake, "m1")) == 3
    assert result.fallback


async def test_model_not_found_falls_back_immediately(fake: FakeProvider) -> None:
    fake.script("m1", error="not_found")
    result, waits, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fb", "m2")
    assert result.text == "[m2] hello"
    assert len(_keys(fake, "m1")) == 1
    assert waits == []
    assert [a.outcome for a in result.attempts] == ["model_not_found", "ok"]


@pytest.mark.parametrize("kind", ["server", "unavailable", "overloaded"])
async def test_transient_error_retries_with_doubling_backoff_then_falls_back(
    fake: FakeProvider, kind: str
) -> None:
    fake.script("m1", error=kind)
    result, waits, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fb", "m2")
    assert len(_keys(fake, "m1")) == 3  # provider_retries = 2 -> 3 calls
    assert waits == [0.5, 1.0]


async def test_transient_error_recovers_on_retry(fake: FakeProvider) -> None:
    fake.queue("m1", error="unavailable")
    result, waits, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fa", "m1")
    assert waits == [0.5]
    assert not result.fallback


async def test_connection_refused_is_transient_and_falls_back(fake: FakeProvider) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"  # bound, never listening
        config = make_config(
            "fa/m1",
            ["fb/m2"],
            providers={
                "fa": ProviderSettings(kind="openai", api_url=dead),
                "fb": ProviderSettings(kind="openai", api_url=fake.base_url("openai")),
            },
        )
        result, waits, _ = await _turn(config)
    assert result.ok
    assert (result.provider, result.model) == ("fb", "m2")
    assert [a.outcome for a in result.attempts] == ["connection"] * 3 + ["ok"]
    assert waits == [0.5, 1.0]


async def test_context_overflow_trims_oldest_history_once_and_retries(fake: FakeProvider) -> None:
    fake.queue("m1", error="context")
    result, _, _ = await _turn(_config(fake))
    assert result.ok
    assert (result.provider, result.model) == ("fa", "m1")
    assert result.history_trimmed
    first, second = (r.json["messages"] for r in fake.requests if r.model == "m1")
    assert len(second) < len(first)
    assert second[0] == {"role": "system", "content": "be brief"}
    assert second[-1]["content"] == "hello"
    assert second[1]["role"] == "user"


async def test_context_overflow_twice_is_reported_without_fallback(fake: FakeProvider) -> None:
    fake.script("m1", error="context")
    result, _, _ = await _turn(_config(fake))
    assert not result.ok
    assert result.error == "context_overflow"
    assert (result.failure or "").startswith(
        "Context overflow: the conversation is too long for `fa/m1`."
    )
    assert len(_keys(fake, "m1")) == 2
    assert _keys(fake, "m2") == []


async def test_bad_request_is_reported_without_fallback(fake: FakeProvider) -> None:
    fake.script("m1", error="bad_request")
    result, waits, _ = await _turn(_config(fake))
    assert not result.ok
    assert result.error == "bad_request"
    assert (result.failure or "").startswith("`fa/m1` rejected the request: ")
    assert len(_keys(fake, "m1")) == 1
    assert _keys(fake, "m2") == []
    assert waits == []


async def test_open_breaker_skips_the_dead_primary_on_the_next_message(fake: FakeProvider) -> None:
    fake.script("m1", error="unavailable")
    config = _config(fake)
    providers = WireProviders(config)
    clock = Clock()
    deps, sleep = make_deps(config, providers, clock=clock)
    request = TurnRequest(Route("fa", "m1"), HISTORY, "console_alice")
    try:
        first = await run_turn(request, deps)
        waits_first = list(sleep.waits)
        second = await run_turn(request, deps)
    finally:
        await providers.aclose()
    assert first.ok
    assert second.ok
    assert second.model == "m2"
    assert len(_keys(fake, "m1")) == 3  # the second message never touched m1
    assert waits_first == [0.5, 1.0]
    assert sleep.waits == waits_first
    assert [a.outcome for a in second.attempts] == ["skipped", "ok"]
