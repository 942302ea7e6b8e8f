"""`/model auto` end to end: the routing model picks a candidate per message (SPEC §8).

Needs the integration in runtime/turn.py, models/refs.py and runtime/handlers.py (owned by the
runtime; see zeroclaw_py/router/routing.py). Skipped until the turn calls `pick_route`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import ask, running_runtime
from tests.router_support import synthetic_rows
from zeroclaw_py.router.model import KnnRouter
from zeroclaw_py.router.train import parse_rows, train
from zeroclaw_py.runtime import turn

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        "pick_route" not in Path(turn.__file__).read_text(encoding="utf-8"),
        reason="runtime/turn.py does not call router.routing.pick_route yet",
    ),
]

CODE, CHAT = "echo/code-model", "echo/chat-model"
CONFIG = f"""\
[agent.model]
primary = "echo/primary-model"

[router]
strategy = "knn"
model_path = "unused-here.json"
candidates = ["{CODE}", "{CHAT}"]
"""


@pytest.fixture
def echo_router() -> KnnRouter:
    """A router over the synthetic data whose labels are echo models (answers name them)."""
    lines = []
    for row in synthetic_rows(80):
        label = {"anthropic/claude-opus-4-5": CODE, "openai/gpt-4o-mini": CHAT}.get(
            str(row["model"]), "echo/never-best"
        )
        lines.append(json.dumps({**row, "model": label}))
    return train(parse_rows(lines), k=3, holdout=0).router


async def test_model_auto_routes_each_message(tmp_path: Path, echo_router: KnnRouter) -> None:
    async with running_runtime(CONFIG, home=tmp_path) as runtime:
        runtime.router = echo_router  # what the router service publishes
        assert await ask(runtime, "hello there") == "[primary-model] hello there"
        reply = await ask(runtime, "/model auto")
        assert reply == "Model switched to `auto` for provider `auto` in this sender session."
        code = "why does my python function raise an exception in the unit test"
        assert await ask(runtime, code) == f"[code-model] {code}"
        chat = "thanks friend, the weekend trip to the beach was sunny"
        assert await ask(runtime, chat) == f"[chat-model] {chat}"
        runtime.router = None  # no router loaded: the primary answers
        assert await ask(runtime, chat) == f"[primary-model] {chat}"
