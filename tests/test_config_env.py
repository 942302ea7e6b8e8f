"""Environment overrides applied after load (SPEC §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zeroclaw_py.config.env import apply_env
from zeroclaw_py.config.load import check_config, load_config, parse_config
from zeroclaw_py.config.schema import Config

ROUTED = '[agent.model]\nprimary = "openrouter/anthropic/claude-sonnet-4"\n'


def test_provider_and_model_override_the_default_route() -> None:
    only_provider = parse_config(ROUTED, env={"ZEROCLAW_PROVIDER": "anthropic"})
    assert only_provider.agent.model.primary == "anthropic/anthropic/claude-sonnet-4"
    only_model = parse_config(ROUTED, env={"ZEROCLAW_MODEL": "openai/gpt-4o"})
    assert only_model.agent.model.primary == "openrouter/openai/gpt-4o"
    both = parse_config(ROUTED, env={"ZEROCLAW_PROVIDER": "ollama", "ZEROCLAW_MODEL": "llama3"})
    assert both.agent.model.primary == "ollama/llama3"


def test_route_override_applies_to_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml", env={"ZEROCLAW_PROVIDER": "openai"})
    assert config.agent.model.primary == "openai/echo"
    assert config.source is None


def test_empty_and_blank_values_are_ignored() -> None:
    env = {
        "ZEROCLAW_PROVIDER": "",
        "ZEROCLAW_MODEL": "   ",
        "ZEROCLAW_API_KEY": "",
        "ZEROCLAW_TEMPERATURE": "",
    }
    config, warnings = apply_env(Config(), env)
    assert config == Config()
    assert config.api_key is None
    assert warnings == []


def test_global_key_from_env_with_zeroclaw_name_first() -> None:
    config, _ = apply_env(Config(), {"ZEROCLAW_API_KEY": "sk-zc", "API_KEY": "sk-plain"})
    assert config.api_key == "sk-zc"
    config, _ = apply_env(Config(), {"API_KEY": "sk-plain"})
    assert config.api_key == "sk-plain"


def test_file_api_key_outranks_the_environment() -> None:
    # SPEC §4 credential order: global api_key › ZEROCLAW_API_KEY › API_KEY.
    config = parse_config('api_key = "sk-file"\n', env={"ZEROCLAW_API_KEY": "sk-env"})
    assert config.api_key == "sk-file"


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("2", 2.0), (" 1.25 ", 1.25)])
def test_temperature_within_range_is_used(value: str, expected: float) -> None:
    config, warnings = apply_env(Config(), {"ZEROCLAW_TEMPERATURE": value})
    assert config.default_temperature == expected
    assert warnings == []


@pytest.mark.parametrize("value", ["2.5", "-0.1", "warm", "nan"])
def test_temperature_out_of_range_is_ignored_with_a_warning(value: str) -> None:
    config, warnings = apply_env(Config(), {"ZEROCLAW_TEMPERATURE": value})
    assert config.default_temperature == 0.7
    assert [str(w) for w in warnings] == [
        "ZEROCLAW_TEMPERATURE: ignored, expected a number between 0 and 2"
    ]


def test_unknown_provider_from_env_is_ignored_with_a_warning() -> None:
    config, warnings = apply_env(Config(), {"ZEROCLAW_PROVIDER": "nosuchprovider"})
    assert config.agent.model.primary == "echo/echo"
    assert [str(w) for w in warnings] == [
        'ZEROCLAW_PROVIDER: ignored, unknown provider "nosuchprovider"'
    ]


def test_custom_provider_of_the_file_is_accepted_from_env() -> None:
    text = '[providers.my-llm]\nkind = "openai"\napi_url = "http://127.0.0.1:9/v1"\n'
    config = parse_config(text, env={"ZEROCLAW_PROVIDER": "my-llm", "ZEROCLAW_MODEL": "m"})
    assert config.agent.model.primary == "my-llm/m"


def test_check_config_returns_env_warnings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("default_temperature = 0.3\n", encoding="utf-8")
    config, errors, warnings = check_config(path, env={"ZEROCLAW_TEMPERATURE": "9"})
    assert config is not None
    assert config.default_temperature == 0.3
    assert errors == []
    assert [w.path for w in warnings] == ["ZEROCLAW_TEMPERATURE"]


def test_os_environ_is_the_default(zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEROCLAW_MODEL", "from-environ")
    assert load_config().agent.model.primary == "echo/from-environ"


def test_a_custom_url_as_provider_is_ignored_with_a_hint() -> None:
    from zeroclaw_py.config.env import apply_env
    from zeroclaw_py.config.schema import Config

    config, warnings = apply_env(Config(), {"ZEROCLAW_PROVIDER": "custom:https://llm.example/v1"})
    assert config.agent.model.primary == "echo/echo"
    (warning,) = warnings
    assert warning.path == "ZEROCLAW_PROVIDER"
    assert "declare it as [providers.<name>] with kind and api_url" in warning.message
