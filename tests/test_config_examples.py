"""config.example.toml and examples/*.toml parse, validate, and document every schema key."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from zeroclaw_py.config.convert import INTERNAL_FIELDS
from zeroclaw_py.config.load import check_config
from zeroclaw_py.config.schema import Config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "config.example.toml", *sorted((ROOT / "examples").glob("*.toml"))]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_without_warnings(path: Path) -> None:
    config, errors, warnings = check_config(path, env={})
    assert errors == []
    assert warnings == []
    assert config is not None


def test_the_named_examples_exist() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"config.example.toml", "telegram-openrouter.toml", "ollama-only.toml"} <= names


def _schema_keys(cls: type, prefix: str = "") -> set[str]:
    """Every dotted key of the schema; `*` stands for a user-chosen table name."""
    keys: set[str] = set()
    hints = typing.get_type_hints(cls)
    for fld in dataclasses.fields(cls):
        if fld.name in INTERNAL_FIELDS:
            continue
        key = f"{prefix}{fld.name}"
        keys.add(key)
        inner: Any = hints[fld.name]
        args = [a for a in typing.get_args(inner) if a is not type(None)]
        origin = typing.get_origin(inner)
        if origin is not None and len(args) == 1 and dataclasses.is_dataclass(args[0]):
            inner = args[0]  # Optional[X]
        elif origin is tuple and args and dataclasses.is_dataclass(args[0]):
            keys |= _schema_keys(args[0], f"{key}[].")
            continue
        elif origin is Mapping:
            value = args[-1]
            if dataclasses.is_dataclass(value):
                keys |= _schema_keys(value, f"{key}.*.")
            continue
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            keys |= _schema_keys(inner, f"{key}.")
    return keys


def _document_keys(value: Any, prefix: str, mapping_paths: set[str]) -> set[str]:
    keys: set[str] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            key = f"{prefix}{'*' if prefix.rstrip('.') in mapping_paths else name}"
            keys.add(key)
            keys |= _document_keys(item, f"{key}.", mapping_paths)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                keys |= _document_keys(item, f"{prefix.rstrip('.')}[].", mapping_paths)
    return keys


def test_example_documents_every_schema_key() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config, _, _ = check_config(ROOT / "config.example.toml", env={})
    assert config is not None
    mapping_paths = {"agent.models", "providers", "auth.profiles", "auth.order"}
    present = _document_keys(dict(config.raw), "", mapping_paths)
    commented = {key for key in _schema_keys(Config) if f"# {key.rsplit('.', 1)[-1]} = " in text}
    missing = _schema_keys(Config) - present - commented
    assert missing == set()
    assert "agent.model.primary" in present
    assert "channels_config.telegram.allowed_users" in present
