"""State that lives across messages and restarts: route overrides, histories, small values.

`open_store(config, state_dir)` picks the backend named by `state.backend`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from zeroclaw_py.config.schema import Config
from zeroclaw_py.paths import STATE_DB_FILE
from zeroclaw_py.state.memory import MemoryStore
from zeroclaw_py.state.sqlite import SqliteStore
from zeroclaw_py.state.store import StateStore

__all__ = ["MemoryStore", "SqliteStore", "StateStore", "create_store"]

log = logging.getLogger(__name__)


def create_store(config: Config, state_dir: Path) -> StateStore:
    """The configured backend (not opened yet). `redis` is not built in: SQLite is used instead."""
    backend = config.state.backend
    if backend == "memory":
        return MemoryStore()
    if backend == "redis":
        log.warning("state.backend = 'redis' is not supported yet; using SQLite in %s", state_dir)
    return SqliteStore(state_dir / STATE_DB_FILE, history_limit=config.channels_config.max_history)
