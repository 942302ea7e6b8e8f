"""The one exception tree of zeroclaw-py.

Library exceptions (httpx, PTB, discord.py, tomllib) are translated into these at exactly one
boundary each; everything above that boundary catches only these. Provider error messages are
scrubbed of secrets when the error is built (see `zeroclaw_py.providers.scrub`), so `str(err)`
is always safe to log or show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class ZeroclawError(Exception):
    """Base of every error we raise on purpose."""


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigIssue:
    """One validation finding. `path` is the dotted TOML path, e.g. `channels_config.telegram`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(ZeroclawError):
    """The config file cannot be used. Carries every issue found, each naming its TOML path."""

    def __init__(self, issues: list[ConfigIssue], *, source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        super().__init__("; ".join(str(issue) for issue in issues) or "invalid config")


# --- providers -------------------------------------------------------------------------------


class UnknownProviderError(ZeroclawError):
    """A provider name that is neither in the registry nor a valid `custom:` form."""

    def __init__(self, name: str, detail: str | None = None) -> None:
        self.name = name
        super().__init__(detail or f"Unknown provider: {name}")


class ProviderError(ZeroclawError):
    """A provider call failed. Subclasses say how; `reason` is the stable label for logs/metrics.

    `message` must already be scrubbed by whoever builds the error (the wire boundary does).
    """

    reason: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.status = status


class AuthError(ProviderError):
    """401/403, invalid or expired key: rotate the auth profile, then the next candidate."""

    reason = "auth"


class BillingError(ProviderError):
    """402 / insufficient credits: disable the auth profile for hours, then the next candidate."""

    reason = "billing"


class RateLimitError(ProviderError):
    """429 / quota. `retry_after` in seconds when the provider said (header or body)."""

    reason = "rate_limit"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ModelNotFoundError(ProviderError):
    """Unknown model or unsupported capability: move to the next candidate at once."""

    reason = "model_not_found"


class ContextOverflowError(ProviderError):
    """The prompt does not fit the model's context window."""

    reason = "context_overflow"


class BadRequestError(ProviderError):
    """Any other 4xx: our request is wrong; report it, no fallback."""

    reason = "bad_request"


class TransientError(ProviderError):
    """5xx / 529 / overloaded: retry with backoff, then the next candidate."""

    reason = "server"
    retryable = True


class ProviderTimeout(TransientError):
    reason = "timeout"


class ProviderConnectionError(TransientError):
    reason = "connection"


class StreamDroppedError(TransientError):
    """The stream ended before the provider said it was done."""

    reason = "stream_dropped"


# --- channels --------------------------------------------------------------------------------


class ChannelError(ZeroclawError):
    """A chat channel (Telegram, Discord) failed; the message names the channel and the cause."""


class ChannelStartError(ChannelError):
    """A channel cannot start (e.g. its bot token was rejected); the rest of the daemon runs on."""


# --- gateway ---------------------------------------------------------------------------------


class GatewayStartError(ZeroclawError):
    """The gateway cannot listen (port taken, bad address). Fatal: the daemon exits non-zero
    with this one-line message, because a daemon without its web chat and admin API looks up but
    is unreachable."""
