"""SPEC §2/§3/§4 CLI surfaces as an outside tester sees them: exit codes, one-line errors,
the SPEC's own example block, legacy-key warnings and `models status` ordering."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from zeroclaw_py.cli import main as cli_main
from zeroclaw_py.config.load import check_config

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "SPEC.md"


def _run(*argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"ZEROCLAW_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("argv", [[], ["models"], ["router"]], ids=["bare", "models", "router"])
def test_missing_subcommand_is_a_usage_error(
    argv: list[str], zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"usage: zeroclaw{''.join(' ' + a for a in argv)} ")


def test_os_error_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "state").write_text("a file where the state directory belongs")
    proc = _run("models", "refresh", home=home)  # echo/echo: writes models_cache.json
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == f"error: {home / 'state'}: File exists"


def test_every_config_issue_gets_its_own_line(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text(
        'default_temperature = "warm"\n'
        "[channels_config.telegram]\n"
        'bot_token = "1:x"\n'
        'allowed_users = "alice"\n'
    )
    assert cli_main(["models", "status"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: default_temperature: expected a number",
        "error: channels_config.telegram.allowed_users: expected a list of strings",
    ]


def test_toml_syntax_error_names_the_file(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = zeroclaw_home / "config.toml"
    path.write_text("[agent.model\n")
    assert cli_main(["models", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: TOML syntax error at line 1")
    assert len(err.splitlines()) == 1


def test_refresh_with_an_empty_provider_name_is_an_error(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["models", "refresh", "--provider", ""]) == 1
    captured = capsys.readouterr()
    assert "Provider name cannot be empty" in captured.err
    assert not (zeroclaw_home / "state" / "models_cache.json").exists()
    assert cli_main(["models", "list", "--provider", " "]) == 1
    assert capsys.readouterr().err == "Provider name cannot be empty\n"


@pytest.mark.skipif(not SPEC.exists(), reason="SPEC.md not next to the repo")
def test_the_spec_example_block_is_valid_without_unknown_keys(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block is not None
    path = tmp_path / "config.toml"
    path.write_text(block.group(1))
    config, errors, warnings = check_config(path, env={})
    assert errors == []
    assert warnings == []
    assert config is not None
    assert config.agent.model.primary == "openrouter/anthropic/claude-sonnet-4"
    assert config.gateway.reload.mode == "hybrid"
    assert config.channels_config.telegram is not None
    assert config.channels_config.telegram.allowed_users == ("alice", "123456789")


def test_one_legacy_warning_per_legacy_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[agent.modelAliases]\nOpus = "anthropic/claude-opus-4-5"\nGPT = "openai/gpt-5.2"\n'
    )
    config, errors, warnings = check_config(path, env={})
    assert errors == []
    assert [w.path for w in warnings] == ["agent.modelAliases"]
    assert config is not None
    assert config.agent.models["openai/gpt-5.2"].alias == "GPT"


def test_status_lists_unusable_profiles_in_auth_order(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text(
        '[auth.profiles."anthropic:work"]\nprovider = "anthropic"\n'
        '[auth.order]\nanthropic = ["anthropic:default", "anthropic:work"]\n'
    )
    assert cli_main(["models", "status"]) == 0
    listed = re.findall(r"^\s+-\s+(\S+):", capsys.readouterr().out, re.M)
    assert listed == ["anthropic:default", "anthropic:work"]


def test_daemon_start_migrates_legacy_keys_with_a_backup(tmp_path: Path) -> None:
    """`zeroclaw chat` starts through the daemon's `prepare`, like `zeroclaw daemon`."""
    home = tmp_path / "home"
    home.mkdir()
    legacy = 'default_provider = "echo"   # legacy\ndefault_model = "echo"\n'
    (home / "config.toml").write_text(legacy)
    env = {"ZEROCLAW_HOME": str(home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", "chat"],
        input="hi\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[echo] hi" in proc.stdout
    assert (home / "config.toml").read_text() == '[agent.model]\nprimary = "echo/echo"\n'
    backups = list(home.glob("config.toml.bak-*"))
    assert len(backups) == 1
    assert re.fullmatch(r"config\.toml\.bak-\d{10}", backups[0].name)
    assert backups[0].read_text() == legacy
    assert "config migrated: moved default_provider + default_model" in proc.stderr


def test_config_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC §2: --config › $ZEROCLAW_CONFIG › $ZEROCLAW_HOME/config.toml › platform dir."""
    import platformdirs

    from zeroclaw_py import paths

    for name in ("ZEROCLAW_CONFIG", "ZEROCLAW_HOME"):
        monkeypatch.delenv(name, raising=False)
    platform = Path(platformdirs.user_config_dir("zeroclaw")) / "config.toml"
    assert paths.config_path() == platform
    assert paths.state_dir() == Path(platformdirs.user_state_dir("zeroclaw"))
    monkeypatch.setenv("ZEROCLAW_HOME", str(tmp_path / "home"))
    assert paths.config_path() == tmp_path / "home" / "config.toml"
    assert paths.state_dir() == tmp_path / "home" / "state"
    monkeypatch.setenv("ZEROCLAW_CONFIG", str(tmp_path / "env.toml"))
    assert paths.config_path() == tmp_path / "env.toml"
    assert paths.state_dir() == tmp_path / "home" / "state"  # the config file does not move it
    assert paths.config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"
    monkeypatch.setenv("ZEROCLAW_CONFIG", "  ")  # blank values are ignored
    assert paths.config_path() == tmp_path / "home" / "config.toml"


def test_config_flag_wins_over_the_environment_in_the_cli(
    tmp_path: Path, zeroclaw_home: Path
) -> None:
    (zeroclaw_home / "config.toml").write_text('[agent.model]\nprimary = "echo/home"\n')
    env_file = tmp_path / "env.toml"
    env_file.write_text('[agent.model]\nprimary = "echo/env"\n')
    flag_file = tmp_path / "flag.toml"
    flag_file.write_text('[agent.model]\nprimary = "echo/flag"\n')
    for argv, expected in (
        (["models", "status"], "echo/env"),
        (["--config", str(flag_file), "models", "status"], "echo/flag"),
        (["models", "status", "--config", str(flag_file)], "echo/flag"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "zeroclaw_py", *argv],
            capture_output=True,
            text=True,
            env={"ZEROCLAW_HOME": str(zeroclaw_home), "ZEROCLAW_CONFIG": str(env_file)},
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert f"Default route: {expected}\n" in proc.stdout


@pytest.mark.parametrize(
    ("router", "expected"),
    [
        ('strategy = "foo"\nmodel_path = "r.json"', 'router.strategy: unknown strategy "foo"'),
        ('strategy = "knn"', "router.model_path: required when router.strategy is set"),
        ('model_path = "r.json"', "router.strategy: required when router.model_path is set"),
        ('strategy = "llmrouter-KNN"\nmodel_path = "r.json"', None),
    ],
)
def test_a_router_that_cannot_start_is_a_warning(
    tmp_path: Path, router: str, expected: str | None
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[router]\n{router}\n")
    config, errors, warnings = check_config(path, env={})
    assert config is not None
    assert errors == []
    if expected is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert str(warning).startswith(expected)
        assert str(warning).endswith("; the router stays off")


def test_refresh_with_the_routing_model_as_default_asks_for_a_provider(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text('[agent.model]\nprimary = "auto/auto"\n')
    assert cli_main(["models", "refresh"]) == 1
    assert "choose a provider with --provider NAME" in capsys.readouterr().err
