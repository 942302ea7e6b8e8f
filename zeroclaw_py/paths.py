"""Where zeroclaw-py keeps its files (SPEC §2). `ZEROCLAW_HOME` relocates everything."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "zeroclaw"
CONFIG_FILE = "config.toml"
MODELS_CACHE_FILE = "models_cache.json"
MODEL_CATALOG_FILE = "models.json"
AUTH_PROFILES_FILE = "auth-profiles.json"
STATE_DB_FILE = "state.db"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def config_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """`--config` › `$ZEROCLAW_CONFIG` › `$ZEROCLAW_HOME/config.toml` › the platform config dir."""
    if cli_value:
        return Path(cli_value).expanduser()
    if explicit := _env("ZEROCLAW_CONFIG"):
        return Path(explicit).expanduser()
    if home := _env("ZEROCLAW_HOME"):
        return Path(home).expanduser() / CONFIG_FILE
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / CONFIG_FILE


def state_dir() -> Path:
    """`$ZEROCLAW_HOME/state` › the platform state dir. Not created here."""
    if home := _env("ZEROCLAW_HOME"):
        return Path(home).expanduser() / "state"
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME))
