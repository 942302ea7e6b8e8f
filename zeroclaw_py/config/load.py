"""Locate, parse, validate and apply env overrides. STUB: the config work fills the bodies.

Contract:
- `load_config(path: Path | None = None) -> Config`: `path` None = `paths.config_path()`. A
  missing file gives defaults (`Config(source=None)`). Raises `ConfigError` (every issue with
  its TOML path) for TOML syntax or schema errors; unknown keys are warnings (logged, and
  returned by `check_config`). Env overrides (SPEC §3) are applied. Legacy keys are mapped in
  memory (the file is rewritten only by doctor/migration).
- `parse_config(text: str, *, source: Path | None = None, env=os.environ) -> Config`: the same,
  from text (used by reload and tests).
- `check_config(path) -> tuple[Config | None, list[ConfigIssue] errors, list[ConfigIssue] warnings]`
"""

from __future__ import annotations

from pathlib import Path

from zeroclaw_py.config.schema import Config


def load_config(path: Path | None = None) -> Config:
    raise NotImplementedError


def parse_config(text: str, *, source: Path | None = None) -> Config:
    raise NotImplementedError
