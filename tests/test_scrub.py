"""Secret scrubbing (zeroclaw.md §2.3) and the scrubbing, structured log handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from zeroclaw_py.config.schema import (
    ChannelsConfig,
    Config,
    GatewayConfig,
    ProviderSettings,
    TelegramConfig,
)
from zeroclaw_py.log import setup_logging
from zeroclaw_py.providers import scrub
from zeroclaw_py.providers.scrub import (
    Scrubber,
    describe_error,
    sanitize_api_error,
    scrub_secret_patterns,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-abc123 end", "key [REDACTED] end"),
        ("task-1 done", "ta[REDACTED] done"),  # no word boundary, as upstream
        ("sk- bare", "sk- bare"),
        ("sk-é", "sk-é"),
        ("a xoxb-1-2 b xoxp-9 c", "a [REDACTED] b [REDACTED] c"),
        ("ghp_A gho_B ghu_C github_pat_11AB_cd", "[REDACTED] [REDACTED] [REDACTED] [REDACTED]"),
        ("tok sk-a.b:c_d-e/rest", "tok [REDACTED]/rest"),
        ('{"key": "sk-proj-XYZ"}', '{"key": "[REDACTED]"}'),
        ("SK-upper stays", "SK-upper stays"),
    ],
)
def test_prefix_patterns(text: str, expected: str) -> None:
    assert scrub_secret_patterns(text) == expected


def test_truncation_rules() -> None:
    assert sanitize_api_error("a" * 200) == "a" * 200
    assert sanitize_api_error("a" * 201) == "a" * 200 + "..."
    assert sanitize_api_error("é" * 201) == "é" * 100 + "..."
    assert sanitize_api_error("é" * 150) == "é" * 150  # 300 bytes, 150 chars: unchanged
    cut = sanitize_api_error("x" * 150 + " sk-" + "k" * 100)
    assert cut == "x" * 150 + " [REDACTED]"


def test_known_secrets_longest_first_and_short_ones_ignored() -> None:
    scrubber = Scrubber(["hunter2-secret", "hunter2-secret-longer", "abc"])
    assert scrubber.scrub("x hunter2-secret-longer y hunter2-secret") == "x [REDACTED] y [REDACTED]"
    assert scrubber.scrub("abc stays") == "abc stays"
    scrubber.add("  runtime-added-key  ", None, "")
    assert scrubber.scrub("runtime-added-key!") == "[REDACTED]!"


@pytest.fixture
def isolated_registry() -> Iterator[None]:
    saved = scrub.SCRUBBER.secrets
    scrub.SCRUBBER.clear()
    yield
    scrub.SCRUBBER.clear()
    scrub.SCRUBBER.add(*saved)


@pytest.mark.usefixtures("isolated_registry")
def test_describe_error_scrubs_truncates_and_names_empty_errors() -> None:
    scrub.register_secret("described-key-42")
    assert describe_error(ValueError("bad described-key-42 sk-xyz")) == "bad [REDACTED] [REDACTED]"
    assert describe_error(TimeoutError()) == "TimeoutError"
    assert describe_error(RuntimeError("z" * 300)) == "z" * 200 + "..."


@pytest.mark.usefixtures("isolated_registry")
def test_register_config_secrets() -> None:
    config = Config(
        api_key="global-key-value",
        providers={"openai": ProviderSettings(api_key="provider-key-value")},
        gateway=GatewayConfig(master_key="master-key-value"),
        channels_config=ChannelsConfig(
            telegram=TelegramConfig(bot_token="123456:AAbot-token", allowed_users=("*",))
        ),
    )
    scrub.register_config_secrets(config, {"GROQ_API_KEY": "env-groq-value", "HOME": "/root"})
    text = "global-key-value provider-key-value master-key-value 123456:AAbot-token env-groq-value"
    assert scrub.scrub(text) == " ".join(["[REDACTED]"] * 5)
    assert scrub.scrub("/root") == "/root"  # unrelated env vars are not secrets


@pytest.mark.usefixtures("isolated_registry")
def test_log_lines_are_structured_and_scrubbed() -> None:
    scrub.register_secret("configured-key-777")
    stream = io.StringIO()
    handler = setup_logging("INFO", stream=stream)
    try:
        log = logging.getLogger("zeroclaw.test")
        log.info(
            "provider call failed %s",
            "token sk-abcdef and configured-key-777",
            extra={"provider": "openai", "detail": "saw configured-key-777 here"},
        )
        try:
            raise RuntimeError("boom configured-key-777")
        except RuntimeError:
            log.exception("crashed")
        logging.getLogger("third.party").warning("url https://x/?key=configured-key-777")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    ts, level, name, *_rest = lines[0].split(" ")
    assert ts.endswith("Z")
    assert (level, name) == ("INFO", "zeroclaw.test")
    assert lines[0].endswith(
        "provider call failed token [REDACTED] and [REDACTED] provider=openai "
        'detail="saw [REDACTED] here"'
    )
    assert "configured-key-777" not in stream.getvalue()
    assert "exc=" in lines[1]
    assert "[REDACTED]" in lines[2]


@pytest.mark.usefixtures("isolated_registry")
def test_public_placeholder_keys_are_never_scrubbed() -> None:
    """LM Studio's default key `lm-studio` is sent as a key but is no secret (and an alias)."""
    from zeroclaw_py.providers import factory, registry

    spec = registry.resolve("lm-studio")
    assert spec is not None
    assert factory.resolve_credential(spec, Config()) == "lm-studio"
    scrub.register_secret("lm-studio", "real-secret-123")
    assert scrub.scrub("lmstudio (aliases: lm-studio) real-secret-123") == (
        "lmstudio (aliases: lm-studio) [REDACTED]"
    )


def test_secrets_are_also_scrubbed_in_their_repr_escaped_spellings() -> None:
    """Library errors quote values with repr(): `b'Bearer k-PASTED\\rTAIL'` must not leak."""
    scrubber = Scrubber(["k-PASTED\rTAIL-123"])
    quoted = "Illegal header value b'Bearer k-PASTED\\rTAIL-123' / 'k-PASTED\\rTAIL-123'"
    assert scrubber.scrub(quoted) == "Illegal header value b'Bearer [REDACTED]' / '[REDACTED]'"
    assert scrubber.scrub("raw k-PASTED\rTAIL-123") == "raw [REDACTED]"
