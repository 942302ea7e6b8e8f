"""Secret scrubbing for anything shown to a user or written to a log (SPEC §4, zeroclaw.md §2.3).

Two layers, applied in this order by `Scrubber.scrub`:
1. Known secrets: every configured key (global `api_key`, `providers.*.api_key`, provider env
   credentials, auth-profile keys, bot tokens) registered at runtime with `register_secret`.
   Exact substring replacement, longest first, so a key without a recognisable prefix is still
   caught. Values shorter than `MIN_SECRET_LEN` are ignored: replacing them would mangle
   ordinary text and they are not credible credentials.
2. Upstream's prefix patterns (`sk-`, `xoxb-`, ...): plain substring search without a word
   boundary (`task-1` becomes `ta[REDACTED]`, as upstream), body = maximal run of ASCII
   alphanumerics and `-_.:`; a bare prefix is left alone.

`sanitize_api_error` adds upstream's truncation: more than 200 characters -> the first 200
UTF-8 bytes (a partial character dropped) plus `...`.

The module-level `SCRUBBER` is the process-wide registry of known secrets: the provider factory,
the auth store and config loading register into it, and the logging filter (zeroclaw_py.log)
reads from it, so a key learned anywhere is scrubbed everywhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config

REDACTED = "[REDACTED]"
PREFIXES: tuple[str, ...] = ("sk-", "xoxb-", "xoxp-", "ghp_", "gho_", "ghu_", "github_pat_")
MAX_ERROR_CHARS = 200
MIN_SECRET_LEN = 6


def _is_body_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_.:")


def scrub_secret_patterns(text: str) -> str:
    """Replace `<prefix><token body>` with `[REDACTED]`, upstream's scan order and rules."""
    for prefix in PREFIXES:
        start = 0
        while (hit := text.find(prefix, start)) != -1:
            end = hit + len(prefix)
            while end < len(text) and _is_body_char(text[end]):
                end += 1
            if end == hit + len(prefix):  # bare prefix: keep it, scan on after it
                start = end
                continue
            text = text[:hit] + REDACTED + text[end:]
            start = hit + len(REDACTED)
    return text


def truncate_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Upstream's cut: only when longer than `limit` chars, at `limit` bytes, plus `...`."""
    if len(text) <= limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore") + "..."


def _escaped(secret: str) -> tuple[str, str]:
    """How repr() shows `secret` inside a str and inside a bytes literal (quotes dropped)."""
    as_bytes = repr(secret.encode("utf-8", errors="backslashreplace"))[2:-1]
    return repr(secret)[1:-1], as_bytes


class Scrubber:
    """Known secrets plus the prefix patterns. Thread-safe; adding a secret is cheap."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self._public: frozenset[str] = frozenset()
        self.add(*secrets)

    def declare_public(self, *values: str) -> None:
        """Values that travel as keys yet are not secrets (LM Studio's `lm-studio` placeholder):
        never scrubbed, or every line naming the `lm-studio` alias would read `[REDACTED]`."""
        with self._lock:
            self._public = self._public.union(values)
            self._secrets = tuple(s for s in self._secrets if s not in self._public)

    def add(self, *secrets: str | None) -> None:
        """Register secrets; cheap when they are already known (called on every provider call).

        A secret with characters Python escapes in a repr (a pasted control character) is also
        registered in its escaped spellings, since library errors quote values with repr()."""
        fresh = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET_LEN}
        fresh -= self._public
        fresh |= {v for s in fresh if not s.isprintable() for v in _escaped(s)}
        if fresh.issubset(self._secrets):
            return
        with self._lock:
            merged = fresh.union(self._secrets)
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._secrets = ()

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return scrub_secret_patterns(text)

    def sanitize(self, text: str) -> str:
        """Scrub, then cut to the user-facing length (upstream `sanitize_api_error`)."""
        return truncate_error(self.scrub(text))


SCRUBBER = Scrubber()


def register_secret(*secrets: str | None) -> None:
    SCRUBBER.add(*secrets)


def scrub(text: str) -> str:
    return SCRUBBER.scrub(text)


def sanitize_api_error(text: str) -> str:
    return SCRUBBER.sanitize(text)


def describe_error(exc: BaseException) -> str:
    """A scrubbed, user-safe one-liner for an exception; the type name when its text is empty."""
    return sanitize_api_error(str(exc) or type(exc).__name__)


def register_config_secrets(config: Config, environ: Mapping[str, str] | None = None) -> None:
    """Register every credential a config (and the provider env vars) can put on the wire."""
    from zeroclaw_py.providers.registry import PROVIDERS

    env: Mapping[str, str] = os.environ if environ is None else environ
    found: list[str | None] = [config.api_key, config.gateway.master_key]
    found.append(config.gateway.access_token)
    found.extend(settings.api_key for settings in config.providers.values())
    channels = config.channels_config
    for channel in (channels.telegram, channels.discord):
        if channel is not None:
            found.append(channel.bot_token)
    names = {"ZEROCLAW_API_KEY", "API_KEY"}
    names.update(var for spec in PROVIDERS for var in spec.env_vars)
    found.extend(env.get(name) for name in sorted(names))
    register_secret(*found)
