"""Splitting long replies into platform-sized messages (Telegram 4096 UTF-16 units, Discord 2000).

One algorithm for both platforms, parametrised by how the platform measures length. Guarantees:
every chunk measures at most `limit`; `"".join(chunks) == text` (separators stay at the end of
the chunk they close, so nothing is lost or added); a code point is never cut (so never half a
UTF-16 surrogate pair) and we avoid cutting inside an emoji sequence or before a combining mark.
Cut preference: the last newline in the second half of the window, then the last space, then a
hard cut. Pure Python, no platform imports (the CLI and the web channel may use it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Measure = Callable[[str], int]

TELEGRAM_LIMIT = 4096
DISCORD_LIMIT = 2000

_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, variation selectors
_MAX_BACKOFF = 16  # how far a hard cut may move left to keep a character cluster whole


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _char_len(text: str) -> int:
    return len(text)


def _window_end(text: str, limit: int, measure: Measure) -> int:
    """The largest n such that measure(text[:n]) <= limit (at least 1 so we always progress)."""
    if measure is _char_len:
        return max(1, min(len(text), limit))
    lo, hi = 1, min(len(text), limit)  # every char measures >= 1, so n <= limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _keeps_cluster(text: str, cut: int) -> bool:
    """False when cutting before text[cut] would split an emoji sequence or a combining mark."""
    nxt, prev = text[cut], text[cut - 1]
    if nxt in _JOINERS or prev == "\u200d" or unicodedata.combining(nxt):
        return False
    skin_tone = 0x1F3FB <= ord(nxt) <= 0x1F3FF
    return not skin_tone


def _cut_point(text: str, end: int) -> int:
    """Where to end the first chunk, given the window text[:end] fits and text[end:] remains."""
    window = text[:end]
    newline = window.rfind("\n")
    if newline >= 0 and newline + 1 >= end // 2:
        return newline + 1
    space = window.rfind(" ")
    if space > 0:
        return space + 1
    cut = end
    while cut > 1 and end - cut < _MAX_BACKOFF and not _keeps_cluster(text, cut):
        cut -= 1
    return cut if _keeps_cluster(text, cut) else end


def split_text(text: str, limit: int, measure: Measure = _char_len) -> list[str]:
    """Split `text` into chunks that each measure at most `limit` (see module docstring)."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _cut_point(rest, _window_end(rest, limit, measure))
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def split_telegram(text: str) -> list[str]:
    return split_text(text, TELEGRAM_LIMIT, utf16_len)


def split_discord(text: str) -> list[str]:
    return split_text(text, DISCORD_LIMIT)


def truncate(text: str, limit: int, measure: Measure = _char_len) -> str:
    """The first chunk only: a streaming preview that must fit in one message."""
    return split_text(text, limit, measure)[0] if text else text
