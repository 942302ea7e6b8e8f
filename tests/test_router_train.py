"""`zeroclaw router train` / `zeroclaw router eval` on a synthetic dataset, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.router_support import CHAT_MODEL, CODE_MODEL, synthetic_rows, write_jsonl
from zeroclaw_py.cli import main
from zeroclaw_py.router.model import loads
from zeroclaw_py.router.train import is_held_out, parse_rows, train


def accuracy(output: str) -> float:
    match = re.search(r"held-out accuracy: ([\d.]+)% \((\d+)/(\d+)\)", output)
    assert match is not None, output
    return float(match.group(1))


def test_train_then_eval_beats_chance_on_the_same_held_out_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", synthetic_rows(200))
    model = tmp_path / "router.json"

    assert main(["router", "train", str(data), "-o", str(model), "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert "read 600 rows: 200 queries, 3 models, 2 labels" in out
    assert f"{CODE_MODEL}: best for 100 queries" in out
    train_accuracy = accuracy(out)
    assert train_accuracy >= 90.0  # two balanced labels: chance is 50%

    router = loads(model.read_bytes())
    assert router.k == 3
    assert set(router.labels) == {CODE_MODEL, CHAT_MODEL}
    held = len(router.holdout.queries)
    assert 20 <= held <= 60  # ~20% of 200
    assert len(router.vectors) == 200 - held

    assert main(["router", "eval", str(data), "-m", str(model)]) == 0
    out = capsys.readouterr().out
    assert accuracy(out) == train_accuracy  # eval scores exactly the rows training held out
    assert f"/{held});" in out
    assert "always answering the commonest label: " in out
    assert re.search(rf"{re.escape(CHAT_MODEL)}: \d+/\d+", out)


def test_split_is_deterministic_and_train_never_sees_held_out_queries() -> None:
    lines = [json.dumps(row) for row in synthetic_rows(100)]
    first = train(parse_rows(lines), holdout=0.3)
    second = train(parse_rows(lines), holdout=0.3)
    assert first.held_out == second.held_out
    assert 15 <= len(first.held_out) <= 45
    assert all(is_held_out(q, 0.3, 0) for q in first.held_out)
    assert first.train_queries + len(first.held_out) == 100
    assert len(first.router.vectors) == first.train_queries
    assert not any(query in first.router.dumps() for query in first.held_out)  # digests only


def test_label_is_the_best_scoring_model_first_listed_wins_ties() -> None:
    lines = [
        '{"query": "q1", "model": "a/x", "score": 0.2}',
        '{"query": "q1", "model": "b/y", "score": 0.7}',
        '{"query": "q2", "model": "a/x", "score": 0.5}',
        '{"query": "q2", "model": "b/y", "score": 0.5}',
        "",
        '{"query": "q3", "model": "b/y", "score": 1}',
        '{"query": "q3", "model": "a/x", "score": 0.9}',
        '{"query": "q3", "model": "b/y", "score": 0.1}',
    ]
    data = parse_rows(lines)
    assert data.rows == 7
    # q3: b/y averages 0.55 over its two rows, a/x has 0.9
    assert data.labels == {"q1": "b/y", "q2": "a/x", "q3": "a/x"}


BAD_INPUT = [
    ("not json\n", "data.jsonl:1: invalid JSON"),
    ('{"query": "q", "model": "a/b", "score": 1}\n[1, 2]\n', "data.jsonl:2: expected an object"),
    ('{"query": "q", "model": "a/b", "score": 1, "task": "x"}\n', "unknown field 'task'"),
    ('{"query": "q", "model": "a/b"}\n', "data.jsonl:1: missing field 'score'"),
    ('{"query": "", "model": "a/b", "score": 1}\n', "'query' must be a non-empty string"),
    ('{"query": "q", "model": "gpt-4o", "score": 1}\n', "'model' must be \"<provider>/<model>\""),
    ('{"query": "q", "model": "a/b", "score": "high"}\n', "'score' must be a finite number"),
    ('{"query": "q", "model": "a/b", "score": true}\n', "'score' must be a finite number"),
    ("\n\n", "no rows"),
]


@pytest.mark.parametrize(("content", "message"), BAD_INPUT)
def test_bad_training_data_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(content, encoding="utf-8")
    out_path = tmp_path / "router.json"
    assert main(["router", "train", str(data), "-o", str(out_path)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not out_path.exists()


def test_missing_files_and_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["router", "train", str(tmp_path / "nope.jsonl")]) == 1
    assert "nope.jsonl: no such file" in capsys.readouterr().err

    data = write_jsonl(tmp_path / "data.jsonl", synthetic_rows(20))
    assert main(["router", "train", str(data), "--holdout", "1.5"]) == 1
    assert "--holdout must be at least 0 and below 1" in capsys.readouterr().err
    assert main(["router", "train", str(data), "--k", "0"]) == 1
    assert "--k must be between 1 and 1000" in capsys.readouterr().err

    assert main(["router", "eval", str(data), "-m", str(tmp_path / "none.json")]) == 1
    assert "none.json: no such file" in capsys.readouterr().err


def test_eval_without_held_out_rows_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", synthetic_rows(30))
    model = tmp_path / "router.json"
    assert main(["router", "train", str(data), "-o", str(model), "--holdout", "0"]) == 0
    assert "held-out accuracy" not in capsys.readouterr().out
    assert main(["router", "eval", str(data), "-m", str(model)]) == 1
    err = capsys.readouterr().err
    assert "none of its 30 queries was held out" in err
    assert "--holdout 0" in err


def test_eval_refuses_a_pickle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pickle

    data = write_jsonl(tmp_path / "data.jsonl", synthetic_rows(10))
    model = tmp_path / "router.pkl"
    model.write_bytes(pickle.dumps({"format": "zeroclaw-router"}))
    assert main(["router", "eval", str(data), "-m", str(model)]) == 1
    assert "only JSON router files are accepted" in capsys.readouterr().err
