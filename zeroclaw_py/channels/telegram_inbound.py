"""Turning a Telegram `Message` into an `InboundMessage` (or None when it is not for the bot).

Order matters: the addressing check (mention_only, commands for other bots) runs before any
download, so chatter in a busy group never costs a file fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, Message, PhotoSize
from telegram.error import TelegramError

from zeroclaw_py.channels import media
from zeroclaw_py.channels.base import InboundMessage
from zeroclaw_py.channels.mentions import BotIdentity, addressed_text
from zeroclaw_py.providers.base import ImagePart

log = logging.getLogger(__name__)

_GROUP_TYPES = frozenset({"group", "supergroup"})
# Message attributes we cannot pass to a model yet, with the label the dispatcher shows.
_UNSUPPORTED_KINDS = (
    ("voice", "voice"),
    ("audio", "audio"),
    ("video", "video"),
    ("video_note", "video note"),
    ("animation", "animation"),
    ("sticker", "sticker"),
    ("location", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
)


def _replied_to_bot(message: Message, bot_id: int) -> bool:
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.forum_topic_created is not None:
        return False  # in forum topics every message "replies" to the topic's opening message
    return reply.from_user.id == bot_id


async def _download(
    bot: Bot, file_id: str, size: int | None, declared: str | None
) -> ImagePart | None:
    if media.too_big(size):
        return None
    try:
        tg_file = await bot.get_file(file_id)
        if media.too_big(tg_file.file_size):
            return None
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("telegram: could not download an image: %s", exc)
        return None
    return media.image_part(data, declared, source="telegram")


async def _attachments(bot: Bot, message: Message) -> tuple[tuple[ImagePart, ...], tuple[str, ...]]:
    images: list[ImagePart] = []
    unsupported: list[str] = []
    if message.photo:
        fitting = [p for p in message.photo if not media.too_big(p.file_size)]
        best: PhotoSize | None = max(fitting, key=lambda p: p.width * p.height, default=None)
        part = await _download(bot, best.file_id, best.file_size, "image/jpeg") if best else None
        if part:
            images.append(part)
        else:
            unsupported.append(media.oversized_label("photo") if not fitting else "photo")
    document = message.document
    if document is not None:
        if media.is_image_type(document.mime_type, document.file_name):
            part = await _download(bot, document.file_id, document.file_size, document.mime_type)
            if part:
                images.append(part)
            else:
                big = media.too_big(document.file_size)
                describe = media.oversized_label if big else media.attachment_label
                unsupported.append(describe("image", document.file_name))
        else:
            unsupported.append(media.attachment_label("document", document.file_name))
    unsupported.extend(
        label for attr, label in _UNSUPPORTED_KINDS if getattr(message, attr, None) is not None
    )
    return tuple(images), tuple(unsupported)


async def build_inbound(
    bot: Bot,
    messages: Sequence[Message],
    identity: BotIdentity,
    *,
    bot_id: int,
    mention_only: bool,
) -> InboundMessage | None:
    """One InboundMessage from one message, or from all the messages of an album (Telegram
    sends each photo of an album as its own message; the caption rides on one of them)."""
    first = messages[0]
    user = first.from_user
    if user is None or (user.is_bot and user.id == bot_id):
        return None
    group = first.chat.type in _GROUP_TYPES
    captioned = next((m for m in messages if m.text or m.caption), first)
    text = addressed_text(
        captioned.text or captioned.caption or "",
        identity,
        group=group,
        mention_only=mention_only,
        replied_to_bot=any(_replied_to_bot(m, bot_id) for m in messages),
    )
    if text is None:
        return None
    images: list[ImagePart] = []
    unsupported: list[str] = []
    for message in messages:
        found, refused = await _attachments(bot, message)
        images.extend(found)
        unsupported.extend(refused)
    if not text and not images and not unsupported:
        return None
    user_id = str(user.id)
    return InboundMessage(
        channel="telegram",
        sender=user.username or user_id,
        sender_id=user_id,
        sender_aliases=(user_id,) if user.username else (),
        chat=str(first.chat.id),
        thread=str(first.message_thread_id) if first.is_topic_message else None,
        is_private=first.chat.type == "private",
        message_id=str(first.message_id),
        text=text,
        images=tuple(images),
        unsupported_attachments=tuple(unsupported),
    )
