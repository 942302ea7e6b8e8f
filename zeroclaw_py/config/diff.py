"""Diff two parsed config documents into the dotted paths that changed (SPEC §10).

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

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


def diff_config_paths(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    refine: Iterable[str] = (),
) -> list[str]:
    """Every dotted path whose value differs between two parsed TOML documents.

    `refine` lists deeper paths that must not hide inside a subtree reported at its root: when
    `channels_config` is added as a whole, the reload rules still need to hear that
    `channels_config.telegram` appeared. Such a refined path is reported right after its root
    (only when it exists on a side and differs).
    """
    deeper = [split_path(path) for path in refine]
    found: list[str] = []
    for segments in _diff(old, new, ()):
        found.append(join_path(segments))
        for target in deeper:
            if len(target) > len(segments) and target[: len(segments)] == segments:
                before, after = _lookup(old, target), _lookup(new, target)
                if not same_value(before, after):
                    found.append(join_path(target))
    return found


_MISSING = object()


def _lookup(document: Any, segments: tuple[str, ...]) -> Any:
    for segment in segments:
        if not isinstance(document, Mapping) or segment not in document:
            return _MISSING
        document = document[segment]
    return document


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
