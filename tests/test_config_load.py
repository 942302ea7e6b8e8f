"""Loading config.toml (SPEC §3): typed snapshot, errors naming TOML paths, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from zeroclaw_py.config.load import check_config, load_config, parse_config
from zeroclaw_py.config.schema import Config, ModelChain
from zeroclaw_py.errors import ConfigError

NO_ENV: dict[str, str] = {}


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, env=NO_ENV)
    return [str(issue) for issue in info.value.issues]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", env=NO_ENV)
    assert config == Config()
    assert config.source is None
    assert config.agent.model.primary == "echo/echo"


def test_default_path_comes_from_zeroclaw_home(zeroclaw_home: Path) -> None:
    (zeroclaw_home / "config.toml").write_text("default_temperature = 1.5\n", encoding="utf-8")
    config = load_config()
    assert config.default_temperature == 1.5
    assert config.source == zeroclaw_home / "config.toml"


def test_full_document_is_typed_and_frozen(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
default_temperature = 1          # an int is a fine float
api_key = "sk-global"
[agent.model]
primary = "openrouter/anthropic/claude-sonnet-4"
fallbacks = ["openai/gpt-4o-mini"]
[agent.image_model]
primary = "openai/gpt-4o"
[agent.models."anthropic/claude-opus-4-5"]
alias = "Opus"
fallbacks = ["openai/gpt-5.2"]
[providers.ollama]
api_url = "http://gpu-box:11434"
[providers.openai]
api_key = "sk-openai"
models = [{ id = "gpt-4o", input = ["text", "image"], context_window = 128000 }]
[providers.local-vllm]
kind = "openai"
api_url = "http://127.0.0.1:8000/v1"
[auth.profiles."anthropic:work"]
provider = "anthropic"
mode = "api_key"
[auth.order]
anthropic = ["anthropic:default", "anthropic:work"]
[channels_config]
route_scope = "chat"
[channels_config.telegram]
bot_token = "123:abc"
allowed_users = ["alice", "123456789"]
[gateway]
port = 8080
[gateway.reload]
mode = "hot"
""",
    )
    config = load_config(path, env=NO_ENV)
    assert config.source == path
    assert config.default_temperature == 1.0
    assert isinstance(config.default_temperature, float)
    assert config.agent.model == ModelChain(
        "openrouter/anthropic/claude-sonnet-4", ("openai/gpt-4o-mini",)
    )
    assert config.agent.image_model == ModelChain("openai/gpt-4o", ())
    assert config.agent.models["anthropic/claude-opus-4-5"].alias == "Opus"
    assert config.agent.models["anthropic/claude-opus-4-5"].fallbacks == ("openai/gpt-5.2",)
    assert config.providers["openai"].models[0].input == ("text", "image")
    assert config.providers["openai"].models[0].context_window == 128000
    assert config.providers["local-vllm"].kind == "openai"
    assert config.auth.order["anthropic"] == ("anthropic:default", "anthropic:work")
    assert config.channels_config.telegram is not None
    assert config.channels_config.telegram.allowed_users == ("alice", "123456789")
    assert config.channels_config.route_scope == "chat"
    assert config.channels_config.discord is None
    assert config.gateway.port == 8080
    assert config.gateway.reload.mode == "hot"
    assert config.raw["gateway"]["port"] == 8080
    with pytest.raises(AttributeError):
        config.gateway = config.gateway  # type: ignore[misc]


# Every config error example of SPEC §3 and the brief, as (document, expected message).
ERROR_CASES = [
    (
        '[channels_config.telegram]\nbot_token = "t"\nallowed_users = "alice"\n',
        "channels_config.telegram.allowed_users: expected a list of strings",
    ),
    (
        '[channels_config.telegram]\nbot_token = "t"\nallowed_users = [1, 2]\n',
        "channels_config.telegram.allowed_users: expected a list of strings",
    ),
    (
        '[channels_config.telegram]\nbot_token = "t"\n',
        "channels_config.telegram.allowed_users: required",
    ),
    (
        '[gateway.reload]\nmode = "sometimes"\n',
        "gateway.reload.mode: expected one of off, hot, restart, hybrid",
    ),
    (
        '[channels_config]\nhistory_on_switch = "drop"\n',
        "channels_config.history_on_switch: expected one of clear, keep",
    ),
    (
        '[agent.model]\nprimary = "gpt-4o"\n',
        'agent.model.primary: expected "<provider>/<model>", got "gpt-4o"',
    ),
    (
        '[agent.model]\nfallbacks = ["openai/"]\n',
        'agent.model.fallbacks[0]: expected "<provider>/<model>", got "openai/"',
    ),
    (
        '[agent.models.opus]\nalias = "Opus"\n',
        'agent.models.opus: expected "<provider>/<model>", got "opus"',
    ),
    ("default_temperature = 2.5\n", "default_temperature: expected a number between 0 and 2"),
    ('default_temperature = "hot"\n', "default_temperature: expected a number"),
    ("[gateway]\nport = 70000\n", "gateway.port: expected a number between 0 and 65535"),
    ("[gateway]\nport = -1\n", "gateway.port: expected a number between 0 and 65535"),
    ("[gateway]\nport = true\n", "gateway.port: expected an integer"),
    (
        '[channels_config.telegram]\nbot_token = "t"\nallowed_users = []\nmention_only = "yes"\n',
        "channels_config.telegram.mention_only: expected true or false",
    ),
    (
        '[providers.local-vllm]\napi_url = "http://127.0.0.1:8000/v1"\n',
        "providers.local-vllm.kind: required for a custom provider"
        " (openai, anthropic, gemini, ollama)",
    ),
    (
        '[providers.local-vllm]\nkind = "openai"\n',
        "providers.local-vllm.api_url: required for a custom provider",
    ),
    (
        '[providers.x]\nkind = "grpc"\napi_url = "http://h"\n',
        "providers.x.kind: expected one of openai, anthropic, gemini, ollama",
    ),
    (
        '[providers.ollama]\napi_url = "gpu-box:11434"\n',
        "providers.ollama.api_url: expected an http:// or https:// URL",
    ),
    (
        '[auth.profiles.work]\nprovider = "anthropic"\n',
        'auth.profiles.work: expected a profile id "<provider>:<name>"',
    ),
    (
        '[auth.profiles."anthropic:work"]\nmode = "api_key"\n',
        'auth.profiles."anthropic:work".provider: required',
    ),
    (
        '[auth.profiles."anthropic:work"]\nprovider = "anthropic"\nmode = "password"\n',
        'auth.profiles."anthropic:work".mode: expected one of api_key, token, oauth',
    ),
    ("[channels_config]\ntelegram = 5\n", "channels_config.telegram: expected a table"),
    ('[state]\nbackend = "mongo"\n', "state.backend: expected one of sqlite, memory, redis"),
    ("agent = 3\n", "agent: expected a table"),
    (
        '[agent.model]\nprimary = "custom:https://h.example/v1/m"\n',
        "agent.model.primary: a custom:<url> provider cannot be part of a route; declare"
        ' [providers.<name>] with kind and api_url and use "<name>/<model>"',
    ),
    ("default_provider = 7\n", "default_provider: expected a non-empty string"),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES)
def test_error_names_path_and_problem(text: str, message: str) -> None:
    assert message in errors_of(text)


def test_every_error_is_reported_at_once() -> None:
    messages = errors_of(
        'default_temperature = 9\n[gateway]\nport = -1\n[gateway.reload]\nmode = "x"\n'
        '[agent.model]\nprimary = "nope"\n'
    )
    assert len(messages) == 4, messages


def test_toml_syntax_error_has_line_and_column() -> None:
    (message,) = errors_of('default_temperature = 0.7\n[agent.model\nprimary = "a/b"\n')
    assert message.startswith("TOML syntax error at line 2, column ")


def test_unknown_keys_are_warnings_not_errors(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "blue"\n[gateway]\nhots = "x"\n[extra.things]\na = 1\n')
    config, errors, warnings = check_config(path, env=NO_ENV)
    assert config is not None
    assert errors == []
    assert [str(w) for w in warnings] == [
        "colour: unknown key",
        "gateway.hots: unknown key",
        "extra: unknown key",
    ]
    assert load_config(path, env=NO_ENV).gateway.host == "127.0.0.1"


def test_registry_provider_needs_no_kind_and_custom_one_is_accepted() -> None:
    config = parse_config(
        '[providers.ollama]\napi_url = "http://gpu:11434"\n'
        '[providers.my-llm]\nkind = "anthropic"\napi_url = "https://llm.example"\n'
        '[agent.model]\nprimary = "my-llm/big-model"\n',
        env=NO_ENV,
    )
    assert config.providers["ollama"].kind is None
    assert config.agent.model.primary == "my-llm/big-model"


def test_unknown_provider_in_a_route_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, '[agent.model]\nprimary = "nosuchprovider/m"\n')
    config, errors, warnings = check_config(path, env=NO_ENV)
    assert config is not None
    assert errors == []
    assert 'agent.model.primary: unknown provider "nosuchprovider"' in [str(w) for w in warnings]


def test_check_config_reports_unreadable_paths(tmp_path: Path) -> None:
    config, errors, _ = check_config(tmp_path, env=NO_ENV)
    assert config is None
    assert "is a directory" in str(errors[0])
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    config, errors, _ = check_config(binary, env=NO_ENV)
    assert config is None
    assert "not UTF-8" in str(errors[0])
    with pytest.raises(ConfigError):
        load_config(tmp_path, env=NO_ENV)


def test_zeroclaw_legacy_keys_are_mapped_in_memory(tmp_path: Path) -> None:
    text = """
default_provider = "openrouter"
default_model = "anthropic/claude-sonnet-4"
default_temperature = 0.7
[reliability]
provider_retries = 1
fallback_providers = ["openai"]
api_keys = ["sk-one", "sk-two"]
[reliability.model_fallbacks]
"claude-opus" = ["claude-sonnet", "gpt-4o"]
"""
    path = write(tmp_path, text)
    config, errors, warnings = check_config(path, env=NO_ENV)
    assert errors == []
    assert config is not None
    assert config.agent.model.primary == "openrouter/anthropic/claude-sonnet-4"
    assert config.agent.model.fallbacks == ("openai/anthropic/claude-sonnet-4",)
    assert config.agent.models["openrouter/claude-opus"].fallbacks == (
        "openrouter/claude-sonnet",
        "openrouter/gpt-4o",
    )
    assert set(config.auth.profiles) == {"openrouter:key1", "openrouter:key2"}
    assert config.auth.order["openrouter"] == ("openrouter:key1", "openrouter:key2")
    assert config.reliability.provider_retries == 1
    assert "default_provider" not in config.raw
    assert "api_keys" not in config.raw["reliability"]
    assert path.read_text(encoding="utf-8") == text  # loading never rewrites the file
    assert "default_provider" in {w.path for w in warnings}
    assert all("doctor --fix" in w.message for w in warnings)


def test_openclaw_legacy_keys_are_mapped_in_memory() -> None:
    config = parse_config(
        """
[agent]
model = "anthropic/claude-opus-4-5"
modelFallbacks = ["openai/gpt-5.2"]
imageModel = "openai/gpt-4o"
imageModelFallbacks = ["anthropic/claude-opus-4-5"]
allowedModels = ["google/gemini-2.5-pro"]
[agent.modelAliases]
Opus = "anthropic/claude-opus-4-5"
""",
        env=NO_ENV,
    )
    agent = config.agent
    assert agent.model == ModelChain("anthropic/claude-opus-4-5", ("openai/gpt-5.2",))
    assert agent.image_model == ModelChain("openai/gpt-4o", ("anthropic/claude-opus-4-5",))
    assert agent.models["anthropic/claude-opus-4-5"].alias == "Opus"
    assert agent.models["google/gemini-2.5-pro"].alias is None


def test_new_keys_win_over_legacy_ones() -> None:
    config = parse_config(
        'default_provider = "openai"\ndefault_model = "gpt-4o"\n'
        '[agent.model]\nprimary = "anthropic/claude-opus-4-5"\n',
        env=NO_ENV,
    )
    assert config.agent.model.primary == "anthropic/claude-opus-4-5"


def test_only_default_model_uses_zeroclaw_default_provider() -> None:
    config = parse_config('default_model = "openai/gpt-4o"\n', env=NO_ENV)
    assert config.agent.model.primary == "openrouter/openai/gpt-4o"


def test_loaded_secrets_are_registered_with_the_scrubber() -> None:
    from zeroclaw_py.providers.scrub import scrub

    parse_config(
        'api_key = "plainglobalsecret42"\n[reliability]\napi_keys = ["legacyrotationkey77"]\n',
        env={},
    )
    assert scrub("failed with plainglobalsecret42") == "failed with [REDACTED]"
    assert scrub("legacyrotationkey77 leaked") == "[REDACTED] leaked"


def test_legacy_custom_url_providers_become_named_providers() -> None:
    config = parse_config(
        'default_provider = "custom:https://llm.example/v1"\ndefault_model = "qwen"\n'
        "[reliability]\nfallback_providers = "
        '["anthropic-custom:https://a.example", "custom:https://llm.example/v1"]\n',
        env=NO_ENV,
    )
    assert config.agent.model.primary == "custom/qwen"
    assert config.agent.model.fallbacks == ("anthropic-custom/qwen",)
    assert config.providers["custom"].kind == "openai"
    assert config.providers["custom"].api_url == "https://llm.example/v1"
    assert config.providers["anthropic-custom"].kind == "anthropic"


def test_legacy_top_level_api_url_goes_to_the_default_provider() -> None:
    config = parse_config(
        'default_provider = "ollama"\ndefault_model = "llama3"\napi_url = "http://gpu:11434"\n',
        env=NO_ENV,
    )
    assert config.agent.model.primary == "ollama/llama3"
    assert config.providers["ollama"].api_url == "http://gpu:11434"
