"""`zeroclaw login <provider> [--profile NAME]`: store an API key as an auth profile (SPEC §7.2).

Creates or replaces `<provider>:default` (or `<provider>:NAME`) in auth-profiles.json (0600) and
clears that profile's cooldown state, since a new key deserves a fresh start. The key is read with
`getpass` from a terminal, or from stdin when piped (`pass show x | zeroclaw login openai`) — never
from argv, where it would land in shell history and `ps`. Output never contains the key.

Decision (documented here and in the report): when config.toml exists and does not declare
`[auth.profiles."<id>"]`, login adds the declaration with tomlkit (comments and layout kept, file
replaced atomically with its mode) and appends the id to `auth.order.<provider>` when that list
exists — otherwise the explicit order would never reach the new profile. Without a config file
nothing is written there: a provider with no declared profiles uses its stored ones.
"""

from __future__ import annotations

import argparse
import getpass
import stat
import sys
from pathlib import Path
from typing import Any, TextIO

from zeroclaw_py import fsutil, paths
from zeroclaw_py.errors import ConfigError, ZeroclawError

PROFILE_NAME_FORBIDDEN = set(" \t\r\n/@:\"'`")


def profile_id_for(provider: str, name: str | None) -> str:
    """`<provider>:<name>`; NAME may also be given as the full id of the same provider."""
    name = (name or "default").strip()
    owner, sep, rest = name.partition(":")
    if sep:
        if owner.strip().lower() != provider:
            raise ZeroclawError(f"profile `{name}` does not belong to provider `{provider}`")
        name = rest.strip()
    if not name or PROFILE_NAME_FORBIDDEN.intersection(name):
        raise ZeroclawError(
            "profile name must be non-empty without spaces, quotes, '/', '@' or ':'"
        )
    return f"{provider}:{name}"


def read_key(stdin: TextIO, prompt: str) -> str:
    """From a TTY with getpass (no echo), else the first line of piped stdin."""
    if stdin.isatty():
        return getpass.getpass(prompt).strip()
    return stdin.readline().strip()


def _load_config(path: Path) -> Any:
    from zeroclaw_py.config.load import load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"warning: config not used ({exc}); built-in providers only", file=sys.stderr)
        return None


def declare_profile(config_path: Path, profile_id: str, provider: str) -> str | None:
    """Add `[auth.profiles."<id>"]` (and extend `auth.order.<provider>`) in an existing file.

    Returns a line describing the change, or None when nothing had to change.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    text = config_path.read_text(encoding="utf-8")
    try:
        doc: Any = tomlkit.parse(text)
        auth = doc.setdefault("auth", tomlkit.table(is_super_table=True))
        profiles = auth.setdefault("profiles", tomlkit.table(is_super_table=True))
        changes = []
        if profile_id not in profiles:
            entry = tomlkit.table()
            entry["provider"] = provider
            entry["mode"] = "api_key"
            profiles[profile_id] = entry
            changes.append(f'[auth.profiles."{profile_id}"]')
        order = auth.get("order", {}).get(provider)
        if order is not None and profile_id not in order:
            order.append(profile_id)
            changes.append(f"auth.order.{provider}")
    except (TOMLKitError, AttributeError, TypeError, ValueError) as exc:
        raise ZeroclawError(f"could not update {config_path}: {exc}") from None
    if not changes:
        return None
    mode = stat.S_IMODE(config_path.stat().st_mode)
    fsutil.atomic_write_text(config_path, tomlkit.dumps(doc), mode=mode)
    return f"Updated {config_path}: {' and '.join(changes)}."


def _declaration(profile_id: str) -> str:
    provider = profile_id.partition(":")[0]
    return f'[auth.profiles."{profile_id}"] provider = "{provider}", mode = "api_key"'


def _warn_declared_mode(config: Any, profile_id: str) -> None:
    """A profile declared `mode = "oauth"` (or "token") ignores a stored api_key: say so, or the
    key just saved would silently never be used."""
    from zeroclaw_py.models.auth import MODE_ACCEPTS

    declared = config.auth.profiles.get(profile_id) if config is not None else None
    if declared is not None and "api_key" not in MODE_ACCEPTS.get(declared.mode, ()):
        print(
            f'warning: [auth.profiles."{profile_id}"] declares mode = "{declared.mode}", so this '
            'api key is not used until you change it to mode = "api_key"',
            file=sys.stderr,
        )


def main(
    args: argparse.Namespace, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    from zeroclaw_py.models.auth_store import AuthProfileStore
    from zeroclaw_py.providers.registry import resolve, unknown_provider_message

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    config_path = paths.config_path(getattr(args, "config", None))
    config = _load_config(config_path) if config_path.exists() else None
    spec = resolve(args.provider, config)
    if spec is None:
        print(unknown_provider_message(args.provider), file=sys.stderr)
        return 1
    profile_id = profile_id_for(spec.id, getattr(args, "profile", None))
    key = read_key(stdin, f"API key for {spec.display_name} ({profile_id}): ")
    if not key:
        print(
            "error: no API key given (type it at the prompt or pipe it on stdin)", file=sys.stderr
        )
        return 1

    def replace(raw: dict[str, Any]) -> None:
        raw.setdefault("profiles", {})[profile_id] = {
            "type": "api_key",
            "provider": spec.id,
            "key": key,
        }
        raw.get("usageStats", {}).pop(profile_id, None)

    store = AuthProfileStore(paths.state_dir() / paths.AUTH_PROFILES_FILE)
    existed = store.load().profile(profile_id) is not None
    store.update(replace)
    verb = "Replaced" if existed else "Saved"
    print(f"{verb} auth profile `{profile_id}` (api_key) in {store.path}.", file=out)
    if config_path.exists():
        try:
            change = declare_profile(config_path, profile_id, spec.id)
        except ZeroclawError as exc:  # the key is saved; only the declaration is missing
            print(
                f"warning: {exc}; declare it yourself: {_declaration(profile_id)}", file=sys.stderr
            )
            change = None
        if change:
            print(change, file=out)
        _warn_declared_mode(config, profile_id)
    else:
        print(
            f"No config file at {config_path}: the profile is used for `{spec.id}` as long as "
            f"no other profiles are declared. To declare it: {_declaration(profile_id)}",
            file=out,
        )
    return 0
