"""Is a group message addressed to the bot, and what text goes to the dispatcher (SPEC §6).

Shared by Telegram and Discord so the rules are written once: a message is for the bot when it
mentions it (`@botname` as a word, or a platform tag such as Discord's `<@ID>`), replies to one of
the bot's messages, or starts with a command addressed to it (`/models@botname`). A command
addressed to ANOTHER bot (`/models@otherbot`) is never for us in a group. Mentions are removed
before the dispatcher parses commands; the dispatcher itself cuts `/cmd@x` at the `@`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

_WORD = "A-Za-z0-9_"
_FIRST_TOKEN = re.compile(r"(\S+)(.*)", re.DOTALL)


@dataclass(frozen=True)
class BotIdentity:
    """How people address this bot: its username and any platform mention tags."""

    username: str
    tags: tuple[str, ...] = field(default=())  # literal tokens, e.g. ("<@123>", "<@!123>")

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = [re.escape(tag) for tag in self.tags]
        name = self.username.lstrip("@")
        if name:
            parts.append(rf"(?<![{_WORD}])@{re.escape(name)}(?![{_WORD}])")
        alternatives = "|".join(parts) or r"(?!x)x"
        return re.compile(rf"(?:{alternatives})[:,]?[ \t]*", re.IGNORECASE)

    def remove_mentions(self, text: str) -> tuple[str, bool]:
        """The text without mentions of the bot, and whether there was one."""
        cleaned, count = self._pattern.subn("", text)
        return (cleaned.strip(), True) if count else (text.strip(), False)

    def is_me(self, name: str) -> bool:
        return name.lstrip("@").casefold() == self.username.lstrip("@").casefold()


def command_target(text: str) -> str | None:
    """`bot` for `/cmd@bot ...`; None when the text does not start with an addressed command."""
    head = text.lstrip().split(maxsplit=1)[0] if text.strip() else ""
    if not head.startswith("/") or "@" not in head:
        return None
    return head.partition("@")[2]


def addressed_text(
    text: str,
    bot: BotIdentity,
    *,
    group: bool,
    mention_only: bool,
    replied_to_bot: bool = False,
) -> str | None:
    """The text to hand the dispatcher, or None when this message is not for the bot."""
    cleaned, mentioned = bot.remove_mentions(text)
    target = command_target(cleaned)
    to_us = target is not None and bot.is_me(target)
    if target is not None and not to_us and group:
        return None  # `/cmd@otherbot`: another bot's command
    if to_us:
        head, rest = _FIRST_TOKEN.match(cleaned).groups()  # type: ignore[union-attr]
        cleaned = head.partition("@")[0] + rest
    if group and mention_only and not (mentioned or replied_to_bot or to_us):
        return None
    return cleaned
