"""Rewrite a user's config.toml without legacy keys (`zeroclaw doctor --fix`, daemon start).

The mapping itself is `legacy.map_legacy`, the same one the loader applies in memory; here it runs
on a tomlkit document so the user's comments and layout survive. Order of writes, chosen so a
crash never loses a secret: keys moved out of the file go into `auth-profiles.json` first, then a
backup `config.toml.bak-<unix-ts>` (0600, it may hold keys) is written, then the config is
replaced atomically. A second run finds nothing to do and writes nothing.
"""

from __future__ import annotations

import itertools
import logging
import stat
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeroclaw_py import fsutil, paths
from zeroclaw_py.config.legacy import Table, map_legacy
from zeroclaw_py.config.load import read_text, toml_issue
from zeroclaw_py.errors import ConfigError, ConfigIssue, ZeroclawError

log = logging.getLogger(__name__)

BACKUP_MODE = 0o600


@dataclass(frozen=True)
class MigrationReport:
    """What a migration did: one line per change, and the backup written (None = nothing)."""

    changes: list[str] = field(default_factory=list)
    backup: Path | None = None


def _tomlkit_table(parent: Table, is_super: bool) -> Table:
    import tomlkit
    from tomlkit.items import InlineTable

    # Inside `key = { ... }` only inline tables are allowed; elsewhere a real `[table]`.
    table: Table = (
        tomlkit.inline_table()
        if isinstance(parent, InlineTable)
        else tomlkit.table(is_super_table=is_super or None)
    )
    return table


def _backup_path(path: Path, now: float) -> Path:
    candidate = path.with_name(f"{path.name}.bak-{int(now)}")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{int(now)}.{counter}")
        counter += 1
    return candidate


def _keep_blank_lines(before: str, after: str) -> str:
    """Put back the blank line above a table header that had one before the rewrite.

    tomlkit stores the blank line that separates two tables as the tail of the first one, so
    deleting the first table's last key (or the table) glues the next header onto it.
    """
    spaced = {
        line
        for prev, line in itertools.pairwise(before.splitlines())
        if line.lstrip().startswith("[") and not prev.strip()
    }
    out: list[str] = []
    for line in after.splitlines(keepends=True):
        if line.rstrip("\r\n") in spaced and out and out[-1].strip():
            out.append("\n")
        out.append(line)
    return "".join(out)


def _file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def migrate_file(
    path: Path,
    *,
    auth_store_path: Path | None = None,
    now: float | None = None,
) -> MigrationReport:
    """Migrate `path` in place. Raises `ConfigError` when the file cannot be read or parsed."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    text = read_text(path)
    if text is None:
        return MigrationReport()
    try:
        tomllib.loads(text)  # same syntax verdict and message as the loader
        doc: Any = tomlkit.parse(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([toml_issue(exc)], source=str(path)) from None
    except ParseError as exc:  # tomllib accepted it but tomlkit cannot keep its layout
        issue = ConfigIssue("", f"cannot rewrite this file while keeping its layout: {exc}")
        raise ConfigError([issue], source=str(path)) from None
    try:
        result = map_legacy(doc, new_table=_tomlkit_table)
    except (ValueError, TypeError, KeyError) as exc:  # tomlkit refused an edit of this layout
        issue = ConfigIssue("", f"cannot rewrite this file while keeping its layout: {exc}")
        raise ConfigError([issue], source=str(path)) from None
    if result.errors:
        raise ConfigError(result.errors, source=str(path))
    if not result.changes:
        return MigrationReport()
    if result.secrets:
        from zeroclaw_py.models.auth_store import AuthProfileStore

        store = AuthProfileStore(auth_store_path)
        for secret in result.secrets:
            store.upsert_profile(
                secret.profile_id,
                {"type": "api_key", "provider": secret.provider, "key": secret.key},
            )
    backup = _backup_path(path, time.time() if now is None else now)
    fsutil.atomic_write_text(backup, text, mode=BACKUP_MODE)
    new_text = tomlkit.dumps(doc)
    # A removed first or last table leaves the blank line that separated it behind.
    if not text.startswith(("\n", "\r\n")):
        new_text = new_text.lstrip("\r\n")
    if new_text.endswith("\n\n") and not text.endswith("\n\n"):
        new_text = new_text.rstrip("\r\n") + "\n"
    spaced = _keep_blank_lines(text, new_text)
    if tomllib.loads(spaced) == tomllib.loads(new_text):  # whitespace only, never meaning
        new_text = spaced
    fsutil.atomic_write_text(path, new_text, mode=_file_mode(path))
    return MigrationReport([change.text for change in result.changes], backup)


def auto_migrate(path: Path | None = None) -> list[str]:
    """Daemon start: migrate only when legacy keys are present; log each change. Never raises."""
    path = paths.config_path() if path is None else Path(path)
    try:
        report = migrate_file(path)
    except (ZeroclawError, OSError) as exc:
        # The loader reports a bad file right after; a store problem must not stop the start.
        log.warning("config migration skipped: %s", exc)
        return []
    for line in report.changes:
        log.warning("config migrated: %s", line)
    if report.backup is not None:
        log.warning("config migrated: backup written to %s", report.backup)
    return report.changes
