"""Training data -> a kNN router, and held-out evaluation.

Data is JSONL, one row per (query, candidate model): `{"query": str, "model": "provider/model",
"score": number}`. The label of a query is its best-scoring model (ties: the first listed;
repeated (query, model) rows are averaged). A deterministic split keyed on a hash of the query
holds out a share of queries; their digests go into the router file so `router eval` scores
exactly the rows training never saw.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zeroclaw_py.router.embedding import EmbeddingSettings, SparseVector, term_counts, weigh
from zeroclaw_py.router.model import Holdout, KnnRouter, RouterError, query_digest

ROW_FIELDS = ("query", "model", "score")
# Features in more than this share of training queries are dropped from the index: they barely
# separate models and their long posting lists dominate routing cost.
MAX_DF = 0.5
MIN_ROWS_FOR_PRUNING = 100


@dataclass(frozen=True)
class Dataset:
    rows: int
    labels: dict[str, str]  # query -> best model, in first-seen order
    models: tuple[str, ...]  # every model seen, in first-seen order


def read_dataset(path: Path) -> Dataset:
    """Read and check a JSONL file; every problem names its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RouterError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise RouterError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise RouterError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse_rows(text.splitlines(), str(path))


def parse_rows(lines: Iterable[str], name: str = "data") -> Dataset:
    scores: dict[str, dict[str, list[float]]] = {}
    models: dict[str, None] = {}
    rows = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        query, model, score = _parse_line(line, f"{name}:{number}")
        scores.setdefault(query, {}).setdefault(model, []).append(score)
        models[model] = None
        rows += 1
    if not rows:
        raise RouterError(f'{name}: no rows (expected JSON lines {{"query", "model", "score"}})')
    labels = {query: _best(by_model) for query, by_model in scores.items()}
    return Dataset(rows, labels, tuple(models))


def _parse_line(line: str, where: str) -> tuple[str, str, float]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RouterError(f"{where}: invalid JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise RouterError(f"{where}: expected an object with {', '.join(ROW_FIELDS)}")
    if unknown := sorted(set(row) - set(ROW_FIELDS)):
        raise RouterError(f"{where}: unknown field {unknown[0]!r}")
    if missing := [f for f in ROW_FIELDS if f not in row]:
        raise RouterError(f"{where}: missing field {missing[0]!r}")
    query, model, score = row["query"], row["model"], row["score"]
    if not isinstance(query, str) or not query.strip():
        raise RouterError(f"{where}: 'query' must be a non-empty string")
    provider, sep, model_id = model.partition("/") if isinstance(model, str) else ("", "", "")
    if not sep or not provider.strip() or not model_id.strip():
        raise RouterError(f"{where}: 'model' must be \"<provider>/<model>\"")
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise RouterError(f"{where}: 'score' must be a finite number")
    return query.strip(), model.strip(), float(score)


def _best(by_model: Mapping[str, list[float]]) -> str:
    means = {model: sum(s) / len(s) for model, s in by_model.items()}
    return max(means, key=means.__getitem__)  # first listed wins a tie


def is_held_out(query: str, share: float, seed: int) -> bool:
    """Deterministic: the same query lands on the same side for the same share and seed."""
    digest = hashlib.sha256(f"{seed}:{query}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < share


@dataclass
class TrainReport:
    router: KnnRouter
    train_queries: int
    held_out: dict[str, str] = field(default_factory=dict)  # query -> label


def train(
    data: Dataset,
    *,
    k: int = 5,
    holdout: float = 0.2,
    seed: int = 0,
    settings: EmbeddingSettings | None = None,
) -> TrainReport:
    if not 1 <= k <= 1000:
        raise RouterError("--k must be between 1 and 1000")
    if not 0 <= holdout < 1:
        raise RouterError("--holdout must be at least 0 and below 1")
    settings = settings or EmbeddingSettings()
    settings.check()
    held = {q: m for q, m in data.labels.items() if is_held_out(q, holdout, seed)}
    kept = [(q, m) for q, m in data.labels.items() if q not in held]
    if not kept:
        raise RouterError("every query was held out; lower --holdout or add data")
    counts = [term_counts(query, settings) for query, _ in kept]
    idf = _idf(counts, len(kept))
    labels = tuple(dict.fromkeys(m for _, m in kept))
    index = {label: i for i, label in enumerate(labels)}
    vectors: list[SparseVector] = [weigh(c, idf) for c in counts]
    router = KnnRouter(
        settings=settings,
        idf=idf,
        labels=labels,
        row_labels=[index[m] for _, m in kept],
        vectors=vectors,
        k=k,
        models=data.models,
        holdout=Holdout(holdout, seed, frozenset(query_digest(q) for q in held)),
        trained={"rows": data.rows, "queries": len(data.labels), "at_unix": int(time.time())},
    )
    return TrainReport(router, len(kept), held)


def _idf(counts: list[list[tuple[dict[int, int], float]]], n: int) -> dict[int, float]:
    """Smoothed idf per dim; with enough rows, dims in more than MAX_DF of them are dropped."""
    df: dict[int, int] = {}
    for groups in counts:
        for dim in {d for group, _ in groups for d in group}:
            df[dim] = df.get(dim, 0) + 1
    limit = MAX_DF * n if n >= MIN_ROWS_FOR_PRUNING else math.inf
    return {dim: math.log((1 + n) / (1 + seen)) + 1.0 for dim, seen in df.items() if seen <= limit}


@dataclass
class EvalReport:
    total: int = 0
    correct: int = 0
    per_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [correct, total]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(router: KnnRouter, labels: Mapping[str, str]) -> EvalReport:
    """Accuracy of `router` on `labels` (query -> best model)."""
    report = EvalReport()
    for query, expected in labels.items():
        hit = router.predict(query) == expected
        tally = report.per_label.setdefault(expected, [0, 0])
        tally[0] += hit
        tally[1] += 1
        report.correct += hit
        report.total += 1
    return report


def held_out_labels(router: KnnRouter, data: Dataset) -> dict[str, str]:
    """The queries of `data` that `router` was trained without."""
    wanted = router.holdout.queries
    return {q: m for q, m in data.labels.items() if query_digest(q) in wanted}
