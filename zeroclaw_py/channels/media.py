"""Inbound attachments: which are images we pass to the model, and a size cap on downloads.

Platform adapters decide what an attachment is; this module holds the shared facts (cap, MIME
sniffing, the labels the dispatcher shows for unsupported attachments) so both agree.
"""

from __future__ import annotations

import logging

from zeroclaw_py.providers.base import ImagePart

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # bigger images are refused, not downloaded

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image_type(data: bytes, declared: str | None = None) -> str | None:
    """The image MIME type of `data` from its magic bytes, else a declared `image/*`, else None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if declared and declared.startswith("image/"):
        return declared
    return None


def is_image_type(mime: str | None, filename: str | None = None) -> bool:
    if mime:
        return mime.lower().startswith("image/")
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    return suffix in {"jpg", "jpeg", "png", "gif", "webp"}


def too_big(size: int | None) -> bool:
    return size is not None and size > MAX_IMAGE_BYTES


def image_part(data: bytes, declared: str | None, *, source: str) -> ImagePart | None:
    """An ImagePart when `data` is a plausible image within the cap; None (logged) otherwise."""
    if len(data) > MAX_IMAGE_BYTES:
        log.warning(
            "%s: image of %d bytes exceeds the %d byte cap", source, len(data), MAX_IMAGE_BYTES
        )
        return None
    mime = sniff_image_type(data, declared)
    if mime is None:
        log.warning("%s: attachment is not a recognisable image; ignored", source)
        return None
    return ImagePart(data=data, mime_type=mime)


def attachment_label(kind: str, name: str | None = None) -> str:
    """How an unsupported attachment is named to the dispatcher, e.g. `document report.pdf`."""
    return f"{kind} {name}" if name else kind


def oversized_label(kind: str, name: str | None = None) -> str:
    return attachment_label(f"{kind} over {MAX_IMAGE_BYTES // (1024 * 1024)} MiB", name)
