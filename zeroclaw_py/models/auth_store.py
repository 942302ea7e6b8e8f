"""The auth profile store: `<state>/auth-profiles.json` (SPEC §7.2), secrets file, mode 0600.

Shape (OpenClaw-compatible)::

    {"version": 1,
     "profiles":   {"anthropic:work": {"type": "api_key", "provider": "anthropic", "key": "..."}},
     "usageStats": {"anthropic:work": {"lastUsed": 0, "cooldownUntil": 0, "disabledUntil": 0,
                                       "disabledReason": null, "errorCount": 0,
                                       "failureCounts": {"auth": 1}, "lastFailureAt": 0}}}

Credential types: `api_key` (`key`), `token` (`token`, optional `expires`), `oauth` (`access`,
`refresh`, `expires`, optional `tokenUrl`, `clientId`). `expires` / `*Until` / `*At` / `lastUsed`
are unix **milliseconds**, as OpenClaw writes them, so its files can be copied over as they are.

Why a lock: the daemon, `zeroclaw login` and `zeroclaw doctor --fix` may write at the same time.
Every write is a read-modify-write under `fcntl.flock` on a sidecar `auth-profiles.json.lock`,
then an atomic replace (fsutil) with mode 0600. Readers need no lock (the rename is atomic).
A corrupt file is reported with its path and never overwritten: writes refuse until it is fixed.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from zeroclaw_py import fsutil, paths
from zeroclaw_py.errors import ZeroclawError

STORE_VERSION: Final = 1
FILE_MODE: Final = 0o600
CREDENTIAL_TYPES: Final = ("api_key", "token", "oauth")
# type -> fields of which at least one must be a non-empty string.
_REQUIRED_SECRET: Final[Mapping[str, tuple[str, ...]]] = {
    "api_key": ("key",),
    "token": ("token",),
    "oauth": ("access", "refresh"),
}


class AuthStoreError(ZeroclawError):
    """auth-profiles.json cannot be read or a profile is malformed. Never carries a secret."""


@dataclass(frozen=True)
class AuthStoreData:
    """A parsed snapshot of the store. Treat as read-only (it may be shared from the cache)."""

    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    usage_stats: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    def profile(self, profile_id: str) -> Mapping[str, Any] | None:
        return self.profiles.get(profile_id)


SECRET_FIELDS: Final = ("key", "token", "access", "refresh")


def _register_secrets(data: AuthStoreData) -> None:
    """Every stored credential joins the process-wide scrubber, so no log or reply shows it."""
    from zeroclaw_py.providers.scrub import register_secret

    register_secret(*(str(c[f]) for c in data.profiles.values() for f in SECRET_FIELDS if c.get(f)))


def default_path() -> Path:
    return paths.state_dir() / paths.AUTH_PROFILES_FILE


def validate_credential(profile_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check one credential record; return a plain-dict copy. Messages never echo secrets."""
    if not profile_id or not profile_id.strip():
        raise AuthStoreError("auth profile id must not be empty")
    cred = dict(data)
    kind = cred.get("type")
    if kind not in CREDENTIAL_TYPES:
        raise AuthStoreError(
            f"auth profile {profile_id!r}: type must be one of {', '.join(CREDENTIAL_TYPES)}"
        )
    provider = cred.get("provider")
    if not isinstance(provider, str) or not provider.strip():
        raise AuthStoreError(f"auth profile {profile_id!r}: provider must be a non-empty string")
    secrets = _REQUIRED_SECRET[kind]
    if not any(isinstance(cred.get(name), str) and cred[name].strip() for name in secrets):
        raise AuthStoreError(f"auth profile {profile_id!r}: {' or '.join(secrets)} is required")
    return cred


class AuthProfileStore:
    """Reads and writes one auth-profiles.json. Safe across processes; cheap repeated reads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_path()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._cache_key: tuple[int, int, int] | None = None
        self._cache: AuthStoreData | None = None

    # --- reading -----------------------------------------------------------------------------

    def load(self) -> AuthStoreData:
        """The current contents; a missing file is an empty store. Cached until the file changes."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._cache_key, self._cache = None, None
            return AuthStoreData()
        except OSError as exc:
            raise AuthStoreError(f"cannot read {self.path}: {exc.strerror}") from exc
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is not None and key == self._cache_key:
            return self._cache
        data = self._parse(self._read_raw())
        _register_secrets(data)
        self._cache_key, self._cache = key, data
        return data

    def _read_raw(self) -> dict[str, Any]:
        """The raw document (empty when missing). Corrupt -> AuthStoreError naming the file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": STORE_VERSION, "profiles": {}}
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthStoreError(f"cannot read {self.path}: {exc}") from exc
        if not text.strip():
            return {"version": STORE_VERSION, "profiles": {}}
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AuthStoreError(
                f"{self.path} is not valid JSON (line {exc.lineno}, column {exc.colno}); "
                "fix or remove it — it was left untouched"
            ) from None
        if not isinstance(raw, dict):
            raise AuthStoreError(f"{self.path}: expected a JSON object at the top level")
        if not isinstance(raw.get("profiles", {}), dict):
            raise AuthStoreError(f"{self.path}: 'profiles' must be an object")
        if not isinstance(raw.get("usageStats", {}), dict):
            raise AuthStoreError(f"{self.path}: 'usageStats' must be an object")
        version = raw.get("version", STORE_VERSION)
        if version != STORE_VERSION:
            raise AuthStoreError(f"{self.path}: unsupported version {version!r}")
        raw.setdefault("version", STORE_VERSION)
        raw.setdefault("profiles", {})
        return raw

    def _parse(self, raw: Mapping[str, Any]) -> AuthStoreData:
        profiles = {
            str(pid): cred
            for pid, cred in raw.get("profiles", {}).items()
            if isinstance(cred, dict)
        }
        usage = {
            str(pid): stats
            for pid, stats in raw.get("usageStats", {}).items()
            if isinstance(stats, dict)
        }
        return AuthStoreData(profiles=profiles, usage_stats=usage, raw=raw)

    # --- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def update(self, mutate: Callable[[dict[str, Any]], None]) -> AuthStoreData:
        """Locked read-modify-write: `mutate` edits the raw document in place; written 0600."""
        with self._locked():
            raw = self._read_raw()
            working = copy.deepcopy(raw)
            mutate(working)
            working["version"] = STORE_VERSION
            if working != raw or not self.path.exists():
                fsutil.atomic_write_json(self.path, working, mode=FILE_MODE)
            self._cache_key, self._cache = None, None
            return self._parse(working)

    def upsert_profile(self, profile_id: str, data: Mapping[str, Any]) -> None:
        """Create or replace one credential (validated; see `validate_credential`)."""
        cred = validate_credential(profile_id, data)

        def mutate(raw: dict[str, Any]) -> None:
            raw.setdefault("profiles", {})[profile_id] = cred

        self.update(mutate)

    def remove_profile(self, profile_id: str) -> bool:
        """Delete a credential and its usage stats. True when it existed."""
        existed = False

        def mutate(raw: dict[str, Any]) -> None:
            nonlocal existed
            existed = raw.get("profiles", {}).pop(profile_id, None) is not None
            raw.get("usageStats", {}).pop(profile_id, None)

        self.update(mutate)
        return existed

    def update_usage(
        self, profile_id: str, mutate: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Locked edit of one profile's `usageStats` record; returns the record written."""
        result: dict[str, Any] = {}

        def edit(raw: dict[str, Any]) -> None:
            stats = raw.setdefault("usageStats", {}).setdefault(profile_id, {})
            mutate(stats)
            result.update(stats)

        self.update(edit)
        return result
