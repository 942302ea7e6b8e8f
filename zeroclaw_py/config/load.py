"""Locate, parse, validate and apply env overrides (SPEC §2, §3).

Contract:
- `load_config(path: Path | None = None, *, env=None) -> Config`: `path` None =
  `paths.config_path()`. A missing file gives defaults (`Config(source=None)`). Raises
  `ConfigError` (every issue with its TOML path) for TOML syntax or schema errors; unknown keys are
  warnings (logged, and returned by `check_config`). Env overrides (SPEC §3) are applied (`env`
  defaults to `os.environ`). Legacy keys are mapped in memory (the file is rewritten only by
  doctor/migration).
- `parse_config(text: str, *, source: Path | None = None, env=None) -> Config`: the same, from
  text (used by reload and tests).
- `check_config(path, *, env=None) -> tuple[Config | None, errors, warnings]`: never raises for a
  bad file; everything wrong is in `errors`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zeroclaw_py import paths
from zeroclaw_py.config.env import apply_env
from zeroclaw_py.config.legacy import map_legacy
from zeroclaw_py.config.schema import Config
from zeroclaw_py.config.validate import validate
from zeroclaw_py.errors import ConfigError, ConfigIssue

log = logging.getLogger(__name__)

Issues = list[ConfigIssue]
_TOML_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")

MIGRATE_HINT = 'legacy key, run "zeroclaw doctor --fix" to migrate it'


def toml_issue(exc: tomllib.TOMLDecodeError) -> ConfigIssue:
    """A TOML syntax error as one issue that leads with the line and column."""
    text = str(exc)
    match = _TOML_POSITION.match(text)
    if match:
        where = f"line {match['line']}, column {match['col']}"
        return ConfigIssue("", f"TOML syntax error at {where}: {match['what']}")
    return ConfigIssue("", f"TOML syntax error: {text}")


def read_text(path: Path) -> str | None:
    """The file's text; None when it does not exist. Other failures become a `ConfigError`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        reason = "is a directory, not a file"
    except PermissionError:
        reason = "permission denied"
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
    raise ConfigError([ConfigIssue("", f"cannot read {path}: {reason}")], source=str(path))


def evaluate(
    text: str, *, source: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[Config | None, Issues, Issues]:
    """Parse, map legacy keys, validate, apply env: `(config or None, errors, warnings)`."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [toml_issue(exc)], []
    legacy = map_legacy(raw)
    config, errors, warnings = validate(raw)
    legacy_paths = {issue.path for issue in legacy.errors}  # one finding per path is enough
    errors = legacy.errors + [issue for issue in errors if issue.path not in legacy_paths]
    # One hint per legacy key, however many changes it makes (one per alias, per model...).
    legacy_keys = dict.fromkeys(change.legacy_path for change in legacy.changes)
    warnings = [ConfigIssue(key, MIGRATE_HINT) for key in legacy_keys] + warnings
    if config is None or errors:
        return None, errors, warnings
    config, env_warnings = apply_env(config, env)
    # Legacy `[reliability] api_keys` stay in memory until migrated: scrub them like the rest.
    _register_secrets(config, env, [secret.key for secret in legacy.secrets])
    return dataclasses.replace(config, raw=raw, source=source), errors, warnings + env_warnings


def _defaults(env: Mapping[str, str] | None) -> tuple[Config, Issues]:
    """No config file: the defaults plus env overrides."""
    config, warnings = apply_env(Config(), env)
    _register_secrets(config, env, [])
    return config, warnings


def _register_secrets(config: Config, env: Mapping[str, str] | None, extra: list[str]) -> None:
    """Every credential this config can put on the wire is scrubbed from logs and replies."""
    from zeroclaw_py.providers.scrub import register_config_secrets, register_secret

    register_config_secrets(config, env)
    register_secret(*extra)


def _log_warnings(warnings: Issues, source: Path | None) -> None:
    where = f" ({source})" if source else ""
    for warning in warnings:
        log.warning("config warning%s: %s", where, warning)


def parse_config(
    text: str, *, source: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    config, errors, warnings = evaluate(text, source=source, env=env)
    if config is None:
        raise ConfigError(errors, source=str(source) if source else None)
    _log_warnings(warnings, source)
    return config


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    path = paths.config_path() if path is None else Path(path)
    text = read_text(path)
    if text is None:
        config, warnings = _defaults(env)
        _log_warnings(warnings, None)
        return config
    return parse_config(text, source=path, env=env)


def check_config(
    path: Path | None = None, *, env: Mapping[str, str] | None = None
) -> tuple[Config | None, Issues, Issues]:
    """Everything `load_config` would say about `path`, as data instead of an exception."""
    path = paths.config_path() if path is None else Path(path)
    try:
        text = read_text(path)
    except ConfigError as exc:
        return None, list(exc.issues), []
    if text is None:
        config, warnings = _defaults(env)
        return config, [], warnings
    return evaluate(text, source=path, env=env)
