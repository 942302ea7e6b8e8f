"""auth-profiles.json: shape, 0600, locked read-modify-write across processes, corrupt files."""

from __future__ import annotations

import json
import multiprocessing
import stat
from pathlib import Path

import pytest

from zeroclaw_py.models.auth import stored_profiles
from zeroclaw_py.models.auth_store import AuthProfileStore, AuthStoreError, default_path


def _writer(path: str, worker: int, count: int) -> None:
    store = AuthProfileStore(Path(path))
    for i in range(count):
        store.upsert_profile(
            f"p{worker}:k{i}", {"type": "api_key", "provider": f"p{worker}", "key": f"sk-{i}"}
        )


def test_upsert_writes_spec_shape_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "state" / "auth-profiles.json"
    store = AuthProfileStore(path)
    store.upsert_profile(
        "anthropic:work", {"type": "api_key", "provider": "anthropic", "key": "sk-ant-1"}
    )
    raw = json.loads(path.read_text())
    assert raw == {
        "version": 1,
        "profiles": {
            "anthropic:work": {"type": "api_key", "provider": "anthropic", "key": "sk-ant-1"}
        },
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    assert stored_profiles(store.load(), "anthropic") == ["anthropic:work"]


def test_default_path_follows_zeroclaw_home(zeroclaw_home: Path) -> None:
    assert default_path() == zeroclaw_home / "state" / "auth-profiles.json"
    assert AuthProfileStore().load().profiles == {}


def test_replace_remove_and_usage(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / "a.json")
    store.upsert_profile("openai:default", {"type": "api_key", "provider": "openai", "key": "a"})
    store.upsert_profile("openai:default", {"type": "token", "provider": "openai", "token": "b"})
    store.update_usage("openai:default", lambda s: s.update(errorCount=2))
    data = store.load()
    assert data.profile("openai:default") == {"type": "token", "provider": "openai", "token": "b"}
    assert data.usage_stats["openai:default"] == {"errorCount": 2}
    assert store.remove_profile("openai:default") is True
    assert store.remove_profile("openai:default") is False
    data = store.load()
    assert data.profiles == {}
    assert data.usage_stats == {}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"type": "password", "provider": "x", "key": "k"}, "type must be one of"),
        ({"type": "api_key", "provider": "", "key": "k"}, "provider must be"),
        ({"type": "api_key", "provider": "x", "key": " "}, "key is required"),
        ({"type": "oauth", "provider": "x"}, "access or refresh is required"),
    ],
)
def test_malformed_profiles_are_rejected(
    tmp_path: Path, data: dict[str, str], fragment: str
) -> None:
    store = AuthProfileStore(tmp_path / "a.json")
    with pytest.raises(AuthStoreError, match=fragment):
        store.upsert_profile("x:default", data)
    assert not store.path.exists()


def test_corrupt_file_is_reported_and_never_wiped(tmp_path: Path) -> None:
    path = tmp_path / "auth-profiles.json"
    path.write_text('{"version": 1, "profiles": {"a:b": ')
    store = AuthProfileStore(path)
    with pytest.raises(AuthStoreError, match="not valid JSON") as info:
        store.load()
    assert str(path) in str(info.value)
    with pytest.raises(AuthStoreError):
        store.upsert_profile("a:c", {"type": "api_key", "provider": "a", "key": "k"})
    assert path.read_text() == '{"version": 1, "profiles": {"a:b": '


def test_unknown_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "auth-profiles.json"
    path.write_text('{"version": 7, "profiles": {}}')
    with pytest.raises(AuthStoreError, match="unsupported version 7"):
        AuthProfileStore(path).load()


def test_cached_load_sees_external_changes(tmp_path: Path) -> None:
    path = tmp_path / "auth-profiles.json"
    reader = AuthProfileStore(path)
    assert reader.load().profiles == {}
    AuthProfileStore(path).upsert_profile(
        "groq:default", {"type": "api_key", "provider": "groq", "key": "gsk"}
    )
    assert list(reader.load().profiles) == ["groq:default"]
    first = reader.load()
    assert reader.load() is first  # unchanged file -> cached snapshot


def test_two_processes_writing_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "auth-profiles.json"
    ctx = multiprocessing.get_context("spawn")  # fork is unsafe with threads running
    workers = [ctx.Process(target=_writer, args=(str(path), w, 15)) for w in range(2)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(30)
        assert proc.exitcode == 0
    profiles = AuthProfileStore(path).load().profiles
    assert len(profiles) == 30
    assert {p.split(":")[0] for p in profiles} == {"p0", "p1"}


def test_loaded_secrets_join_the_scrubber(tmp_path: Path) -> None:
    from zeroclaw_py.providers.scrub import scrub

    store = AuthProfileStore(tmp_path / "a.json")
    store.upsert_profile(
        "acme:x", {"type": "oauth", "provider": "acme", "access": "plainaccess77", "refresh": "r"}
    )
    store.load()
    assert scrub("bad token plainaccess77 here") == "bad token [REDACTED] here"
