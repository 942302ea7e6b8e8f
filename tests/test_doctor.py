"""`zeroclaw doctor` and `doctor --fix`: checks, legacy migration, backups, moved secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from zeroclaw_py import cli
from zeroclaw_py.config.load import load_config
from zeroclaw_py.config.migrate import auto_migrate, migrate_file
from zeroclaw_py.errors import ConfigError

ZEROCLAW_LEGACY = """\
# ZeroClaw config written by `zeroclaw onboard`
default_provider = "openrouter"
default_model = "anthropic/claude-sonnet-4"
default_temperature = 0.7

[reliability]
# be patient with flaky networks
provider_retries = 3
fallback_providers = ["openai"]       # second opinion
api_keys = ["sk-or-first-key", "sk-or-second-key"]

[reliability.model_fallbacks]
"claude-opus-4" = ["claude-sonnet-4", "gpt-4o"]

[channels_config]
cli = true

[channels_config.telegram]
# the family bot
bot_token = "123:abc"
allowed_users = ["alice"]
"""

OPENCLAW_LEGACY = """\
# OpenClaw-era model settings
default_temperature = 0.5

[agent]
# main model, string form
model = "anthropic/claude-opus-4-5"
modelFallbacks = ["openai/gpt-5.2"]   # tried in order
imageModel = "openai/gpt-4o"
imageModelFallbacks = ["anthropic/claude-opus-4-5"]
allowedModels = ["google/gemini-2.5-pro"]
system_prompt = "Be brief."

[agent.modelAliases]
Opus = "anthropic/claude-opus-4-5"
gpt52 = "openai/gpt-5.2"

[gateway]
port = 42617   # default port
"""


def run_doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = cli.main(["doctor", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out.splitlines()


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.bak-*"))


@pytest.fixture
def config_file(zeroclaw_home: Path) -> Path:
    return zeroclaw_home / "config.toml"


def test_fix_migrates_zeroclaw_keys(
    config_file: Path, zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(ZEROCLAW_LEGACY, encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 0
    assert lines[0] == f"config: {config_file}"
    assert lines[1:6] == [
        "moved default_provider + default_model -> agent.model.primary"
        ' = "openrouter/anthropic/claude-sonnet-4"',
        "moved reliability.fallback_providers -> agent.model.fallbacks"
        ' += ["openai/anthropic/claude-sonnet-4"]',
        'moved reliability.model_fallbacks."claude-opus-4"'
        ' -> agent.models."openrouter/claude-opus-4"'
        '.fallbacks = ["openrouter/claude-sonnet-4", "openrouter/gpt-4o"]',
        "moved reliability.api_keys (2 keys) -> auth profiles openrouter:key1, openrouter:key2"
        " (keys in auth-profiles.json) + auth.order.openrouter",
        "removed channels_config.cli (use `zeroclaw chat`)",
    ]
    assert lines[-1] == "config OK: 0 errors, 0 warnings"

    text = config_file.read_text(encoding="utf-8")
    for comment in ("# ZeroClaw config written", "# be patient", "# the family bot"):
        assert comment in text
    assert "sk-or-first-key" not in text
    assert "sk-or-second-key" not in text
    doc = tomllib.loads(text)
    assert "default_provider" not in doc
    assert "default_model" not in doc
    assert doc["reliability"] == {"provider_retries": 3}
    assert doc["agent"]["model"]["primary"] == "openrouter/anthropic/claude-sonnet-4"
    assert doc["auth"]["profiles"]["openrouter:key2"] == {
        "provider": "openrouter",
        "mode": "api_key",
    }
    assert doc["auth"]["order"] == {"openrouter": ["openrouter:key1", "openrouter:key2"]}

    store_path = zeroclaw_home / "state" / "auth-profiles.json"
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    store = json.loads(store_path.read_text(encoding="utf-8"))
    assert store["profiles"]["openrouter:key1"] == {
        "type": "api_key",
        "provider": "openrouter",
        "key": "sk-or-first-key",
    }
    assert store["profiles"]["openrouter:key2"]["key"] == "sk-or-second-key"

    (backup,) = backups(config_file)
    assert backup.read_text(encoding="utf-8") == ZEROCLAW_LEGACY
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    # The migrated file means what the legacy one meant.
    config = load_config(config_file, env={})
    assert config.agent.model.fallbacks == ("openai/anthropic/claude-sonnet-4",)
    assert config.reliability.provider_retries == 3


def test_fix_is_idempotent(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text(ZEROCLAW_LEGACY, encoding="utf-8")
    assert run_doctor(capsys, "--fix")[0] == 0
    migrated = config_file.read_text(encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 0
    assert lines[1] == "nothing to migrate"
    assert config_file.read_text(encoding="utf-8") == migrated
    assert len(backups(config_file)) == 1
    assert migrate_file(config_file).changes == []


def test_fix_migrates_openclaw_keys(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text(OPENCLAW_LEGACY, encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 0
    assert lines[1:8] == [
        'moved agent.model (string) -> agent.model.primary = "anthropic/claude-opus-4-5"',
        'moved agent.modelFallbacks -> agent.model.fallbacks = ["openai/gpt-5.2"]',
        "moved agent.imageModel -> agent.image_model",
        "moved agent.imageModelFallbacks -> agent.image_model.fallbacks"
        ' = ["anthropic/claude-opus-4-5"]',
        'moved agent.allowedModels -> agent.models keys ["google/gemini-2.5-pro"]',
        'moved agent.modelAliases.Opus -> agent.models."anthropic/claude-opus-4-5".alias = "Opus"',
        'moved agent.modelAliases.gpt52 -> agent.models."openai/gpt-5.2".alias = "gpt52"',
    ]
    text = config_file.read_text(encoding="utf-8")
    for comment in ("# OpenClaw-era", "# main model, string form", "# default port"):
        assert comment in text
    doc = tomllib.loads(text)
    assert doc["agent"]["model"] == {
        "primary": "anthropic/claude-opus-4-5",
        "fallbacks": ["openai/gpt-5.2"],
    }
    assert doc["agent"]["image_model"] == {
        "primary": "openai/gpt-4o",
        "fallbacks": ["anthropic/claude-opus-4-5"],
    }
    assert doc["agent"]["models"] == {
        "google/gemini-2.5-pro": {},
        "anthropic/claude-opus-4-5": {"alias": "Opus"},
        "openai/gpt-5.2": {"alias": "gpt52"},
    }
    assert doc["agent"]["system_prompt"] == "Be brief."
    assert set(doc["agent"]) == {"model", "image_model", "models", "system_prompt"}
    assert run_doctor(capsys, "--fix")[1][1] == "nothing to migrate"


def test_existing_alias_is_kept(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text(
        '[agent.modelAliases]\nbig = "a/b"\n[agent.models."a/b"]\nalias = "Mine"\n',
        encoding="utf-8",
    )
    assert run_doctor(capsys, "--fix")[0] == 0
    assert tomllib.loads(config_file.read_text())["agent"]["models"]["a/b"] == {"alias": "Mine"}


def test_check_lists_errors_and_warnings(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(
        'colour = "blue"\n[channels_config.telegram]\nbot_token = "t"\nallowed_users = "alice"\n'
        '[gateway.reload]\nmode = "sometimes"\n',
        encoding="utf-8",
    )
    code, lines = run_doctor(capsys, "--config", str(config_file))
    assert code == 1
    assert lines == [
        f"config: {config_file}",
        "error: channels_config.telegram.allowed_users: expected a list of strings",
        "error: gateway.reload.mode: expected one of off, hot, restart, hybrid",
        "warning: colour: unknown key",
        "config is invalid: 2 errors, 1 warning",
    ]


def test_check_reports_legacy_keys_as_warnings(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(ZEROCLAW_LEGACY, encoding="utf-8")
    code, lines = run_doctor(capsys)
    assert code == 0
    assert (
        'warning: default_provider: legacy key, run "zeroclaw doctor --fix" to migrate it' in lines
    )
    assert lines[-1] == "config OK: 0 errors, 5 warnings"
    assert config_file.read_text(encoding="utf-8") == ZEROCLAW_LEGACY  # check never writes


def test_check_without_a_file_is_fine(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_doctor(capsys)
    assert code == 0
    assert lines[0] == f"config: {config_file} (not found; running on defaults)"
    code, lines = run_doctor(capsys, "--fix")
    assert code == 0
    assert "nothing to migrate" in lines
    assert not config_file.exists()


@pytest.mark.parametrize("fix", [False, True])
def test_bad_files_never_traceback(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str], fix: bool
) -> None:
    extra = ["--fix"] if fix else []
    code, lines = run_doctor(capsys, "--config", str(zeroclaw_home), *extra)
    assert code == 1
    assert any("is a directory" in line for line in lines)

    broken = zeroclaw_home / "broken.toml"
    broken.write_text('default_provider = "openai"\n[agent\n', encoding="utf-8")
    code, lines = run_doctor(capsys, "--config", str(broken), *extra)
    assert code == 1
    assert any(line.startswith("error: TOML syntax error at line 2") for line in lines)
    assert broken.read_text(encoding="utf-8") == 'default_provider = "openai"\n[agent\n'
    assert backups(broken) == []


def test_a_file_that_cannot_be_read_is_an_error_not_a_missing_file(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs as root too (CI): a symlink loop fails every read, unlike mode bits."""
    config_file.symlink_to(config_file.name)
    code, lines = run_doctor(capsys)
    assert code == 1
    assert lines[0] == f"config: {config_file}"  # not "not found; running on defaults"
    assert f"error: cannot read {config_file}: Too many levels of symbolic links" in lines


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root reads files whatever their mode; the read-error path itself is covered by "
    "test_a_file_that_cannot_be_read_is_an_error_not_a_missing_file",
)
def test_unreadable_file_is_an_error(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text("default_temperature = 1\n", encoding="utf-8")
    config_file.chmod(0)
    code, lines = run_doctor(capsys)
    assert code == 1
    assert any("permission denied" in line for line in lines)


def test_fix_reports_remaining_errors(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text('default_model = "gpt-4o"\n[gateway]\nport = -1\n', encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 1
    assert 'moved default_model -> agent.model.primary = "openrouter/gpt-4o"' in lines
    assert "error: gateway.port: expected a number between 0 and 65535" in lines


def test_auto_migrate_only_acts_on_legacy_keys(config_file: Path) -> None:
    config_file.write_text('[agent.model]\nprimary = "openai/gpt-4o"\n', encoding="utf-8")
    assert auto_migrate(config_file) == []
    assert backups(config_file) == []
    config_file.write_text(OPENCLAW_LEGACY, encoding="utf-8")
    lines = auto_migrate()
    assert (
        lines[0]
        == 'moved agent.model (string) -> agent.model.primary = "anthropic/claude-opus-4-5"'
    )
    assert len(backups(config_file)) == 1
    assert auto_migrate() == []


def test_auto_migrate_never_raises(zeroclaw_home: Path) -> None:
    broken = zeroclaw_home / "broken.toml"
    broken.write_text("[[[", encoding="utf-8")
    assert auto_migrate(broken) == []
    assert auto_migrate(zeroclaw_home) == []
    assert auto_migrate(zeroclaw_home / "missing.toml") == []


def test_cli_process_exit_codes(zeroclaw_home: Path) -> None:
    bad = zeroclaw_home / "config.toml"
    bad.write_text('[channels_config.telegram]\nbot_token = "t"\n', encoding="utf-8")
    env = {**os.environ, "ZEROCLAW_HOME": str(zeroclaw_home)}
    proc = subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1
    assert "channels_config.telegram.allowed_users: required" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_blank_line_between_tables_survives(config_file: Path) -> None:
    config_file.write_text(OPENCLAW_LEGACY, encoding="utf-8")
    migrate_file(config_file)
    assert "\n\n[gateway]\nport = 42617   # default port\n" in config_file.read_text()


def test_file_mode_is_kept(config_file: Path) -> None:
    config_file.write_text(ZEROCLAW_LEGACY, encoding="utf-8")
    config_file.chmod(0o640)
    migrate_file(config_file)
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640


def test_check_warns_about_profiles_without_a_stored_credential(
    config_file: Path, zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zeroclaw_py.models.auth_store import AuthProfileStore

    config_file.write_text(
        '[auth.profiles."anthropic:default"]\nprovider = "anthropic"\n'
        '[auth.profiles."anthropic:work"]\nprovider = "anthropic"\n',
        encoding="utf-8",
    )
    store_path = zeroclaw_home / "state" / "auth-profiles.json"
    AuthProfileStore(store_path).upsert_profile(
        "anthropic:default", {"type": "api_key", "provider": "anthropic", "key": "sk-ant-x"}
    )
    code, lines = run_doctor(capsys)
    assert code == 0
    assert lines[1:] == [
        f'warning: auth.profiles."anthropic:work": no credential in {store_path}'
        " (add one with `zeroclaw login anthropic --profile work`)",
        "config OK: 0 errors, 1 warning",
    ]


@pytest.mark.parametrize(
    "text",
    [
        'default_provider = "openai"\n[[agent]]\nx = 1\n',
        'agent = 5\n[reliability]\nfallback_providers = ["openai"]\n',
    ],
)
def test_fix_never_overwrites_a_value_it_would_need_as_a_table(
    config_file: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    config_file.write_text(text, encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 1
    assert "error: agent: expected a table (legacy keys cannot be migrated into it)" in lines
    assert config_file.read_text(encoding="utf-8") == text
    assert backups(config_file) == []
    code, lines = run_doctor(capsys)
    assert code == 1
    assert sum(line.startswith("error: agent:") for line in lines) == 1


def test_inline_tables_are_migrated_inline(config_file: Path) -> None:
    config_file.write_text(
        'agent = { model = "openai/gpt-4o", modelFallbacks = ["anthropic/claude-opus-4-5"] }\n'
        'reliability = { provider_retries = 1, model_fallbacks = { "m" = ["n"] } }\n',
        encoding="utf-8",
    )
    report = migrate_file(config_file)
    assert len(report.changes) == 3
    doc = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert doc["agent"]["model"] == {
        "primary": "openai/gpt-4o",
        "fallbacks": ["anthropic/claude-opus-4-5"],
    }
    assert doc["reliability"] == {"provider_retries": 1}
    assert doc["agent"]["models"] == {"openai/m": {"fallbacks": ["openai/n"]}}


def test_fallbacks_are_appended_keeping_the_array_layout(config_file: Path) -> None:
    config_file.write_text(
        'default_provider = "openrouter"\ndefault_model = "m"\n'
        '[agent.model]\nfallbacks = [\n  "openai/gpt-4o",  # cheap\n]\n'
        '[reliability]\nfallback_providers = ["anthropic", "openai"]\n',
        encoding="utf-8",
    )
    migrate_file(config_file)
    text = config_file.read_text(encoding="utf-8")
    assert "# cheap" in text
    assert tomllib.loads(text)["agent"]["model"] == {
        "fallbacks": ["openai/gpt-4o", "anthropic/m", "openai/m"],
        "primary": "openrouter/m",
    }


def test_a_non_list_target_is_reported_not_overwritten(config_file: Path) -> None:
    text = '[agent.model]\nfallbacks = "openai/gpt-4o"\n[reliability]\nfallback_providers = ["x"]\n'
    config_file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        migrate_file(config_file)
    assert str(info.value.issues[0]) == "agent.model.fallbacks: expected a list of strings"
    assert config_file.read_text(encoding="utf-8") == text


def test_corrupt_auth_store_stops_the_migration_before_any_write(
    config_file: Path, zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = zeroclaw_home / "state" / "auth-profiles.json"
    store_path.parent.mkdir()
    store_path.write_text("{not json", encoding="utf-8")
    config_file.write_text(ZEROCLAW_LEGACY, encoding="utf-8")
    code, lines = run_doctor(capsys, "--fix")
    assert code == 1
    assert lines[-1] == "nothing migrated"
    assert config_file.read_text(encoding="utf-8") == ZEROCLAW_LEGACY
    assert backups(config_file) == []
    assert store_path.read_text(encoding="utf-8") == "{not json"
    assert auto_migrate(config_file) == []


def test_empty_legacy_model_fallbacks_removal_is_printed(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text("default_temperature = 0.7\n\n[reliability.model_fallbacks]\n")
    code, lines = run_doctor(capsys)
    assert code == 0
    assert 'warning: reliability.model_fallbacks: legacy key, run "zeroclaw doctor --fix"' in (
        "\n".join(lines)
    )
    code, lines = run_doctor(capsys, "--fix")
    assert code == 0
    assert "removed empty reliability.model_fallbacks" in lines
    assert config_file.read_text() == "default_temperature = 0.7\n"
    assert len(backups(config_file)) == 1


def test_fix_drops_a_table_it_emptied_but_keeps_the_users_empty_tables(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(
        'default_provider = "openrouter"\ndefault_model = "x/y"\n\n'
        '[reliability]\nfallback_providers = ["openai"]\n\n[router]\n',
        encoding="utf-8",
    )
    code, _ = run_doctor(capsys, "--fix")
    text = config_file.read_text(encoding="utf-8")
    assert code == 0
    assert "[reliability]" not in text  # held only legacy keys
    assert "[router]" in text  # empty, but the user's own
    assert 'fallbacks = ["openai/x/y"]' in text
