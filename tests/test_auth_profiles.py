"""Auth profiles at call time: order, cooldown timing, billing, stickiness, pins, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fallback_support import (
    Clock,
    ScriptedProvider,
    ScriptedProviders,
    make_config,
    make_deps,
)
from zeroclaw_py.config.schema import AuthProfileConfig, Config
from zeroclaw_py.errors import AuthError, RateLimitError
from zeroclaw_py.metrics import REGISTRY
from zeroclaw_py.models.auth import (
    AuthProfiles,
    MemoryKV,
    billing_disable_seconds,
    cooldown_seconds,
    validate_profile,
)
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.models.fallback import TurnRequest, run_turn
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message
from zeroclaw_py.state.sqlite import SqliteStore

pytestmark = pytest.mark.anyio

KEYS = {"pa:one": "key-one-111111", "pa:two": "key-two-222222", "pa:three": "key-three-33333"}


def _store(tmp_path: Path, types: dict[str, str] | None = None) -> AuthProfileStore:
    store = AuthProfileStore(tmp_path / "auth-profiles.json")
    for pid, key in KEYS.items():
        kind = (types or {}).get(pid, "api_key")
        field = {"api_key": "key", "token": "token", "oauth": "access"}[kind]
        store.upsert_profile(pid, {"type": kind, "provider": "pa", field: key})
    return store


def _config(order: tuple[str, ...] | None = None, **modes: str) -> Config:
    profiles = {
        pid: AuthProfileConfig(provider="pa", mode=modes.get(pid.split(":")[1], "api_key"))  # type: ignore[arg-type]
        for pid in KEYS
    }
    return make_config(
        "pa/m1", ["pb/m2"], profiles=profiles, order={"pa": order} if order else None
    )


def _ids(profiles: AuthProfiles, config: Config, preferred: str | None = None) -> list[str]:
    return [c.id for c in profiles.order(config, "pa", preferred=preferred)]


def test_cooldown_and_billing_ladders() -> None:
    assert [cooldown_seconds(n) for n in range(1, 6)] == [60, 300, 1500, 3600, 3600]
    assert [billing_disable_seconds(n) / 3600 for n in range(1, 6)] == [5, 10, 20, 24, 24]


async def test_default_order_oauth_token_api_key_then_least_recently_used(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, {"pa:three": "oauth", "pa:two": "token"})
    profiles = AuthProfiles(store, now=clock)
    config = _config(three="oauth", two="token")
    assert _ids(profiles, config) == ["pa:three", "pa:two", "pa:one"]
    store.upsert_profile("pa:four", {"type": "api_key", "provider": "pa", "key": "key-four-4444"})
    config = make_config("pa/m1")  # nothing declared: every stored profile of the provider
    order = profiles.order(config, "pa")
    await profiles.mark_success(order[2], None)  # pa:one used just now
    clock.advance(1)
    assert _ids(profiles, config) == ["pa:three", "pa:two", "pa:four", "pa:one"]


def test_explicit_order_wins_and_cooling_profiles_go_last(tmp_path: Path) -> None:
    clock = Clock()
    profiles = AuthProfiles(_store(tmp_path), now=clock)
    config = _config(order=("pa:two", "pa:one", "pa:three"))
    assert _ids(profiles, config) == ["pa:two", "pa:one", "pa:three"]
    order = profiles.order(config, "pa")
    profiles.mark_failure(order[0], "auth")  # two: 60 s
    clock.advance(10)
    profiles.mark_failure(order[1], "auth")  # one: until +70 s
    assert _ids(profiles, config) == ["pa:three", "pa:two", "pa:one"]
    assert [c.available for c in profiles.order(config, "pa")] == [True, False, False]
    clock.advance(51)
    assert _ids(profiles, config) == ["pa:two", "pa:three", "pa:one"]


def test_declared_mode_must_match_the_stored_credential(tmp_path: Path) -> None:
    profiles = AuthProfiles(_store(tmp_path, {"pa:two": "token"}), now=Clock())
    assert "pa:two" not in _ids(profiles, _config(two="api_key"))
    assert "pa:two" in _ids(profiles, _config(two="oauth"))  # oauth declarations accept tokens


def test_cooldown_escalates_then_success_clears_it(tmp_path: Path) -> None:
    clock = Clock()
    profiles = AuthProfiles(_store(tmp_path), now=clock)
    one = profiles.order(_config(), "pa")[0]
    windows = []
    for _ in range(5):
        windows.append(profiles.mark_failure(one, "rate_limit"))
        clock.advance(windows[-1])  # wait it out, fail again
    assert windows == [60, 300, 1500, 3600, 3600]
    clock.advance(24 * 3600 + 1)  # outside the failure window: the ladder restarts
    assert profiles.mark_failure(one, "auth") == 60
    stats = profiles.store.load().usage_stats["pa:one"]
    assert stats["failureCounts"] == {"auth": 1}


async def test_success_clears_cooldown_and_billing_disable(tmp_path: Path) -> None:
    clock = Clock()
    profiles = AuthProfiles(_store(tmp_path), now=clock)
    one = profiles.order(_config(), "pa")[0]
    assert profiles.mark_failure(one, "billing") == 5 * 3600
    clock.advance(5 * 3600)
    assert profiles.mark_failure(one, "billing") == 10 * 3600
    await profiles.mark_success(one, None)
    assert profiles.store.load().usage_stats["pa:one"] == {}
    assert profiles.order(_config(), "pa")[0].available


def test_parallel_failures_do_not_stretch_an_active_window(tmp_path: Path) -> None:
    clock = Clock()
    profiles = AuthProfiles(_store(tmp_path), now=clock)
    one = profiles.order(_config(), "pa")[0]
    before = (
        REGISTRY.get_sample_value(
            "zeroclaw_auth_profile_cooldowns_total", {"provider": "pa", "reason": "auth"}
        )
        or 0
    )
    assert profiles.mark_failure(one, "auth") == 60
    assert profiles.mark_failure(one, "auth") == 60
    stats = profiles.store.load().usage_stats["pa:one"]
    assert stats["cooldownUntil"] == int((clock.now + 60) * 1000)
    assert stats["errorCount"] == 2
    after = REGISTRY.get_sample_value(
        "zeroclaw_auth_profile_cooldowns_total", {"provider": "pa", "reason": "auth"}
    )
    assert after == before + 2


async def test_session_keeps_its_last_known_good_profile(tmp_path: Path) -> None:
    clock = Clock()
    pa = ScriptedProvider("pa", {"m1": ["answer"]})
    config = _config(order=("pa:one", "pa:two", "pa:three"))
    deps, _ = make_deps(config, ScriptedProviders(pa), clock=clock, store_path=tmp_path / "a.json")
    assert deps.auth is not None
    deps.auth.store = _store(tmp_path)

    async def turn(session: str) -> str | None:
        await run_turn(TurnRequest(Route("pa", "m1"), (Message("user", "hi"),), session), deps)
        return pa.calls[-1][1]

    pa.script["m1"] = [AuthError("bad key"), "answer"]
    assert await turn("tg_alice") == KEYS["pa:two"]  # one failed, two worked
    clock.advance(120)  # one's cooldown is over
    assert await turn("tg_alice") == KEYS["pa:two"]  # alice sticks to her last good profile
    assert await turn("tg_bob") == KEYS["pa:one"]  # bob follows the configured order
    assert await deps.auth.last_good("tg_alice", "pa") == "pa:two"


async def test_last_known_good_persists_in_the_state_store(tmp_path: Path) -> None:
    store = _store(tmp_path)
    state = SqliteStore(tmp_path / "state.db")
    await state.open()
    try:
        profiles = AuthProfiles(store, kv=state, now=Clock())
        two = profiles.order(_config(), "pa")[1]
        await profiles.mark_success(two, "discord_42")
    finally:
        await state.close()
    reopened = SqliteStore(tmp_path / "state.db")
    await reopened.open()
    try:
        again = AuthProfiles(store, kv=reopened, now=Clock())
        preferred = await again.last_good("discord_42", "pa")
        assert preferred == "pa:two"
        assert _ids(again, _config(), preferred)[0] == "pa:two"
    finally:
        await reopened.close()


async def test_pinned_profile_is_used_alone_and_never_rotated(tmp_path: Path) -> None:
    pa = ScriptedProvider("pa", {"m1": [AuthError("revoked")]})
    pb = ScriptedProvider("pb", {"m2": ["fallback"]})
    deps, _ = make_deps(
        _config(), ScriptedProviders(pa, pb), store_path=tmp_path / "auth-profiles.json"
    )
    _store(tmp_path)
    request = TurnRequest(Route("pa", "m1", "pa:three"), (Message("user", "hi"),), "web_s1")
    result = await run_turn(request, deps)
    assert pa.calls == [("m1", KEYS["pa:three"])]
    assert result.model == "m2"
    assert [a.profile for a in result.attempts] == ["pa:three", None]


async def test_rate_limited_profile_rotates_and_the_next_turn_avoids_it(tmp_path: Path) -> None:
    pa = ScriptedProvider("pa", {"m1": [RateLimitError("429", retry_after=3), "ok"]})
    config = _config(order=("pa:one", "pa:two", "pa:three"))
    deps, sleep = make_deps(
        config, ScriptedProviders(pa), store_path=tmp_path / "auth-profiles.json"
    )
    _store(tmp_path)
    ask = (Message("user", "hi"),)
    await run_turn(TurnRequest(Route("pa", "m1"), ask, None), deps)
    await run_turn(TurnRequest(Route("pa", "m1"), ask, None), deps)
    assert [key for _, key in pa.calls] == [KEYS["pa:one"], KEYS["pa:two"], KEYS["pa:two"]]
    assert sleep.waits == []


async def test_all_profiles_disabled_for_billing_skips_the_candidate(tmp_path: Path) -> None:
    clock = Clock()
    pa = ScriptedProvider("pa", {"m1": ["never"]})
    pb = ScriptedProvider("pb", {"m2": ["fallback"]})
    deps, _ = make_deps(
        _config(), ScriptedProviders(pa, pb), clock=clock, store_path=tmp_path / "a.json"
    )
    assert deps.auth is not None
    deps.auth.store = _store(tmp_path)
    for choice in deps.auth.order(_config(), "pa"):
        deps.auth.mark_failure(choice, "billing")
    result = await run_turn(TurnRequest(Route("pa", "m1"), (Message("user", "x"),)), deps)
    assert pa.calls == []
    assert result.model == "m2"
    assert result.attempts[0].outcome == "billing"


def test_validate_profile_replies(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.upsert_profile("other:x", {"type": "api_key", "provider": "other", "key": "k-other-1"})
    config = _config()
    assert validate_profile(config, "pa:one", "pa", store) is None
    assert validate_profile(config, "other:x", "other", store) is None  # stored, not declared
    assert validate_profile(config, "pa:nope", "pa", store) == "Auth profile `pa:nope` not found."
    assert (
        validate_profile(config, "pa:one", "openai", store)
        == "Auth profile `pa:one` is for `pa`, not `openai`."
    )


def test_memory_kv_round_trip() -> None:
    import anyio

    async def go() -> str | None:
        kv = MemoryKV()
        await kv.kv_set("a", "b")
        await kv.kv_set("c", "d")
        await kv.kv_set("c", None)
        return (await kv.kv_get("a") or "") + str(await kv.kv_get("c"))

    assert anyio.run(go) == "bNone"


async def test_corrupt_store_falls_back_to_the_provider_credential(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "auth-profiles.json"
    path.write_text("{ not json")
    pa = ScriptedProvider("pa", {"m1": ["still answered"]})
    deps, _ = make_deps(_config(), ScriptedProviders(pa), store_path=path)
    result = await run_turn(TurnRequest(Route("pa", "m1"), (Message("user", "x"),)), deps)
    assert (result.ok, result.text) == (True, "still answered")
    assert pa.calls == [("m1", None)]
    assert "auth profiles unusable" in caplog.text
    assert path.read_text() == "{ not json"


def test_stored_profiles_match_the_provider_through_its_aliases(tmp_path: Path) -> None:
    """An OpenClaw file names Gemini `google`: undeclared profiles are still found for gemini."""
    store = AuthProfileStore(tmp_path / "auth-profiles.json")
    store.upsert_profile(
        "google:default", {"type": "api_key", "provider": "google", "key": "g-1234567"}
    )
    store.upsert_profile("OpenAI:x", {"type": "api_key", "provider": "OpenAI", "key": "o-1234567"})
    profiles = AuthProfiles(store)
    assert [c.id for c in profiles.order(Config(), "gemini")] == ["google:default"]
    assert [c.id for c in profiles.order(Config(), "openai")] == ["OpenAI:x"]
    assert profiles.order(Config(), "anthropic") == []


def test_stored_last_used_orders_profiles_after_a_restart(tmp_path: Path) -> None:
    """OpenClaw records `usageStats.<id>.lastUsed` (ms): a fresh process honours it."""
    store = _store(tmp_path)
    for pid, used_ms in (("pa:one", 3_000), ("pa:two", 1_000), ("pa:three", 2_000)):
        store.update_usage(pid, lambda stats, ms=used_ms: stats.update(lastUsed=ms))
    assert _ids(AuthProfiles(store), make_config("pa/m1")) == ["pa:two", "pa:three", "pa:one"]
