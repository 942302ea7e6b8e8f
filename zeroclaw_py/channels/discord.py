"""The Discord channel: a discord.py `Client` (message_content intent) feeding the dispatcher.

The client logs in during `start()` so a rejected token is one clear error and a clear
exception (the daemon keeps the other services). The gateway connection then runs in a task
under `supervise`: discord.py reconnects by itself, and if it gives up we log, back off, and
open a fresh session. Filters, in order: our own messages, other bots (unless listen_to_bots),
the guild_id filter (DMs always pass), then the shared addressing rules for guild channels.
Allowlists and commands belong to the dispatcher: we pass the author id as the sender.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import anyio
import discord

from zeroclaw_py.channels import media
from zeroclaw_py.channels.base import InboundMessage
from zeroclaw_py.channels.discord_http import route_client
from zeroclaw_py.channels.discord_reply import DiscordResponder
from zeroclaw_py.channels.drafts import EditPacer
from zeroclaw_py.channels.mentions import BotIdentity, addressed_text
from zeroclaw_py.channels.service import ChannelService
from zeroclaw_py.channels.supervise import Timings, supervise
from zeroclaw_py.errors import ChannelStartError
from zeroclaw_py.providers.base import ImagePart

if TYPE_CHECKING:
    from zeroclaw_py.channels.base import Responder
    from zeroclaw_py.config.schema import DiscordConfig
    from zeroclaw_py.services import ServiceHost

log = logging.getLogger(__name__)

_FATAL = (discord.LoginFailure, discord.PrivilegedIntentsRequired)


class _Client(discord.Client):
    def __init__(self, service: DiscordService, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: enable it for the bot in the dev portal
        super().__init__(intents=intents, **options)
        self._service = service

    async def on_message(self, message: discord.Message) -> None:
        await self._service.on_message(message)

    async def on_ready(self) -> None:
        self._service.on_ready()


async def _attachments(
    message: discord.Message,
) -> tuple[tuple[ImagePart, ...], tuple[str, ...]]:
    images: list[ImagePart] = []
    unsupported: list[str] = []
    for item in message.attachments:
        if not media.is_image_type(item.content_type, item.filename):
            unsupported.append(media.attachment_label("file", item.filename))
            continue
        if media.too_big(item.size):
            unsupported.append(media.oversized_label("image", item.filename))
            continue
        try:
            data = await item.read()
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("discord: could not download attachment %s: %s", item.filename, exc)
            unsupported.append(media.attachment_label("image", item.filename))
            continue
        part = media.image_part(data, item.content_type, source="discord")
        if part:
            images.append(part)
        else:
            unsupported.append(media.attachment_label("image", item.filename))
    return tuple(images), tuple(unsupported)


class DiscordService(ChannelService["DiscordConfig"]):
    name = "discord"

    def __init__(
        self, host: ServiceHost, config: DiscordConfig, *, timings: Timings | None = None
    ) -> None:
        super().__init__(host, config, timings=timings)
        self._pacer = EditPacer(1.0)
        self._client: _Client | None = None
        self._stopping = False
        self._identity = BotIdentity("")
        self._role_identities: dict[int, BotIdentity] = {}

    def _new_client(self) -> _Client:
        client = _Client(self, guild_ready_timeout=self.timings.guild_ready_timeout_s)
        route_client(client, self._config.api_base_url, self._config.gateway_url)
        return client

    async def _login(self, client: _Client) -> None:
        try:
            await client.login(self._config.bot_token)
        except discord.LoginFailure as exc:  # the daemon logs this one clear line and runs on
            await client.close()
            raise ChannelStartError(
                f"discord: the bot token was rejected by {self._config.api_base_url}; "
                "fix channels_config.discord.bot_token"
            ) from exc
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await client.close()
            raise ChannelStartError(
                f"discord: cannot reach {self._config.api_base_url}: {exc}"
            ) from exc
        user = client.user
        assert user is not None
        self._identity = BotIdentity(user.name, tags=(f"<@{user.id}>", f"<@!{user.id}>"))

    async def start(self) -> None:
        self._stopping = False
        self._pacer.interval_s = self.timings.edit_interval_s or 1.0
        client = self._new_client()
        await self._login(client)
        self._client = client
        self._task = asyncio.create_task(self._run(), name="discord-gateway")
        # Up = the token is accepted and the gateway task runs. READY comes later (discord.py
        # waits for every guild first); the daemon need not wait for it to start the next part.

    async def wait_ready(self) -> None:
        """Until the gateway session is ready (tests, and anyone who needs the guild cache)."""
        assert self._client is not None, "start() first"
        await self._client.wait_until_ready()

    def on_ready(self) -> None:
        log.info("discord: connected as %s", self._identity.username)

    async def stop(self) -> None:
        self._stopping = True  # new messages are not taken any more
        await self._drain()
        if self._client is not None:
            await self._client.close()
        await self._cancel_task()
        self._client = None

    async def _run(self) -> None:
        try:
            await supervise("discord gateway", self._connect, self.timings.backoff(), fatal=_FATAL)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "discord: the gateway refused the Message Content intent; enable it for this bot "
                "in the Discord Developer Portal (Bot > Privileged Gateway Intents); Discord stops"
            )
        except discord.LoginFailure:
            log.error("discord: the bot token was revoked; fix channels_config.discord.bot_token")

    async def _connect(self) -> None:
        client = self._client
        assert client is not None
        if client.is_closed():  # discord.py closed it after a fatal gateway error: reopen
            client.clear()
            await client.login(self._config.bot_token)
        await client.connect(reconnect=True)
        if self._stopping:  # close() ended the connection on purpose; stop() cancels us next
            await anyio.sleep_forever()

    # --- inbound ---------------------------------------------------------------------------

    def _wanted(self, message: discord.Message) -> bool:
        client = self._client
        if client is None or client.user is None or message.author.id == client.user.id:
            return False
        if message.author.bot and not self._config.listen_to_bots:
            return False
        guild_id = self._config.guild_id
        return not (guild_id and message.guild is not None and str(message.guild.id) != guild_id)

    def _replied_to_bot(self, message: discord.Message) -> bool:
        ref = message.reference
        resolved = ref.resolved if ref is not None else None
        client = self._client
        return (
            isinstance(resolved, discord.Message)
            and client is not None
            and client.user is not None
            and resolved.author.id == client.user.id
        )

    def _identity_in(self, guild: discord.Guild | None) -> BotIdentity:
        """In a guild, mentioning the bot's managed role (`<@&ROLE>`) also addresses the bot:
        Discord's autocomplete inserts it when the role and the bot share a name."""
        role = guild.self_role if guild is not None else None
        if role is None:
            return self._identity
        identity = self._role_identities.get(role.id)
        if identity is None:
            tags = (*self._identity.tags, f"<@&{role.id}>")
            identity = self._role_identities[role.id] = BotIdentity(self._identity.username, tags)
        return identity

    async def build_inbound(self, message: discord.Message) -> InboundMessage | None:
        if not self._wanted(message):
            return None
        private = message.guild is None
        text = addressed_text(
            message.content,
            self._identity_in(message.guild),
            group=not private,
            mention_only=self._config.mention_only,
            replied_to_bot=self._replied_to_bot(message),
        )
        if text is None:
            return None
        images, unsupported = await _attachments(message)
        if not text and not images and not unsupported:
            return None
        author_id = str(message.author.id)
        return InboundMessage(
            channel="discord",
            sender=author_id,
            sender_id=author_id,
            sender_aliases=(message.author.name,),
            chat=str(message.channel.id),
            is_private=private,
            message_id=str(message.id),
            text=text,
            images=images,
            unsupported_attachments=unsupported,
        )

    async def on_message(self, message: discord.Message) -> None:
        await self._handle_in_order(
            (message.channel.id, message.author.id),
            lambda: self._prepare(message),
            f"message {message.id}",
        )

    async def _prepare(self, message: discord.Message) -> tuple[InboundMessage, Responder] | None:
        """The inbound message (mentions removed, images downloaded) and where to answer it."""
        if self._stopping:
            return None
        inbound = await self.build_inbound(message)
        if inbound is None:
            return None
        responder = DiscordResponder(
            message.channel,
            message.channel.id,
            stream=self._config.stream_mode == "partial",
            pacer=self._pacer,
            timings=self.timings,
        )
        return inbound, responder
