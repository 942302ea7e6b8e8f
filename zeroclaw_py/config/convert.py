"""Turn a parsed TOML tree into the frozen dataclasses of `schema.py`, driven by their type hints.

One small recursive converter instead of a hand-written reader per table: adding a field to the
schema is enough for it to be read and type-checked. Every problem becomes a `ConfigIssue` naming
its dotted TOML path; unknown keys become warnings. Nothing here knows what a field *means* — the
semantic checks live in `validate.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

from zeroclaw_py.errors import ConfigIssue

# Dataclass fields that are not read from the file (bookkeeping set by the loader).
INTERNAL_FIELDS = frozenset({"raw", "source"})

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_INVALID = object()  # marks a value that failed; the issue is already recorded

_SCALAR_NAMES: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
}


def join(path: str, key: str) -> str:
    """`a.b` + `c` -> `a.b.c`; non-bare keys are quoted (`agent.models."x/y"`)."""
    part = key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{part}" if path else part


@functools.cache
def _schema_of(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    """Resolved type hints and readable fields of a schema class (resolving hints is slow)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in INTERNAL_FIELDS}
    return hints, fields


def _required(fld: dataclasses.Field[Any]) -> bool:
    return fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING


class Converter:
    """Collects `errors` and `warnings` while converting one document."""

    def __init__(self) -> None:
        self.errors: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []

    def convert(self, hint: Any, value: Any, path: str) -> Any:
        """`value` as an instance of `hint`, or `_INVALID` after recording why not."""
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            return self.convert(inner[0] if len(inner) == 1 else Any, value, path)
        if hint is Any:
            return value
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self._dataclass(hint, value, path)
        if origin is Literal:
            if value in args and isinstance(value, str):
                return value
            return self._fail(path, "expected one of " + ", ".join(str(a) for a in args))
        if origin is tuple:
            return self._sequence(args[0], value, path)
        if origin in (Mapping, dict, typing.Mapping):
            return self._mapping(args[1], value, path)
        return self._scalar(hint, value, path)

    def _fail(self, path: str, message: str) -> object:
        self.errors.append(ConfigIssue(path, message))
        return _INVALID

    def _scalar(self, hint: Any, value: Any, path: str) -> Any:
        ok = isinstance(value, hint) and not (hint in (int, float) and isinstance(value, bool))
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if ok:
            return value
        return self._fail(
            path, f"expected {_SCALAR_NAMES.get(hint, getattr(hint, '__name__', hint))}"
        )

    def _sequence(self, item: Any, value: Any, path: str) -> Any:
        if isinstance(item, type) and item in _SCALAR_NAMES:
            noun = _SCALAR_NAMES[item].removeprefix("a ").removeprefix("an ") + "s"
            if item is bool:
                noun = "booleans"
            if not isinstance(value, list) or not all(
                isinstance(v, item) and not (item is not bool and isinstance(v, bool))
                for v in value
            ):
                return self._fail(path, f"expected a list of {noun}")
            return tuple(self._scalar(item, v, path) for v in value)
        if not isinstance(value, list):
            noun = "tables" if dataclasses.is_dataclass(item) else "strings"
            return self._fail(path, f"expected a list of {noun}")
        items = [self.convert(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return _INVALID if any(v is _INVALID for v in items) else tuple(items)

    def _mapping(self, item: Any, value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            return self._fail(path, "expected a table")
        out = {key: self.convert(item, v, join(path, key)) for key, v in value.items()}
        return _INVALID if any(v is _INVALID for v in out.values()) else out

    def _dataclass(self, cls: type, value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            return self._fail(path, "expected a table")
        hints, fields = _schema_of(cls)
        kwargs: dict[str, Any] = {}
        failed = False
        for key, item in value.items():  # document order, so findings read top to bottom
            fld = fields.get(key)
            if fld is None:
                self.warnings.append(ConfigIssue(join(path, key), "unknown key"))
                continue
            converted = self.convert(hints[key], item, join(path, key))
            if converted is _INVALID:
                # The error is recorded; an optional field falls back to its default so the
                # rest of the document can still be checked (and report its own problems).
                failed = failed or _required(fld)
                continue
            kwargs[key] = converted
        for name, fld in fields.items():
            if name not in value and _required(fld):
                self._fail(join(path, name), "required")
                failed = True
        return _INVALID if failed else cls(**kwargs)


def convert_document(cls: type, raw: Mapping[str, Any]) -> tuple[Any, Converter]:
    """Convert a whole document as far as possible.

    The result has defaults in place of invalid values, so semantic checks can still run; it is
    only usable when `converter.errors` is empty. `None` when even that was impossible.
    """
    converter = Converter()
    result = converter.convert(cls, raw, "")
    return (None if result is _INVALID else result), converter
