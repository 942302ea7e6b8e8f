"""Diff two configs into the dotted paths that changed (SPEC §10).

Why paths and not a deep diff object: the reload rules (`config.rules`) classify each change by its
path prefix, so a flat list of paths is exactly what the planner needs and what the log shows.

Semantics:
- tables (dicts) on both sides are recursed; keys are visited in the old document's order, then
  the keys only the new one has;
- arrays are compared whole and reported at the array's path, never per element;
- a subtree that was added, removed or changed type is reported once, at its root;
- equality is type-strict: `1`, `1.0` and `true` are three different values (Python's
  `True == 1 == 1.0` would otherwise hide a real edit).

Path spelling follows TOML dotted keys, so a path can be pasted back into a config file: bare keys
(`A-Za-z0-9_-`) stay bare, any other key is double-quoted, e.g.
`agent.models."openai/gpt-4.1".alias`. `split_path` is the inverse and is what rule matching uses,
so a dot inside a quoted key never splits a segment.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

ROOT_PATH = "<root>"

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def quote_key(key: str) -> str:
    """One path segment in TOML dotted-key spelling (quoted only when it must be)."""
    if _BARE_KEY.fullmatch(key):
        return key
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def join_path(segments: Sequence[str]) -> str:
    """`("agent", "models", "a/b")` -> `agent.models."a/b"`; the empty path is `<root>`."""
    if not segments:
        return ROOT_PATH
    return ".".join(quote_key(segment) for segment in segments)


def split_path(path: str) -> tuple[str, ...]:
    """Inverse of `join_path`: `agent.models."a.b"` -> `("agent", "models", "a.b")`.

    Lenient on purpose (rule prefixes are written by us, paths by `join_path`): an unterminated
    quote takes the rest of the text as one segment.
    """
    if path in ("", ROOT_PATH):
        return ()
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(path):
        char = path[i]
        if char == '"':
            i += 1
            while i < len(path) and path[i] != '"':
                if path[i] == "\\" and i + 1 < len(path):
                    i += 1
                current.append(path[i])
                i += 1
        elif char == ".":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    segments.append("".join(current))
    return tuple(segments)


def same_value(old: Any, new: Any) -> bool:
    """Deep, type-strict equality (bool vs int vs float are different values)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(same_value(old[k], new[k]) for k in old)
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return len(old) == len(new) and all(same_value(a, b) for a, b in zip(old, new, strict=True))
    return type(old) is type(new) and bool(old == new)


def diff_config_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Every dotted path whose value differs between two config trees."""
    return [join_path(segments) for segments in _diff(old, new, ())]


def config_tree(value: Any) -> Any:
    """A frozen config snapshot as plain data (dicts, lists, scalars), ready for diffing.

    Reload diffs the EFFECTIVE config (defaults filled in, legacy keys mapped, env overrides
    applied, unknown keys dropped), not the raw TOML: writing a default explicitly, touching an
    unknown key or removing a table that only held `gateway.reload` then changes nothing, and
    `[channels_config.telegram]` appearing is reported at `channels_config.telegram` (it was
    None), where the rules see it. Fields declared `compare=False` (`raw`, `source`) are skipped.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: config_tree(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare
        }
    if isinstance(value, Mapping):
        return {str(key): config_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [config_tree(item) for item in value]
    return value


def _diff(old: Any, new: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if old is new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = list(old) + [key for key in new if key not in old]
        for key in keys:
            child = (*prefix, str(key))
            if key not in old or key not in new:
                yield child  # added or removed subtree: reported at its root
            else:
                yield from _diff(old[key], new[key], child)
        return
    if not same_value(old, new):
        yield prefix
