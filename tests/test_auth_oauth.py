"""OAuth profiles: refreshed before expiry against a loopback token endpoint, persisted 0600."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from tests.fakes.token_server import FakeTokenServer
from tests.fallback_support import (
    Clock,
    ScriptedProvider,
    ScriptedProviders,
    make_config,
    make_deps,
)
from zeroclaw_py.config.schema import AuthProfileConfig, Config
from zeroclaw_py.errors import AuthError, TransientError
from zeroclaw_py.models.auth import AuthProfiles
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.models.fallback import TurnRequest, run_turn
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import Message

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server() -> AsyncIterator[FakeTokenServer]:
    async with FakeTokenServer() as fake:
        fake.valid_refresh.add("refresh-0")
        yield fake


def _config(token_url: str | None) -> Config:
    return make_config(
        "pa/m1",
        profiles={
            "pa:oauth": AuthProfileConfig(
                provider="pa", mode="oauth", token_url=token_url, client_id="zeroclaw-cli"
            ),
            "pa:key": AuthProfileConfig(provider="pa", mode="api_key"),
        },
    )


def _seed(path: Path, clock: Clock, expires_in: float, refresh: str | None = "refresh-0") -> None:
    store = AuthProfileStore(path)
    cred: dict[str, object] = {
        "type": "oauth",
        "provider": "pa",
        "access": "access-0",
        "expires": int((clock.now + expires_in) * 1000),
    }
    if refresh:
        cred["refresh"] = refresh
    store.upsert_profile("pa:oauth", cred)
    store.upsert_profile("pa:key", {"type": "api_key", "provider": "pa", "key": "plain-key-1234"})


async def _turn(config: Config, path: Path, clock: Clock) -> tuple[ScriptedProvider, object]:
    pa = ScriptedProvider("pa", {"m1": ["ok"]})
    deps, _ = make_deps(config, ScriptedProviders(pa), clock=clock, store_path=path)
    result = await run_turn(TurnRequest(Route("pa", "m1"), (Message("user", "hi"),)), deps)
    return pa, result


async def test_fresh_access_token_is_used_without_refreshing(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=3600)
    pa, _ = await _turn(_config(server.token_url), path, clock)
    assert pa.calls == [("m1", "access-0")]  # OAuth goes before api_key
    assert server.requests == []


async def test_expiring_token_is_refreshed_with_the_standard_grant_and_persisted(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=30)  # inside the 60 s refresh margin
    pa, _ = await _turn(_config(server.token_url), path, clock)
    assert pa.calls == [("m1", "access-1")]
    assert server.requests == [
        {"grant_type": "refresh_token", "refresh_token": "refresh-0", "client_id": "zeroclaw-cli"}
    ]
    cred = AuthProfileStore(path).load().profiles["pa:oauth"]
    assert cred["access"] == "access-1"
    assert cred["refresh"] == "refresh-1"
    assert cred["expires"] == int((clock.now + 3600) * 1000)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_refresh_keeps_the_old_refresh_token_when_not_rotated(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    server.rotate = False
    server.expires_in = None  # the default lifetime applies
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=-5)
    await _turn(_config(server.token_url), path, clock)
    cred = AuthProfileStore(path).load().profiles["pa:oauth"]
    assert cred["refresh"] == "refresh-0"
    assert cred["expires"] == int((clock.now + 3600) * 1000)


async def test_invalid_grant_cools_the_oauth_profile_and_rotates_to_the_key(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    server.valid_refresh.clear()
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=-5)
    pa, result = await _turn(_config(server.token_url), path, clock)
    assert pa.calls == [("m1", "plain-key-1234")]
    assert getattr(result, "ok", False)
    stats = AuthProfileStore(path).load().usage_stats["pa:oauth"]
    assert stats["cooldownUntil"] == int((clock.now + 60) * 1000)


async def test_refresh_errors_map_onto_the_error_tree(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=-5)
    profiles = AuthProfiles(AuthProfileStore(path), now=clock)
    config = _config(server.token_url)
    choice = profiles.order(config, "pa")[0]
    server.fail_next(503)
    with pytest.raises(TransientError, match="OAuth token refresh failed for pa: HTTP 503"):
        await profiles.secret(config, choice)
    server.fail_next(400, "invalid_client")
    with pytest.raises(AuthError, match="invalid_client") as info:
        await profiles.secret(config, choice)
    assert "refresh-0" not in str(info.value)
    server.fail_next(400, "bad refresh token ghp_EchoedBack123 " + "x" * 300)
    with pytest.raises(AuthError) as info:
        await profiles.secret(config, choice)
    assert "EchoedBack" not in str(info.value)
    assert "[REDACTED]" in str(info.value)
    assert "x" * 201 not in str(info.value)


async def test_expired_token_without_refresh_path_is_an_auth_error(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=-5)
    profiles = AuthProfiles(AuthProfileStore(path), now=clock)
    config = _config(None)  # no token_url anywhere
    with pytest.raises(AuthError, match="cannot be refreshed"):
        await profiles.secret(config, profiles.order(config, "pa")[0])


async def test_concurrent_turns_refresh_once(server: FakeTokenServer, tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=10)
    profiles = AuthProfiles(AuthProfileStore(path), now=clock)
    config = _config(server.token_url)
    choice = profiles.order(config, "pa")[0]
    tokens: list[str] = []

    async def one() -> None:
        tokens.append(await profiles.secret(config, choice))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(one)
    assert tokens == ["access-1"] * 5
    assert len(server.requests) == 1


async def test_a_refresh_lost_to_another_process_uses_the_token_it_stored(
    server: FakeTokenServer, tmp_path: Path
) -> None:
    clock, path = Clock(), tmp_path / "auth-profiles.json"
    _seed(path, clock, expires_in=10)
    profiles = AuthProfiles(AuthProfileStore(path), now=clock)
    config = _config(server.token_url)
    choice = profiles.order(config, "pa")[0]

    def other_process_won(form: dict[str, str]) -> None:
        # while our request is in flight, another process refreshed with the same refresh
        # token (now rotated away, so ours gets invalid_grant) and stored its new tokens
        server.valid_refresh.discard(form["refresh_token"])
        cred = {
            "type": "oauth",
            "provider": "pa",
            "access": "access-other",
            "refresh": "refresh-other",
            "expires": int((clock.now + 3600) * 1000),
        }
        AuthProfileStore(path).upsert_profile("pa:oauth", cred)

    server.on_request = other_process_won
    assert await profiles.secret(config, choice) == "access-other"
    assert len(server.requests) == 1
