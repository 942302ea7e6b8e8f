"""A deterministic hashed n-gram embedding: no downloaded model, no numpy.

Why hashing: a routing model must embed a query at inference time exactly as it did at training
time. A learned embedder (MiniLM, Longformer) would add a large download and a heavy dependency;
hashed word and character n-grams need neither, and every setting that shapes a vector (n-gram
ranges, dimension count, hash function and seed) is stored in the router file, so a file is
self-describing and inference reproduces training bit for bit.

Vectors are sparse `{dim: weight}` dicts: sublinear term frequency (1 + ln tf) times an idf
learnt at training time, L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

EMBEDDING_KIND = "hashed-ngrams"
EMBEDDING_VERSION = 1
HASHES = ("crc32",)  # the hash functions this build can reproduce

SparseVector = dict[int, float]

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class EmbeddingSettings:
    """Everything that shapes a vector. Stored verbatim in the router file."""

    kind: str = EMBEDDING_KIND
    version: int = EMBEDDING_VERSION
    dims: int = 1 << 18  # power of two: a feature's dim is `hash & (dims - 1)`
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (0, 0)  # (0, 0) = off; e.g. (3, 4) adds typo tolerance
    char_weight: float = 0.5  # char n-grams count less than whole words
    hash: str = "crc32"
    seed: int = 0
    lowercase: bool = True
    max_chars: int = 2000  # longer messages are cut: routing cost stays bounded

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["word_ngrams"] = list(self.word_ngrams)
        data["char_ngrams"] = list(self.char_ngrams)
        return data

    @classmethod
    def from_json(cls, data: Any) -> EmbeddingSettings:
        """Parse and check settings; raises ValueError naming the bad field."""
        if not isinstance(data, Mapping):
            raise ValueError("embedding: expected an object")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"embedding: unknown setting {unknown[0]!r}")
        missing = sorted(known - set(data))
        if missing:
            raise ValueError(f"embedding: missing setting {missing[0]!r}")
        try:
            settings = cls(
                kind=_typed(data, "kind", str),
                version=_typed(data, "version", int),
                dims=_typed(data, "dims", int),
                word_ngrams=_pair(data, "word_ngrams"),
                char_ngrams=_pair(data, "char_ngrams"),
                char_weight=float(_typed(data, "char_weight", (int, float))),
                hash=_typed(data, "hash", str),
                seed=_typed(data, "seed", int),
                lowercase=_typed(data, "lowercase", bool),
                max_chars=_typed(data, "max_chars", int),
            )
        except TypeError as exc:
            raise ValueError(f"embedding: {exc}") from None
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings this build cannot reproduce exactly."""
        if self.kind != EMBEDDING_KIND:
            raise ValueError(f"embedding: unknown kind {self.kind!r} (expected {EMBEDDING_KIND!r})")
        if self.version != EMBEDDING_VERSION:
            raise ValueError(f"embedding: unsupported version {self.version}")
        if self.hash not in HASHES:
            raise ValueError(f"embedding: unsupported hash {self.hash!r}")
        if self.dims < 2 or self.dims & (self.dims - 1) or self.dims > 1 << 24:
            raise ValueError("embedding: dims must be a power of two between 2 and 2**24")
        for name, (low, high) in (
            ("word_ngrams", self.word_ngrams),
            ("char_ngrams", self.char_ngrams),
        ):
            if (low, high) != (0, 0) and not 1 <= low <= high <= 8:
                raise ValueError(f"embedding: {name} must be [0, 0] or 1 <= min <= max <= 8")
        if self.word_ngrams == (0, 0) and self.char_ngrams == (0, 0):
            raise ValueError("embedding: no features enabled")
        if not 0 < self.char_weight <= 10 or not math.isfinite(self.char_weight):
            raise ValueError("embedding: char_weight must be in (0, 10]")
        if not 0 <= self.seed < 1 << 32:
            raise ValueError("embedding: seed must be a 32-bit unsigned integer")
        if self.max_chars < 1:
            raise ValueError("embedding: max_chars must be positive")


def _typed(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data[key]
    # bool is an int in Python: refuse it where a number is expected, and vice versa.
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise TypeError(f"{key} has the wrong type")
    return value


def _pair(data: Mapping[str, Any], key: str) -> tuple[int, int]:
    value = data[key]
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise TypeError(f"{key} must be a list of two integers")
    return value[0], value[1]


Counts = dict[int, int]


def term_counts(text: str, settings: EmbeddingSettings) -> list[tuple[Counts, float]]:
    """Hashed n-gram counts of `text` per feature group, each with the group's weight."""
    text = text[: settings.max_chars]
    if settings.lowercase:
        text = text.lower()
    words = _WORD.findall(text)
    mask = settings.dims - 1
    seed = settings.seed
    crc = zlib.crc32
    groups: list[tuple[Counts, float]] = []
    low, high = settings.word_ngrams
    if low:
        counts: Counts = {}
        for n in range(low, high + 1):
            grams = (
                words if n == 1 else (" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
            )
            for gram in grams:
                dim = crc(("w " + gram).encode(), seed) & mask
                counts[dim] = counts.get(dim, 0) + 1
        groups.append((counts, 1.0))
    low, high = settings.char_ngrams
    if low:
        counts = {}
        for word in words:
            padded = f"<{word}>"
            for n in range(low, high + 1):
                for i in range(len(padded) - n + 1):
                    dim = crc(("c " + padded[i : i + n]).encode(), seed) & mask
                    counts[dim] = counts.get(dim, 0) + 1
        groups.append((counts, settings.char_weight))
    return groups


def weigh(groups: list[tuple[Counts, float]], idf: Mapping[int, float] | None) -> SparseVector:
    """Sublinear tf (1 + ln tf) times the group weight times idf, L2-normalised.

    With an idf table, dims it lacks are dropped: features never seen in training, or too common
    to tell models apart, cannot move a query towards any training row.
    """
    vector: SparseVector = {}
    log = math.log
    for counts, group_weight in groups:
        for dim, tf in counts.items():
            w = 1.0 if idf is None else idf.get(dim)
            if w is not None:
                vector[dim] = vector.get(dim, 0.0) + (1.0 + log(tf)) * group_weight * w
    norm = math.sqrt(sum(v * v for v in vector.values()))
    if norm > 0.0:
        for dim in vector:
            vector[dim] /= norm
    return vector


def embed(text: str, settings: EmbeddingSettings, idf: Mapping[int, float] | None) -> SparseVector:
    return weigh(term_counts(text, settings), idf)
