"""Auth profiles at call time (SPEC §7.2, seed 004): which credential a call uses, and penalties.

Profiles are declared in `[auth.profiles]` (provider, mode) and their secrets live in the store
(`auth-profiles.json`). For a provider the order is `auth.order[provider]`, else OAuth before token
before api_key, least recently used first; profiles in cooldown go last (soonest expiry first)
and a session's last-known-good profile goes first. Failures cool a profile down (1, 5, 25 min,
capped at 1 h); billing disables it (5 h doubling to 24 h); a success clears both. Cooldown state
is persisted in the store's `usageStats` (shared with other processes); `lastUsed` is read from
there (OpenClaw writes it) but updated only in memory, because rewriting the secrets file on every
call buys nothing.

Times are unix seconds from an injected `now` (the store keeps milliseconds, OpenClaw's unit).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from zeroclaw_py.errors import UnknownProviderError
from zeroclaw_py.models.auth_store import AuthProfileStore, AuthStoreData, AuthStoreError

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.config.schema import Config

log = logging.getLogger(__name__)

# Failure n (1-based) -> cooldown seconds: 1 min, 5 min, 25 min, then capped at 1 h.
COOLDOWN_STEPS_S: Final = (60.0, 300.0, 1500.0, 3600.0)
BILLING_BASE_S: Final = 5 * 3600.0
BILLING_MAX_S: Final = 24 * 3600.0
FAILURE_WINDOW_S: Final = 24 * 3600.0  # older failures no longer escalate the next cooldown
TYPE_RANK: Final[Mapping[str, int]] = {"oauth": 0, "token": 1, "api_key": 2}
# Configured mode -> stored credential types it accepts (an oauth declaration may hold a token).
MODE_ACCEPTS: Final[Mapping[str, tuple[str, ...]]] = {
    "api_key": ("api_key",),
    "token": ("token",),
    "oauth": ("oauth", "token"),
}
LAST_GOOD_KV_PREFIX: Final = "auth.last_good"


def cooldown_seconds(error_count: int) -> float:
    return COOLDOWN_STEPS_S[min(max(error_count, 1), len(COOLDOWN_STEPS_S)) - 1]


def billing_disable_seconds(billing_count: int) -> float:
    doublings = min(max(billing_count, 1) - 1, 10)
    return float(min(BILLING_MAX_S, BILLING_BASE_S * (2**doublings)))


class SessionKV(Protocol):
    """The slice of `state.store.StateStore` used to remember last-known-good profiles."""

    async def kv_get(self, name: str) -> str | None: ...

    async def kv_set(self, name: str, value: str | None) -> None: ...


class MemoryKV:
    """In-process stand-in for a state store (tests, or a runtime without one)."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def kv_get(self, name: str) -> str | None:
        return self.data.get(name)

    async def kv_set(self, name: str, value: str | None) -> None:
        if value is None:
            self.data.pop(name, None)
        else:
            self.data[name] = value


@dataclass(frozen=True)
class ProfileChoice:
    """One usable credential for a call, with why it sits where it does in the order."""

    id: str
    provider: str
    type: str
    blocked_until: float = 0.0  # unix seconds; 0 = usable now
    blocked_reason: str | None = None  # "cooldown" | "billing"

    @property
    def available(self) -> bool:
        return self.blocked_until == 0.0


@functools.lru_cache(maxsize=512)
def norm_provider(name: str) -> str:
    """The id profiles are matched on: case-insensitive, registry aliases folded (`Claude` and
    `anthropic` are one provider); names the registry does not know are lower-cased."""
    from zeroclaw_py.providers.registry import resolve

    key = name.strip().lower()
    try:
        spec = resolve(key)
    except UnknownProviderError:
        return key
    return spec.id if spec is not None else key


def declared_profiles(config: Config, provider: str) -> list[str]:
    """Ids declared in `[auth.profiles]` for `provider`, in config order."""
    want = norm_provider(provider)
    return [pid for pid, pc in config.auth.profiles.items() if norm_provider(pc.provider) == want]


def stored_profiles(data: AuthStoreData, provider: str) -> list[str]:
    """Ids stored for `provider`, in file order. The stored provider name is folded like any
    other (`google` is gemini), so OpenClaw's files work as they are."""
    want = norm_provider(provider)
    return [
        pid for pid, c in data.profiles.items() if norm_provider(str(c.get("provider"))) == want
    ]


def profile_owner(config: Config, data: AuthStoreData, profile_id: str) -> str | None:
    """The provider a profile belongs to: the config declaration, else the stored credential."""
    declared = config.auth.profiles.get(profile_id)
    if declared is not None:
        return norm_provider(declared.provider)
    cred = data.profile(profile_id)
    if cred is not None and isinstance(cred.get("provider"), str):
        return norm_provider(cred["provider"])
    return None


def validate_profile(
    config: Config, profile_id: str, provider: str, store: AuthProfileStore | None = None
) -> str | None:
    """The `/model X@profile` check: None when usable, else the exact SPEC §6 reply."""
    from zeroclaw_py.runtime.replies import render

    data = (store or AuthProfileStore()).load()
    owner = profile_owner(config, data, profile_id)
    if owner is None:
        return render("profile_not_found", profile=profile_id)
    if owner != norm_provider(provider):
        return render("profile_wrong_provider", profile=profile_id, owner=owner, provider=provider)
    return None


def _secret_present(cred: Mapping[str, Any], now: float) -> bool:
    kind = cred.get("type")
    if kind == "api_key":
        return bool(str(cred.get("key") or "").strip())
    if kind == "token":
        expires = cred.get("expires")
        fresh = not isinstance(expires, int | float) or expires <= 0 or expires / 1000 > now
        return bool(str(cred.get("token") or "").strip()) and fresh
    if kind == "oauth":
        return bool(cred.get("access") or cred.get("refresh"))
    return False


def blocked(stats: Mapping[str, Any] | None, now: float) -> tuple[float, str | None]:
    """(until, reason) when a profile is in cooldown or disabled at `now`, else (0, None)."""
    if not stats:
        return 0.0, None
    disabled = float(stats.get("disabledUntil") or 0) / 1000
    cooling = float(stats.get("cooldownUntil") or 0) / 1000
    if disabled > now and disabled >= cooling:
        return disabled, str(stats.get("disabledReason") or "billing")
    if cooling > now:
        return cooling, "cooldown"
    return 0.0, None


class AuthProfiles:
    """Orders profiles for a call, resolves their secrets, and applies cooldowns.

    One instance per runtime, shared by every turn. `kv` persists each session's last-known-good
    profile per provider (the runtime passes its state store); without it memory is used.
    """

    def __init__(
        self,
        store: AuthProfileStore | None = None,
        *,
        kv: SessionKV | None = None,
        now: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store if store is not None else AuthProfileStore()
        self.kv: SessionKV = kv if kv is not None else MemoryKV()
        self.now = now
        self.http = http
        self._last_used: dict[str, float] = {}
        self._refresh_locks: dict[str, asyncio.Lock] = {}

    # --- ordering ----------------------------------------------------------------------------

    def order(
        self, config: Config, provider: str, *, preferred: str | None = None
    ) -> list[ProfileChoice]:
        """Every usable profile for `provider`: available ones in order, then blocked ones."""
        data = self.store.load()
        now = self.now()
        want = norm_provider(provider)
        explicit = next(
            (ids for key, ids in config.auth.order.items() if norm_provider(key) == want), None
        )
        ids = list(explicit or declared_profiles(config, provider) or stored_profiles(data, want))
        choices: list[ProfileChoice] = []
        for pid in dict.fromkeys(ids):
            choice = self._choice(config, data, pid, want, now)
            if choice is not None:
                choices.append(choice)
        available = [c for c in choices if c.available]
        if explicit is None:
            available.sort(key=lambda c: (TYPE_RANK.get(c.type, 9), self._recency(data, c.id)))
        if preferred is not None:
            available.sort(key=lambda c: c.id != preferred)  # stable: only moves it first
        waiting = sorted((c for c in choices if not c.available), key=lambda c: c.blocked_until)
        return available + waiting

    def _recency(self, data: AuthStoreData, pid: str) -> float:
        """When the profile was last used: this process's memory, else a stored `lastUsed` (an
        OpenClaw file, or another process), so least-recently-used survives a restart."""
        if (used := self._last_used.get(pid)) is not None:
            return used
        stored = (data.usage_stats.get(pid) or {}).get("lastUsed")
        if isinstance(stored, int | float) and not isinstance(stored, bool):
            return float(stored) / 1000
        return 0.0

    def _choice(
        self, config: Config, data: AuthStoreData, pid: str, provider: str, now: float
    ) -> ProfileChoice | None:
        cred = data.profile(pid)
        if cred is None or norm_provider(str(cred.get("provider", ""))) != provider:
            return None
        declared = config.auth.profiles.get(pid)
        kind = str(cred.get("type"))
        if declared is not None and kind not in MODE_ACCEPTS.get(declared.mode, ()):
            log.warning("auth profile %s is declared %s but stores %s", pid, declared.mode, kind)
            return None
        if not _secret_present(cred, now):
            return None
        until, reason = blocked(data.usage_stats.get(pid), now)
        return ProfileChoice(pid, provider, kind, until, reason)

    def pinned(self, config: Config, profile_id: str, provider: str) -> ProfileChoice | None:
        """A profile the session pinned with `/model X@profile` (used even while cooling)."""
        return self._choice(
            config, self.store.load(), profile_id, norm_provider(provider), self.now()
        )

    # --- secrets -----------------------------------------------------------------------------

    async def secret(self, config: Config, choice: ProfileChoice) -> str:
        """The credential to send; OAuth access tokens are refreshed before they expire."""
        cred = self.store.load().profile(choice.id) or {}
        if cred.get("type") == "oauth":
            from zeroclaw_py.models.oauth import access_token

            lock = self._refresh_locks.setdefault(choice.id, asyncio.Lock())
            async with lock:
                return await access_token(self, config, choice.id)
        return str(cred.get("key") or cred.get("token") or "")

    # --- session stickiness ------------------------------------------------------------------

    async def last_good(self, session_key: str | None, provider: str) -> str | None:
        if not session_key:
            return None
        return await self.kv.kv_get(
            f"{LAST_GOOD_KV_PREFIX}:{norm_provider(provider)}:{session_key}"
        )

    # --- outcomes ----------------------------------------------------------------------------

    async def mark_success(self, choice: ProfileChoice, session_key: str | None) -> None:
        """Record use; clear any cooldown; remember it as the session's last-known-good."""
        self._last_used[choice.id] = self.now()
        try:
            stats = self.store.load().usage_stats.get(choice.id) or {}
            if any(stats.get(k) for k in ("errorCount", "cooldownUntil", "disabledUntil")):
                self.store.update_usage(choice.id, _clear_failures)
        except AuthStoreError as exc:  # the answer stands; only the bookkeeping is lost
            log.error("auth profile %s: success not recorded: %s", choice.id, exc)
        if session_key:
            name = _last_good_name(choice.provider, session_key)
            if await self.kv.kv_get(name) != choice.id:
                await self.kv.kv_set(name, choice.id)

    def mark_failure(self, choice: ProfileChoice, reason: str) -> float:
        """Cool the profile down (or disable it for billing). Returns the window in seconds.

        An already active window is kept as it is, so parallel turns failing on the same key do
        not escalate it several steps at once; the failure still counts for the next window.
        """
        now = self.now()
        self._last_used[choice.id] = now
        window = 0.0

        def mutate(stats: dict[str, Any]) -> None:
            nonlocal window
            last = float(stats.get("lastFailureAt") or 0) / 1000
            if now - last > FAILURE_WINDOW_S:
                stats.pop("failureCounts", None)
                stats["errorCount"] = 0
            counts: dict[str, int] = dict(stats.get("failureCounts") or {})
            counts[reason] = counts.get(reason, 0) + 1
            stats["failureCounts"] = counts
            stats["errorCount"] = int(stats.get("errorCount") or 0) + 1
            stats["lastFailureAt"] = int(now * 1000)
            field = "disabledUntil" if reason == "billing" else "cooldownUntil"
            current = float(stats.get(field) or 0) / 1000
            if current > now:
                window = current - now
                return
            if reason == "billing":
                window = billing_disable_seconds(counts[reason])
                stats["disabledReason"] = "billing"
            else:
                window = cooldown_seconds(stats["errorCount"])
            stats[field] = int((now + window) * 1000)

        try:
            self.store.update_usage(choice.id, mutate)
        except AuthStoreError as exc:  # rotation still happens for this turn
            log.error("auth profile %s: %s not recorded: %s", choice.id, reason, exc)
        from zeroclaw_py.metrics import AUTH_PROFILE_COOLDOWNS

        AUTH_PROFILE_COOLDOWNS.labels(provider=choice.provider, reason=reason).inc()
        log.warning("auth profile %s: %s; unavailable for %.0f s", choice.id, reason, window)
        return window


def _last_good_name(provider: str, session_key: str) -> str:
    return f"{LAST_GOOD_KV_PREFIX}:{norm_provider(provider)}:{session_key}"


def _clear_failures(stats: dict[str, Any]) -> None:
    for name in (
        "errorCount",
        "failureCounts",
        "cooldownUntil",
        "disabledUntil",
        "disabledReason",
        "lastFailureAt",
    ):
        stats.pop(name, None)
