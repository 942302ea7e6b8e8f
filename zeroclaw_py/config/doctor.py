"""`zeroclaw doctor` (check the config) and `zeroclaw doctor --fix` (migrate legacy keys).

Check mode prints the config path, every error and warning as `<path>: <message>`, and a summary;
the exit code is 1 when the config cannot be used. Nothing here may end in a traceback: every
failure is a `ConfigError` or an `OSError` turned into a line of text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from zeroclaw_py import paths
from zeroclaw_py.config.convert import join
from zeroclaw_py.config.load import MIGRATE_HINT, check_config
from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import ConfigError, ConfigIssue, ZeroclawError


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _login_hint(profile_id: str) -> str:
    provider, _, name = profile_id.partition(":")
    return f"zeroclaw login {provider}" + ("" if name == "default" else f" --profile {name}")


def _credential_warnings(config: Config) -> list[ConfigIssue]:
    """Declared auth profiles with nothing stored for them in auth-profiles.json."""
    if not config.auth.profiles:
        return []
    from zeroclaw_py.models.auth_store import AuthProfileStore

    store = AuthProfileStore()
    try:
        data = store.load()
    except ZeroclawError as exc:
        return [ConfigIssue("auth", str(exc))]
    return [
        ConfigIssue(
            join("auth.profiles", profile_id),
            f"no credential in {store.path} (add one with `{_login_hint(profile_id)}`)",
        )
        for profile_id in config.auth.profiles
        if data.profile(profile_id) is None
    ]


def _report(path: Path, out: TextIO, *, header: bool = False) -> int:
    """Print every finding for `path` (after a `config:` line when `header`); 1 on errors."""
    config, errors, warnings = check_config(path)
    if header:  # "not found" as the loader decided it, e.g. not for a symlink loop
        missing = config is not None and config.source is None
        note = " (not found; running on defaults)" if missing else ""
        print(f"config: {path}{note}", file=out)
    legacy = any(w.message == MIGRATE_HINT for w in warnings)
    if config is not None and not legacy:  # legacy api_keys reach the store only with --fix
        warnings = warnings + _credential_warnings(config)
    for label, issues in (("error", errors), ("warning", warnings)):
        for issue in issues:
            print(f"{label}: {issue}", file=out)
    summary = f"{_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"
    if errors:
        print(f"config is invalid: {summary}", file=out)
        return 1
    print(f"config OK: {summary}", file=out)
    return 0


def check(path: Path, out: TextIO) -> int:
    return _report(path, out, header=True)


def fix(path: Path, out: TextIO) -> int:
    from zeroclaw_py.config.migrate import migrate_file

    print(f"config: {path}", file=out)
    try:
        report = migrate_file(path)
    except (ZeroclawError, OSError) as exc:
        issues = exc.issues if isinstance(exc, ConfigError) else [ConfigIssue("", str(exc))]
        for issue in issues:
            print(f"error: {issue}", file=out)
        print("nothing migrated", file=out)
        return 1
    if not report.changes:
        print("nothing to migrate", file=out)
    for line in report.changes:
        print(line, file=out)
    if report.backup is not None:
        print(f"backup: {report.backup}", file=out)
    if not path.exists():
        return 0
    return _report(path, out)


def main(args: argparse.Namespace) -> int:
    path = paths.config_path(getattr(args, "config", None))
    run = fix if getattr(args, "fix", False) else check
    return run(path, sys.stdout)
