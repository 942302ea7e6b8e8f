"""Router file format: round trip, and every way a file is refused with a clear reason."""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.router_support import CANDIDATES, CHAT_MODEL, CODE_MODEL, trained_router
from zeroclaw_py.router.embedding import EmbeddingSettings, embed
from zeroclaw_py.router.model import RouterFileError, load_router, loads

CODE_QUESTION = "why does my python function raise an exception in the unit test"
CHAT_MESSAGE = "thanks friend, the weekend trip to the beach was sunny and happy"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return trained_router().to_json()


def blob(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def test_round_trip_predicts_the_same_and_routes_by_topic(document: dict[str, Any]) -> None:
    built = trained_router()
    loaded = load_router(built.dumps().encode(), CANDIDATES)
    assert loaded.version
    assert len(loaded.version) == 16
    assert loaded.settings == built.settings
    assert loaded.labels == built.labels
    assert len(loaded.vectors) == len(built.vectors)
    for text in (CODE_QUESTION, CHAT_MESSAGE, "hello python", "zzz qqq"):
        assert loaded.predict(text) == built.predict(text)
    assert loaded.predict(CODE_QUESTION) == CODE_MODEL
    assert loaded.predict(CHAT_MESSAGE) == CHAT_MODEL
    assert loaded.predict("zzz qqq") is None  # shares no feature with any training query


def test_embedding_is_deterministic_and_normalised() -> None:
    settings = EmbeddingSettings()
    first = embed("Fix the Python bug, fix it now", settings, None)
    assert first == embed("fix the python BUG, fix it now", settings, None)
    assert abs(sum(v * v for v in first.values()) - 1.0) < 1e-9
    other = EmbeddingSettings(seed=1)
    assert set(embed("fix the python bug", other, None)) != set(
        embed("fix the python bug", settings, None)
    )
    with_chars = EmbeddingSettings(char_ngrams=(3, 4))
    assert len(embed("pythonic", with_chars, None)) > len(embed("pythonic", settings, None))


def test_settings_stored_in_the_file_are_used_at_inference() -> None:
    from tests.router_support import synthetic_rows
    from zeroclaw_py.router.train import parse_rows, train

    lines = [json.dumps(row) for row in synthetic_rows(60)]
    settings = EmbeddingSettings(dims=1 << 12, char_ngrams=(3, 4), seed=42)
    router = train(parse_rows(lines), holdout=0, settings=settings).router
    loaded = loads(router.dumps().encode())
    assert loaded.settings == settings
    assert loaded.predict(CODE_QUESTION) == router.predict(CODE_QUESTION) == CODE_MODEL


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


def _drop(key: str) -> Mutation:
    return lambda doc: doc.pop(key)


REJECTED: list[tuple[str, Mutation, str]] = [
    ("wrong version", _set("version", 2), "unsupported version 2 (this build reads 1)"),
    ("not a router", _set("format", "sklearn"), 'expected "format": "zeroclaw-router"'),
    ("unknown strategy", _set("strategy", "svm"), "unknown strategy 'svm'"),
    ("unknown field", _set("extra", 1), "unknown field 'extra'"),
    ("missing field", _drop("rows"), "missing 'rows'"),
    ("bad k", _set("k", 0), "k must be an integer"),
    ("embedding kind", _set("embedding.kind", "minilm"), "unknown kind 'minilm'"),
    ("embedding dims", _set("embedding.dims", 1000), "dims must be a power of two"),
    ("embedding hash", _set("embedding.hash", "md5"), "unsupported hash 'md5'"),
    ("embedding setting", _set("embedding.size", 3), "unknown setting 'size'"),
    ("row shapes", lambda d: d["rows"]["labels"].pop(), "differ in length"),
    ("row label", lambda d: d["rows"]["labels"].__setitem__(0, 9), "label index outside labels"),
    ("index range", lambda d: d["rows"]["indices"][0].__setitem__(0, 1 << 30), "outside the"),
    ("row lengths", lambda d: d["rows"]["values"][0].append(0.5), "row 0: indices and values"),
    ("nan weight", lambda d: d["rows"]["values"][0].__setitem__(0, "x"), "finite numbers"),
    ("bad label", _set("labels", ["gpt-4o"]), 'expected "<provider>/<model>"'),
    ("no labels", _set("labels", []), "labels is empty"),
    ("holdout", _set("holdout.share", 1.5), "holdout.share must be"),
]


@pytest.mark.parametrize(
    ("mutate", "reason"), [(m, r) for _, m, r in REJECTED], ids=[n for n, _, _ in REJECTED]
)
def test_bad_files_are_rejected_with_a_reason(
    document: dict[str, Any], mutate: Mutation, reason: str
) -> None:
    doc = json.loads(json.dumps(document))
    mutate(doc)
    with pytest.raises(RouterFileError) as caught:
        loads(blob(doc))
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_malformed_json_pickle_and_binary_are_rejected() -> None:
    with pytest.raises(RouterFileError, match="invalid JSON at line 1"):
        loads(b'{"format": "zeroclaw-router", ')
    with pytest.raises(RouterFileError, match="pickle"):
        loads(pickle.dumps({"format": "zeroclaw-router", "version": 1}))
    with pytest.raises(RouterFileError, match="not UTF-8"):
        loads(b"\xff\xfe\x00garbage")


def test_labels_must_be_configured_candidates(document: dict[str, Any]) -> None:
    data = blob(document)
    assert load_router(data, CANDIDATES).labels
    with pytest.raises(
        RouterFileError, match=re.escape(f"label '{CODE_MODEL}' is not in router.candidates")
    ):
        load_router(data, (CHAT_MODEL,))
    with pytest.raises(RouterFileError, match=r"router\.candidates is empty"):
        load_router(data, ())
