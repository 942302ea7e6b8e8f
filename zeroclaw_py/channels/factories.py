"""Service factories for the chat platforms, cheap to import.

The daemon asks these whether a platform is configured before anything imports its library, so
a daemon without a Telegram or Discord token never loads python-telegram-bot or discord.py
(each costs ~10 MiB of resident memory and a noticeable start-up time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zeroclaw_py.channels.discord import DiscordService
    from zeroclaw_py.channels.telegram import TelegramService
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.services import ServiceHost


def telegram(host: ServiceHost, config: Config) -> TelegramService | None:
    """None when no Telegram token is configured."""
    section = config.channels_config.telegram
    if section is None or not section.bot_token:
        return None
    from zeroclaw_py.channels.telegram import TelegramService

    return TelegramService(host, section)


def discord(host: ServiceHost, config: Config) -> DiscordService | None:
    """None when no Discord token is configured."""
    section = config.channels_config.discord
    if section is None or not section.bot_token:
        return None
    from zeroclaw_py.channels.discord import DiscordService

    return DiscordService(host, section)
