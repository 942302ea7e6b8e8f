"""Per-candidate circuit breaker (SPEC §7.1): an outage costs one fast fallback, not a ladder.

LiteLLM's lesson (#40405): without a breaker, every message during an outage pays the primary's full
retry ladder before falling back. Here a `(provider, model)` candidate whose calls failed
`failure_threshold` times in a row is *open*: turns skip it for `cooldown_s`. After the cooldown
it is *half-open*: exactly one turn probes it with a single call; success closes it, failure
re-opens it for another cooldown. Only failures that say "this candidate is unhealthy" are
counted (transient, rate limit, model not found); auth and request errors are the profile's or
the request's fault.

Time comes from an injected monotonic clock so tests never sleep. One instance lives as long as
the runtime and is shared by all turns (single event loop, so no lock is needed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger(__name__)

CandidateKey = tuple[str, str]  # (provider id, model)


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"  # cooldown over, one probe in flight or allowed


@dataclass
class _Entry:
    failures: int = 0
    open_until: float | None = None
    probing: bool = False


class CandidateBreaker:
    """Consecutive-failure breaker keyed by `(provider, model)`."""

    def __init__(
        self,
        *,
        failure_threshold: int = 3,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_s = max(0.0, cooldown_s)
        self.clock = clock
        self._entries: dict[CandidateKey, _Entry] = {}

    def configure(self, *, failure_threshold: int, cooldown_s: float) -> None:
        """Adopt new settings after a config reload; current counts and windows are kept."""
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_s = max(0.0, cooldown_s)

    def state(self, key: CandidateKey) -> BreakerState:
        entry = self._entries.get(key)
        if entry is None or entry.open_until is None:
            return BreakerState.CLOSED
        if self.clock() < entry.open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def retry_in(self, key: CandidateKey) -> float:
        """Seconds until an open candidate may be probed (0 when it may be called now)."""
        entry = self._entries.get(key)
        if entry is None or entry.open_until is None:
            return 0.0
        return max(0.0, entry.open_until - self.clock())

    def acquire(self, key: CandidateKey) -> bool:
        """May a turn call this candidate now? Claims the single half-open probe slot."""
        state = self.state(key)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        entry = self._entries[key]
        if entry.probing:
            return False
        entry.probing = True
        return True

    def force_probe(self, key: CandidateKey) -> None:
        """Claim a probe even while open (used when every candidate is open: try one anyway)."""
        entry = self._entries.setdefault(key, _Entry())
        entry.probing = True

    def is_probe(self, key: CandidateKey) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry.probing

    def record_success(self, key: CandidateKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None and entry.open_until is not None:
            _set_gauge(key, 0)
            log.info("%s/%s answers again: no longer skipped", *key)

    def record_failure(self, key: CandidateKey) -> bool:
        """Count one failed call. Returns True when this failure (re)opened the breaker."""
        entry = self._entries.setdefault(key, _Entry())
        entry.failures += 1
        if entry.probing or entry.failures >= self.failure_threshold:
            was_open = entry.open_until is not None
            entry.open_until = self.clock() + self.cooldown_s
            entry.probing = False
            if not was_open:
                _set_gauge(key, 1)
            log.warning(
                "%s/%s failed %d times in a row: skipped for %.0f s",
                *key,
                entry.failures,
                self.cooldown_s,
            )
            return True
        return False

    def release(self, key: CandidateKey) -> None:
        """Give back a probe slot that ended without a verdict (e.g. an auth or request error)."""
        entry = self._entries.get(key)
        if entry is not None:
            entry.probing = False


def _set_gauge(key: CandidateKey, value: int) -> None:
    from zeroclaw_py.metrics import BREAKER_OPEN

    BREAKER_OPEN.labels(provider=key[0], model=key[1]).set(value)
