"""Smoke: the harness builds a runtime that answers through the echo provider."""

from __future__ import annotations

import pytest

from tests.harness import ask, running_runtime

pytestmark = pytest.mark.anyio


async def test_echo_answers_with_model_prefix() -> None:
    async with running_runtime() as runtime:
        assert await ask(runtime, "hello") == "[echo] hello"
