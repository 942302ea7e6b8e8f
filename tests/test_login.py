"""`zeroclaw login`: key from stdin or a no-echo prompt, store 0600, config kept tidy."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zeroclaw_py.cli import main as cli_main
from zeroclaw_py.models.auth_store import AuthProfileStore

SECRET = "sk-login-test-0123456789"


def _store(home: Path) -> AuthProfileStore:
    return AuthProfileStore(home / "state" / "auth-profiles.json")


def test_piped_key_creates_default_profile_0600_without_echoing_it(zeroclaw_home: Path) -> None:
    env = {**os.environ, "ZEROCLAW_HOME": str(zeroclaw_home)}
    proc = subprocess.run(
        [sys.executable, "-m", "zeroclaw_py", "login", "OpenAI"],
        input=SECRET + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    path = zeroclaw_home / "state" / "auth-profiles.json"
    assert json.loads(path.read_text())["profiles"] == {
        "openai:default": {"type": "api_key", "provider": "openai", "key": SECRET}
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in proc.stdout + proc.stderr
    assert "Saved auth profile `openai:default` (api_key)" in proc.stdout
    assert "No config file at" in proc.stdout


def test_named_profile_is_declared_in_an_existing_config_keeping_comments(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = zeroclaw_home / "config.toml"
    config.write_text(
        "# my config\n"
        "[agent.model]\n"
        'primary = "anthropic/claude-sonnet-4"  # keep me\n'
        "\n"
        '[auth.profiles."anthropic:default"]\n'
        'provider = "anthropic"\n'
        "\n"
        "[auth.order]\n"
        'anthropic = ["anthropic:default"]\n'
    )
    config.chmod(0o640)
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert cli_main(["login", "anthropic", "--profile", "work"]) == 0
    text = config.read_text()
    assert "# my config" in text
    assert "# keep me" in text
    assert '[auth.profiles."anthropic:work"]' in text
    assert 'anthropic = ["anthropic:default", "anthropic:work"]' in text
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    out = capsys.readouterr().out
    assert "Updated" in out
    assert SECRET not in out
    from zeroclaw_py.config.load import load_config

    loaded = load_config(config)
    assert loaded.auth.profiles["anthropic:work"].provider == "anthropic"
    assert loaded.auth.order["anthropic"] == ("anthropic:default", "anthropic:work")
    # a second login changes the key but not the config again
    monkeypatch.setattr(sys, "stdin", io.StringIO("sk-second-key-98765\n"))
    before = config.read_text()
    assert cli_main(["login", "anthropic", "--profile", "anthropic:work"]) == 0
    assert config.read_text() == before
    assert "Replaced auth profile `anthropic:work`" in capsys.readouterr().out
    assert _store(zeroclaw_home).load().profiles["anthropic:work"]["key"] == "sk-second-key-98765"


def test_replacing_a_key_clears_its_cooldown(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(zeroclaw_home)
    store.upsert_profile(
        "groq:default", {"type": "api_key", "provider": "groq", "key": "old-key-1"}
    )
    store.update_usage("groq:default", lambda s: s.update(cooldownUntil=10**13, errorCount=3))
    monkeypatch.setattr(sys, "stdin", io.StringIO("new-key-2222\n"))
    assert cli_main(["login", "groq"]) == 0
    data = store.load()
    assert data.profiles["groq:default"]["key"] == "new-key-2222"
    assert "groq:default" not in data.usage_stats


def test_prompt_uses_getpass_on_a_terminal(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "  typed-key-123456 "

    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert cli_main(["login", "mistral", "--profile", "team"]) == 0
    assert prompts == ["API key for Mistral (mistral:team): "]
    assert _store(zeroclaw_home).load().profiles["mistral:team"]["key"] == "typed-key-123456"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["login", "nonsense-provider"], SECRET, "Unknown provider: nonsense-provider"),
        (["login", "openai"], "\n", "no API key given"),
        (["login", "openai", "--profile", "a b"], SECRET, "profile name must be"),
        (["login", "openai", "--profile", "groq:x"], SECRET, "does not belong to provider"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    zeroclaw_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert cli_main(argv) == 1
    assert message in capsys.readouterr().err
    assert not (zeroclaw_home / "state" / "auth-profiles.json").exists()


def test_broken_config_keeps_the_saved_key_and_warns(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = zeroclaw_home / "config.toml"
    config.write_text("[agent.model\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert cli_main(["login", "openai"]) == 0
    captured = capsys.readouterr()
    assert "Saved auth profile `openai:default`" in captured.out
    assert 'declare it yourself: [auth.profiles."openai:default"]' in captured.err
    assert config.read_text() == "[agent.model\n"
    assert _store(zeroclaw_home).load().profiles["openai:default"]["key"] == SECRET


def test_login_warns_when_the_declared_mode_would_ignore_the_key(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = zeroclaw_home / "config.toml"
    config.write_text('[auth.profiles."anthropic:work"]\nprovider = "anthropic"\nmode = "oauth"\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert cli_main(["login", "anthropic", "--profile", "work"]) == 0
    err = capsys.readouterr().err
    assert 'declares mode = "oauth"' in err
    assert SECRET not in err
    assert _store(zeroclaw_home).load().profile("anthropic:work") is not None
