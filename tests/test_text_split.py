"""The one splitter shared by Telegram (UTF-16 units, 4096) and Discord (characters, 2000)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zeroclaw_py.channels.text import (
    split_discord,
    split_telegram,
    split_text,
    truncate,
    utf16_len,
)


def _check(chunks: list[str], original: str, limit: int, measure: object) -> None:
    assert "".join(chunks) == original
    assert all(chunk for chunk in chunks)
    assert all(measure(chunk) <= limit for chunk in chunks)  # type: ignore[operator]


def test_short_text_is_one_chunk() -> None:
    assert split_telegram("hello") == ["hello"]
    assert split_discord("") == [""]


def test_utf16_len_counts_astral_as_two() -> None:
    assert utf16_len("a😀é") == 4
    assert utf16_len("中文") == 2


def test_prefers_newline_in_second_half() -> None:
    text = "a" * 60 + "\n" + "b" * 60
    chunks = split_text(text, 100)
    assert chunks == ["a" * 60 + "\n", "b" * 60]


def test_falls_back_to_space_then_hard_cut() -> None:
    text = ("word " * 30).strip()
    chunks = split_text(text, 20)
    _check(chunks, text, 20, len)
    assert all(c.endswith(" ") for c in chunks[:-1])
    hard = "x" * 45
    assert split_text(hard, 20) == ["x" * 20, "x" * 20, "x" * 5]


def test_early_newline_is_not_used_when_a_space_exists() -> None:
    text = "ab\n" + "c " * 60
    chunks = split_text(text, 50)
    _check(chunks, text, 50, len)
    assert len(chunks[0]) > 25


def test_telegram_emoji_never_split_and_limit_in_utf16_units() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    chunks = split_telegram(text)
    _check(chunks, text, 4096, utf16_len)
    assert [utf16_len(c) for c in chunks] == [4096, 1904]
    assert all(set(c) == {"😀"} for c in chunks)


def test_telegram_odd_boundary_does_not_cut_a_surrogate_pair() -> None:
    text = "a" + "😀" * 2100  # the 4096th unit falls inside a pair
    chunks = split_telegram(text)
    _check(chunks, text, 4096, utf16_len)
    assert utf16_len(chunks[0]) == 4095


def test_multibyte_discord_counts_characters() -> None:
    text = "é中" * 1500  # 3000 characters, many more bytes
    chunks = split_discord(text)
    _check(chunks, text, 2000, len)
    assert [len(c) for c in chunks] == [2000, 1000]


def test_zwj_sequence_is_kept_whole() -> None:
    family = "👨\u200d👩\u200d👧"
    text = "x" * 18 + family + "y" * 10
    chunks = split_text(text, 20)
    _check(chunks, text, 20, len)
    assert any(family in chunk for chunk in chunks)


def test_combining_mark_stays_with_its_base() -> None:
    text = "x" * 19 + "e\u0301" + "z" * 5
    chunks = split_text(text, 20)
    _check(chunks, text, 20, len)
    assert chunks[0].endswith("x")


@pytest.mark.parametrize("limit", [2, 3, 7, 50])
def test_mixed_text_properties(limit: int) -> None:
    text = "Hé 😀 line\n" * 40 + "🇫🇷" * 30
    _check(split_text(text, limit, utf16_len), text, limit, utf16_len)
    _check(split_text(text, limit), text, limit, len)


def test_truncate_returns_first_chunk() -> None:
    assert truncate("abc def ghi", 8) == "abc def "
    assert truncate("", 8) == ""


def test_importing_text_does_not_import_platform_libraries() -> None:
    code = (
        "import sys, zeroclaw_py.channels.text;"
        "print(any(m in sys.modules for m in ('telegram', 'discord', 'aiohttp')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
