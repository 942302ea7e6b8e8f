"""`zeroclaw router train` and `zeroclaw router eval` (SPEC §8).

Errors are `RouterError`s with one line each (the CLI prints `error: ...` and exits 1); nothing
here imports the daemon's heavy libraries.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from pathlib import Path

from zeroclaw_py.fsutil import atomic_write_text
from zeroclaw_py.router.model import KnnRouter, RouterError, loads
from zeroclaw_py.router.train import EvalReport, held_out_labels, read_dataset
from zeroclaw_py.router.train import evaluate as score_router
from zeroclaw_py.router.train import train as train_router


def train(args: argparse.Namespace) -> int:
    data = read_dataset(Path(args.data))
    report = train_router(data, k=args.k, holdout=args.holdout)
    router = report.router
    counts = _label_counts(data.labels.values())
    print(
        f"read {data.rows} rows: {len(data.labels)} queries, {len(data.models)} models, "
        f"{len(counts)} labels"
    )
    for label, count in counts.items():
        print(f"  {label}: best for {count} queries")
    print(
        f"trained on {report.train_queries} queries (k={router.k}); held out {len(report.held_out)}"
    )
    if report.held_out:
        _print_accuracy(score_router(router, report.held_out))
    text = router.dumps()
    output = Path(args.output)
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise RouterError(f"{output}: cannot write ({exc.strerror or exc})") from None
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    print(f"wrote {output} (strategy knn, version {version})")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    router = read_router(Path(args.model))
    data = read_dataset(Path(args.data))
    labels = held_out_labels(router, data)
    if not labels:
        raise RouterError(
            f"{args.data}: none of its {len(data.labels)} queries was held out when "
            f"{args.model} was trained (trained with --holdout {router.holdout.share:g})"
        )
    print(f"{args.model}: version {router.version}, k={router.k}, {len(router.labels)} labels")
    _print_accuracy(score_router(router, labels))
    return 0


def read_router(path: Path) -> KnnRouter:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RouterError(f"{path}: no such file") from None
    except OSError as exc:
        raise RouterError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return loads(data)
    except RouterError as exc:
        raise RouterError(f"{path}: {exc}") from None


def _print_accuracy(report: EvalReport) -> None:
    majority = max(total for _, total in report.per_label.values()) / report.total
    print(
        f"held-out accuracy: {report.accuracy:.1%} ({report.correct}/{report.total}); "
        f"always answering the commonest label: {majority:.1%}"
    )
    for label, (correct, total) in sorted(report.per_label.items()):
        print(f"  {label}: {correct}/{total}")


def _label_counts(labels: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
