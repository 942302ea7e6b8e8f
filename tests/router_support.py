"""Helpers for the router tests: a synthetic training set and router configs.

The data has two kinds of queries with different best models, so a working router must be far
above the 50% a coin flip gets: programming questions are best answered by `CODE_MODEL`,
chit-chat by `CHAT_MODEL`; a third model is scored on every query but never best.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from zeroclaw_py.config.schema import AgentConfig, Config, ModelChain, RouterConfig
from zeroclaw_py.router.model import KnnRouter
from zeroclaw_py.router.train import parse_rows, train

CODE_MODEL = "anthropic/claude-opus-4-5"
CHAT_MODEL = "openai/gpt-4o-mini"
OTHER_MODEL = "groq/llama-3.1-8b"
CANDIDATES = (CODE_MODEL, CHAT_MODEL, OTHER_MODEL)
PRIMARY = "openai/gpt-4o"

_CODE = (
    "python function bug error exception stack trace compile rust borrow checker async await "
    "class method refactor unit test regex sql query join index database api json parse "
    "typescript type generic segfault pointer memory leak docker build dependency"
)
_CHAT = (
    "hello hi thanks weather weekend movie coffee joke friend birthday dinner music party "
    "holiday trip beach song game dog cat garden sunny rainy tired happy morning evening"
)
_FILLER = "how do i what is the a my this can you please tell me about with for"
CODE_WORDS = _CODE.split()
CHAT_WORDS = _CHAT.split()
FILLER = _FILLER.split()


def sentence(rng: random.Random, words: list[str]) -> str:
    parts = [rng.choice(words) if rng.random() < 0.6 else rng.choice(FILLER) for _ in range(9)]
    return " ".join(parts)


def synthetic_rows(n: int = 160, seed: int = 3) -> list[dict[str, object]]:
    """`n` queries (alternating code / chat), one row per (query, model)."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n):
        code = i % 2 == 0
        query = f"{sentence(rng, CODE_WORDS if code else CHAT_WORDS)} ({i})"
        best = CODE_MODEL if code else CHAT_MODEL
        for model in CANDIDATES:
            score = 0.9 if model == best else round(rng.uniform(0.1, 0.6), 3)
            rows.append({"query": query, "model": model, "score": score})
    return rows


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def trained_router(n: int = 80, seed: int = 3, holdout: float = 0.0) -> KnnRouter:
    lines = [json.dumps(row) for row in synthetic_rows(n, seed)]
    return train(parse_rows(lines), k=3, holdout=holdout).router


def router_config(
    model_path: str | Path | None,
    *,
    candidates: tuple[str, ...] = CANDIDATES,
    hot_reload: bool = True,
    strategy: str | None = "knn",
    primary: str = PRIMARY,
) -> Config:
    return Config(
        agent=AgentConfig(model=ModelChain(primary=primary)),
        router=RouterConfig(
            strategy=strategy,
            model_path=str(model_path) if model_path is not None else None,
            hot_reload=hot_reload,
            reload_interval=300,
            candidates=candidates,
        ),
    )
