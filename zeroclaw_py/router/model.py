"""The kNN router and its file format (JSON, never pickle).

A router file is one JSON object:

    {"format": "zeroclaw-router", "version": 1, "strategy": "knn", "k": 5, "max_postings": 16,
     "embedding": {...EmbeddingSettings...},
     "idf": {"dims": [int...], "values": [float...]},
     "labels": ["provider/model", ...],          # what the router can answer
     "models": ["provider/model", ...],          # every model seen in the training data
     "rows": {"labels": [label index...], "indices": [[dim...]...], "values": [[w...]...]},
     "holdout": {"share": 0.2, "seed": 0, "queries": [query digest...]},
     "trained": {"rows": int, "queries": int, "at_unix": int}}

Loading checks everything a router needs to answer correctly (known version, consistent shapes,
indices inside the embedding) before a single query is routed; `check_candidates` then refuses a
router whose labels are not configured candidates. Anything wrong raises `RouterFileError` with
one clear reason.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from zeroclaw_py.errors import ZeroclawError
from zeroclaw_py.router.embedding import EmbeddingSettings, SparseVector, embed

ROUTER_FORMAT = "zeroclaw-router"
ROUTER_VERSION = 1
STRATEGIES = ("knn",)
TOP_KEYS = frozenset(
    {
        "format",
        "version",
        "strategy",
        "k",
        "max_postings",
        "embedding",
        "idf",
        "labels",
        "models",
        "rows",
    }
    | {"holdout", "trained"}
)
DEFAULT_MAX_POSTINGS = 16
PICKLE_MAGIC = b"\x80"  # every pickle protocol >= 2 starts with PROTO (0x80)


class RouterError(ZeroclawError):
    """Bad training data or a bad router file; the message is one line for the user."""


class RouterFileError(RouterError):
    """A router file that must not be used (unreadable, wrong version, unknown labels...)."""


def query_digest(query: str) -> str:
    """How a held-out query is remembered in the file (the data itself is not copied)."""
    return hashlib.sha256(query.strip().encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Holdout:
    share: float = 0.0
    seed: int = 0
    queries: frozenset[str] = frozenset()  # query digests


@dataclass
class KnnRouter:
    """Similarity-weighted vote of the `k` training queries nearest to a message (cosine)."""

    settings: EmbeddingSettings
    idf: dict[int, float]
    labels: tuple[str, ...]
    row_labels: Sequence[int]
    vectors: Sequence[SparseVector]
    k: int = 5
    max_postings: int = DEFAULT_MAX_POSTINGS
    models: tuple[str, ...] = ()
    holdout: Holdout = field(default_factory=Holdout)
    trained: dict[str, int] = field(default_factory=dict)
    version: str = ""  # sha256 prefix of the file it was loaded from ("" when built in memory)
    strategy: str = "knn"

    def __post_init__(self) -> None:
        # Inverted index dim -> ((row, weight), ...), heaviest first, cut to `max_postings`: a
        # query touches at most max_postings rows per feature, so routing cost stays bounded
        # however common a feature is (an impact-ordered approximation of exact kNN).
        lists: dict[int, list[tuple[int, float]]] = {}
        for row, vector in enumerate(self.vectors):
            for dim, value in vector.items():
                lists.setdefault(dim, []).append((row, value))
        cut = self.max_postings
        self._postings = {
            dim: tuple(sorted(entries, key=_by_weight)[:cut]) for dim, entries in lists.items()
        }

    def embed(self, text: str) -> SparseVector:
        return embed(text, self.settings, self.idf)

    def neighbours(self, text: str) -> list[tuple[int, float]]:
        """(row, similarity) of the nearest training queries, nearest first."""
        scores: dict[int, float] = {}
        get = scores.get
        postings = self._postings
        for dim, qw in self.embed(text).items():
            for row, w in postings.get(dim, ()):
                scores[row] = get(row, 0.0) + qw * w
        return heapq.nlargest(self.k, scores.items(), key=itemgetter(1))

    def predict(self, text: str) -> str | None:
        """The candidate for `text`; None when no training query shares a feature with it."""
        tally: dict[int, float] = {}
        for row, similarity in self.neighbours(text):
            label = self.row_labels[row]
            tally[label] = tally.get(label, 0.0) + similarity
        if not tally:
            return None
        # max() keeps the first of equal tallies: the label of the nearest neighbour wins ties.
        return self.labels[max(tally, key=tally.__getitem__)]

    # --- file format -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        dims = sorted(self.idf)
        return {
            "format": ROUTER_FORMAT,
            "version": ROUTER_VERSION,
            "strategy": self.strategy,
            "k": self.k,
            "max_postings": self.max_postings,
            "embedding": self.settings.to_json(),
            "idf": {"dims": dims, "values": [_round(self.idf[d]) for d in dims]},
            "labels": list(self.labels),
            "models": list(self.models),
            "rows": {
                "labels": list(self.row_labels),
                "indices": [list(v) for v in self.vectors],
                "values": [[_round(w) for w in v.values()] for v in self.vectors],
            },
            "holdout": {
                "share": self.holdout.share,
                "seed": self.holdout.seed,
                "queries": sorted(self.holdout.queries),
            },
            "trained": dict(self.trained),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False) + "\n"


def _by_weight(entry: tuple[int, float]) -> tuple[float, int]:
    return -entry[1], entry[0]


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def loads(data: bytes) -> KnnRouter:
    """Parse and validate a router file's bytes (no candidate check; see `check_candidates`)."""
    if data[:1] == PICKLE_MAGIC:
        raise RouterFileError("looks like a pickle file; only JSON router files are accepted")
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise RouterFileError("not a router file: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RouterFileError(f"not a router file: invalid JSON at line {exc.lineno}") from None
    router = from_json(doc)
    router.version = hashlib.sha256(data).hexdigest()[:16]
    return router


def from_json(doc: Any) -> KnnRouter:
    try:
        return _parse(doc)
    except (ValueError, TypeError, KeyError) as exc:
        raise RouterFileError(f"invalid router file: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def _parse(doc: Any) -> KnnRouter:
    if not isinstance(doc, dict) or doc.get("format") != ROUTER_FORMAT:
        raise ValueError(f'not a router file (expected "format": "{ROUTER_FORMAT}")')
    version = doc.get("version")
    if version != ROUTER_VERSION:
        raise ValueError(f"unsupported version {version!r} (this build reads {ROUTER_VERSION})")
    if unknown := sorted(set(doc) - TOP_KEYS):
        raise ValueError(f"unknown field {unknown[0]!r}")
    if (strategy := doc["strategy"]) not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")
    k = doc["k"]
    if not _is_int(k) or not 1 <= k <= 1000:
        raise ValueError("k must be an integer between 1 and 1000")
    max_postings = doc["max_postings"]
    if not _is_int(max_postings) or not 1 <= max_postings <= 1_000_000:
        raise ValueError("max_postings must be a positive integer")
    settings = EmbeddingSettings.from_json(doc["embedding"])
    idf = _parse_idf(doc["idf"], settings.dims)
    labels = _model_list(doc["labels"], "labels")
    if not labels:
        raise ValueError("labels is empty")
    if len(set(labels)) != len(labels):
        raise ValueError("labels has duplicates")
    models = _model_list(doc["models"], "models")
    row_labels, vectors = _parse_rows(doc["rows"], len(labels), settings.dims)
    return KnnRouter(
        settings=settings,
        idf=idf,
        labels=tuple(labels),
        row_labels=row_labels,
        vectors=vectors,
        k=k,
        max_postings=max_postings,
        models=tuple(models),
        holdout=_parse_holdout(doc["holdout"]),
        trained=_parse_trained(doc["trained"]),
        strategy=strategy,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list")
    return value


def _dims(values: Iterable[Any], dims: int, name: str) -> array[int]:
    out = array("i")
    for dim in values:
        if not _is_int(dim) or not 0 <= dim < dims:
            raise ValueError(f"{name}: index outside the embedding's {dims} dims")
        out.append(dim)
    return out


def _floats(values: Iterable[Any], name: str) -> list[float]:
    out: list[float] = []
    for value in values:
        if not _is_number(value):
            raise ValueError(f"{name}: expected finite numbers")
        out.append(float(value))
    return out


def _parse_idf(value: Any, dims: int) -> dict[int, float]:
    if not isinstance(value, dict):
        raise ValueError("idf must be an object")
    keys = _dims(_list(value["dims"], "idf.dims"), dims, "idf.dims")
    weights = _floats(_list(value["values"], "idf.values"), "idf.values")
    if len(keys) != len(weights):
        raise ValueError("idf.dims and idf.values differ in length")
    return dict(zip(keys, weights, strict=True))


def _model_list(value: Any, name: str) -> list[str]:
    refs = _list(value, name)
    for ref in refs:
        provider, sep, model = ref.partition("/") if isinstance(ref, str) else ("", "", "")
        if not sep or not provider.strip() or not model.strip():
            raise ValueError(f'{name}: expected "<provider>/<model>" strings, got {ref!r}')
    return refs


def _parse_rows(value: Any, n_labels: int, dims: int) -> tuple[array[int], list[SparseVector]]:
    if not isinstance(value, dict):
        raise ValueError("rows must be an object")
    labels = _list(value["labels"], "rows.labels")
    indices = _list(value["indices"], "rows.indices")
    values = _list(value["values"], "rows.values")
    if not len(labels) == len(indices) == len(values):
        raise ValueError("rows.labels, rows.indices and rows.values differ in length")
    if not labels:
        raise ValueError("rows is empty")
    row_labels = array("i")
    for label in labels:
        if not _is_int(label) or not 0 <= label < n_labels:
            raise ValueError("rows.labels: label index outside labels")
        row_labels.append(label)
    vectors: list[SparseVector] = []
    for i, (dims_i, values_i) in enumerate(zip(indices, values, strict=True)):
        keys = _dims(_list(dims_i, "rows.indices"), dims, "rows.indices")
        weights = _floats(_list(values_i, "rows.values"), "rows.values")
        if len(keys) != len(weights):
            raise ValueError(f"row {i}: indices and values differ in length")
        vectors.append(dict(zip(keys, weights, strict=True)))
    return row_labels, vectors


def _parse_holdout(value: Any) -> Holdout:
    if not isinstance(value, dict):
        raise ValueError("holdout must be an object")
    share, seed = value["share"], value["seed"]
    if not _is_number(share) or not 0 <= share < 1:
        raise ValueError("holdout.share must be a number in [0, 1)")
    if not _is_int(seed):
        raise ValueError("holdout.seed must be an integer")
    queries = _list(value["queries"], "holdout.queries")
    if not all(isinstance(q, str) for q in queries):
        raise ValueError("holdout.queries must be strings")
    return Holdout(float(share), seed, frozenset(queries))


def _parse_trained(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not all(_is_int(v) for v in value.values()):
        raise ValueError("trained must be an object of integers")
    return {str(k): v for k, v in value.items()}


def check_candidates(router: KnnRouter, candidates: Sequence[str]) -> None:
    """Refuse a router that could answer a model the config does not list in router.candidates."""
    if not candidates:
        raise RouterFileError("router.candidates is empty: list the models the router may pick")
    known = {c.strip() for c in candidates}
    unknown = [label for label in router.labels if label not in known]
    if unknown:
        raise RouterFileError(
            f"label {unknown[0]!r} is not in router.candidates ({len(unknown)} unknown)"
        )


def load_router(data: bytes, candidates: Sequence[str]) -> KnnRouter:
    """Bytes of a router file -> a validated router whose labels are all configured candidates."""
    router = loads(data)
    check_candidates(router, candidates)
    return router
