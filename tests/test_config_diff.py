"""config.diff: changed dotted paths between two parsed TOML documents (SPEC §10)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from zeroclaw_py.config.diff import (
    config_tree,
    diff_config_paths,
    join_path,
    same_value,
    split_path,
)
from zeroclaw_py.config.schema import AgentConfig, Config, ModelSettings


def _diff(old: str, new: str) -> list[str]:
    return diff_config_paths(tomllib.loads(old), tomllib.loads(new))


def test_identical_documents_have_no_changes() -> None:
    text = '[agent.model]\nprimary = "a/b"\nfallbacks = ["c/d"]\n'
    assert _diff(text, text) == []


def test_tables_are_recursed_to_the_changed_leaf() -> None:
    old = '[agent.model]\nprimary = "a/b"\n[gateway]\nport = 1\n'
    new = '[agent.model]\nprimary = "a/c"\n[gateway]\nport = 1\n'
    assert _diff(old, new) == ["agent.model.primary"]


def test_arrays_are_compared_whole_and_reported_at_their_path() -> None:
    old = '[agent.model]\nprimary = "a/b"\nfallbacks = ["x/1", "x/2"]\n'
    new = '[agent.model]\nprimary = "a/b"\nfallbacks = ["x/1", "x/3"]\n'
    assert _diff(old, new) == ["agent.model.fallbacks"]
    # arrays of tables too: never descended into
    old_models = '[providers.p]\nmodels = [{ id = "m", context_window = 1 }]\n'
    new_models = '[providers.p]\nmodels = [{ id = "m", context_window = 2 }]\n'
    assert _diff(old_models, new_models) == ["providers.p.models"]


def test_added_and_removed_subtrees_are_reported_at_their_root() -> None:
    old = "[gateway]\nport = 1\n"
    new = '[gateway]\nport = 1\n[channels_config.telegram]\nbot_token = "t"\nallowed_users = []\n'
    assert _diff(old, new) == ["channels_config"]
    assert _diff(new, old) == ["channels_config"]
    old2 = '[channels_config]\nmax_history = 5\n[channels_config.discord]\nbot_token = "t"\n'
    new2 = "[channels_config]\nmax_history = 5\n"
    assert _diff(old2, new2) == ["channels_config.discord"]


def test_retyped_subtree_is_reported_at_its_root() -> None:
    # legacy string form vs table form of agent.model
    assert _diff('agent = { model = "a/b" }\n', '[agent.model]\nprimary = "a/b"\n') == [
        "agent.model"
    ]


def test_equality_is_type_strict() -> None:
    assert _diff("default_temperature = 1\n", "default_temperature = 1.0\n") == [
        "default_temperature"
    ]
    assert _diff("[x]\nflag = true\n", "[x]\nflag = 1\n") == ["x.flag"]
    assert not same_value([1], [True])
    assert same_value({"a": [1, {"b": 2.0}]}, {"a": [1, {"b": 2.0}]})


def test_order_is_old_keys_then_new_keys() -> None:
    old = "b = 1\na = 1\n"
    new = "c = 2\na = 2\nb = 2\n"
    assert _diff(old, new) == ["b", "a", "c"]


def test_keys_that_are_not_bare_are_quoted_like_toml() -> None:
    old = '[agent.models."openai/gpt-4.1"]\nalias = "A"\n[agent.models.plain]\nalias = "p"\n'
    new = '[agent.models."openai/gpt-4.1"]\nalias = "B"\n[agent.models.plain]\nalias = "q"\n'
    paths = _diff(old, new)
    assert paths == ['agent.models."openai/gpt-4.1".alias', "agent.models.plain.alias"]
    assert split_path(paths[0]) == ("agent", "models", "openai/gpt-4.1", "alias")


@pytest.mark.parametrize(
    "segments",
    [("a",), ("a", "b.c", "d"), ("x", 'q"uote', "back\\slash"), ("a", ""), ("a b", "ü")],
)
def test_join_and_split_round_trip(segments: tuple[str, ...]) -> None:
    assert split_path(join_path(segments)) == segments


def test_root_path() -> None:
    assert join_path(()) == "<root>"
    assert split_path("<root>") == ()


def test_config_tree_is_plain_data_without_raw_or_source() -> None:
    config = Config(
        agent=AgentConfig(models={"a/b": ModelSettings(alias="A")}),
        raw={"x": 1},
        source=Path("/tmp/c.toml"),
    )
    tree = config_tree(config)
    assert "raw" not in tree
    assert "source" not in tree
    assert tree["agent"]["models"] == {"a/b": {"alias": "A", "fallbacks": None}}
    assert tree["agent"]["model"]["fallbacks"] == []
    assert tree["channels_config"]["telegram"] is None
