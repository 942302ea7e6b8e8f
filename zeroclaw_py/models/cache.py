"""`<state>/models_cache.json`: live model lists per provider (SPEC §4, zeroclaw.md §1.8, §3).

Shape: `{"entries": [{"provider": "<canonical id>", "fetched_at_unix": <int>, "models": [...]}]}`.
Entries are keyed by the canonical (regional ids stay regional) provider id, so `/model` finds
what `models refresh --provider grok` stored under `xai` (upstream's alias mismatch trap fixed).
Ids are trimmed, de-duplicated and sorted. The reader is tolerant: a missing or corrupt file
reads as empty and a malformed entry is skipped, because a cache must never break a chat turn.
Writes are atomic. Stdlib only, so `/model` and `models list` stay cheap.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zeroclaw_py.paths import MODELS_CACHE_FILE

log = logging.getLogger(__name__)

CACHE_TTL_S = 12 * 3600
PREVIEW_LIMIT = 10  # ids shown by `/model`


@dataclass(frozen=True)
class CacheEntry:
    provider: str
    fetched_at_unix: int
    models: tuple[str, ...]

    def age_s(self, now: float | None = None) -> int:
        return max(int((time.time() if now is None else now) - self.fetched_at_unix), 0)

    def is_fresh(self, now: float | None = None, ttl_s: int = CACHE_TTL_S) -> bool:
        return bool(self.models) and self.age_s(now) <= ttl_s


def cache_path(state_dir: Path) -> Path:
    return state_dir / MODELS_CACHE_FILE


def normalize_ids(ids: Iterable[str]) -> list[str]:
    return sorted({i.strip() for i in ids if isinstance(i, str) and i.strip()})


def _entry(raw: Any) -> CacheEntry | None:
    if not isinstance(raw, dict):
        return None
    provider, models = raw.get("provider"), raw.get("models")
    fetched = raw.get("fetched_at_unix", 0)
    if not isinstance(provider, str) or not isinstance(models, list):
        return None
    if not isinstance(fetched, int | float) or isinstance(fetched, bool):
        fetched = 0
    return CacheEntry(provider, int(fetched), tuple(m for m in models if isinstance(m, str)))


def read_entries(state_dir: Path) -> list[CacheEntry]:
    """Every well-formed entry; [] for a missing, unreadable or corrupt file."""
    path = cache_path(state_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("models cache unreadable, treating as empty path=%s error=%s", path, exc)
        return []
    raw_entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw_entries, list):
        return []
    return [entry for raw in raw_entries if (entry := _entry(raw)) is not None]


def cached_entry(state_dir: Path, provider_id: str) -> CacheEntry | None:
    """The first entry stored under exactly `provider_id` (canonical ids, case-sensitive)."""
    return next((e for e in read_entries(state_dir) if e.provider == provider_id), None)


def cached_models(state_dir: Path, provider_id: str) -> list[str] | None:
    """The cached ids of `provider_id` in stored order (stale ones too); None if never fetched."""
    entry = cached_entry(state_dir, provider_id)
    return list(entry.models) if entry is not None else None


def write_entry(
    state_dir: Path, provider_id: str, models: Iterable[str], *, now: float | None = None
) -> CacheEntry:
    """Replace (or append) `provider_id`'s entry with `models`, atomically and under a lock so
    two concurrent refreshes of different providers both land."""
    entry = CacheEntry(
        provider_id, int(time.time() if now is None else now), tuple(normalize_ids(models))
    )
    from zeroclaw_py.fsutil import file_lock  # writers only; readers stay import-light

    with file_lock(cache_path(state_dir)):
        _store(state_dir, entry)
    return entry


def _store(state_dir: Path, entry: CacheEntry) -> None:
    provider_id = entry.provider
    entries = read_entries(state_dir)
    index = next((i for i, e in enumerate(entries) if e.provider == provider_id), None)
    if index is None:
        entries.append(entry)
    else:
        entries[index] = entry
    payload = {
        "entries": [
            {"provider": e.provider, "fetched_at_unix": e.fetched_at_unix, "models": list(e.models)}
            for e in entries
        ]
    }
    from zeroclaw_py.fsutil import atomic_write_json

    atomic_write_json(cache_path(state_dir), payload)


def age_text(seconds: int) -> str:
    """Upstream's age format: `42s`, `7m`, `3h` (integer division)."""
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"
