"""Who may talk to the bot, per channel, as data (SPEC §6).

Each channel has one rule. Telegram entries are usernames or numeric ids (whitespace and a leading
`@` ignored, usernames case-insensitive) matched against every identity the message carries;
Discord entries are exact author ids; console and web are always allowed (the web gateway guards
itself with session tokens). `"*"` allows everyone, an empty list nobody. Deny by default: a
channel without a rule is refused, so an in-process channel (a test channel, an embedding
application) says so with `trust_local_channel`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from zeroclaw_py.channels.base import InboundMessage
from zeroclaw_py.config.schema import Config


def _identities(msg: InboundMessage) -> Iterable[str]:
    yield msg.sender
    if msg.sender_id:
        yield msg.sender_id
    yield from msg.sender_aliases


def _normalise_telegram(entry: str) -> str:
    return entry.strip().lstrip("@").casefold()


@lru_cache(maxsize=64)
def _telegram_entries(allowed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_normalise_telegram(e) for e in allowed)


def _telegram(config: Config, msg: InboundMessage) -> bool:
    tg = config.channels_config.telegram
    entries = _telegram_entries(tuple(tg.allowed_users) if tg else ())
    if "*" in entries:
        return True
    return any(_normalise_telegram(ident) in entries for ident in _identities(msg))


@lru_cache(maxsize=64)
def _discord_entries(allowed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(e.strip() for e in allowed)


def _discord(config: Config, msg: InboundMessage) -> bool:
    dc = config.channels_config.discord
    entries = _discord_entries(tuple(dc.allowed_users) if dc else ())
    if "*" in entries:
        return True
    return any(ident in entries for ident in _identities(msg))


def _always(config: Config, msg: InboundMessage) -> bool:
    return True


def _never(config: Config, msg: InboundMessage) -> bool:
    return False


RULES: dict[str, Callable[[Config, InboundMessage], bool]] = {
    "telegram": _telegram,
    "discord": _discord,
    "console": _always,
    "web": _always,
}


def is_allowed(config: Config, msg: InboundMessage) -> bool:
    return RULES.get(msg.channel, _never)(config, msg)


def trust_local_channel(name: str) -> None:
    """Allow every message of the in-process channel `name` (like console), e.g. a test channel.

    Never call this for a channel that carries messages from other people.
    """
    if name in ("telegram", "discord"):
        raise ValueError(f"{name} messages are checked against allowed_users")
    RULES.setdefault(name, _always)


def denied_user_id(msg: InboundMessage) -> str:
    """The id to name in the refusal: the numeric/platform id when the channel gave one."""
    return msg.sender_id or msg.sender
