"""`pick_route`: what a turn does with an `auto/auto` route."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.router_support import (
    CANDIDATES,
    CHAT_MODEL,
    CODE_MODEL,
    PRIMARY,
    router_config,
    trained_router,
)
from zeroclaw_py import router as registry
from zeroclaw_py.models.refs import Route
from zeroclaw_py.router.routing import AUTO_ROUTE, fallback_route, is_auto, pick_route

CODE_QUESTION = "why does my python function raise an exception in the unit test"
CHAT_MESSAGE = "thanks friend, the weekend trip to the beach was sunny and happy"


@pytest.fixture
def with_router() -> Iterator[None]:
    registry.set_active(trained_router())
    yield
    registry.set_active(None)


def route_of(ref: str) -> Route:
    provider, _, model = ref.partition("/")
    return Route(provider, model)


@pytest.mark.usefixtures("with_router")
def test_auto_route_asks_the_router_per_message() -> None:
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION) == route_of(CODE_MODEL)
    assert pick_route(config, AUTO_ROUTE, CHAT_MESSAGE) == route_of(CHAT_MODEL)
    assert pick_route(config, Route("Auto", "AUTO"), CHAT_MESSAGE) == route_of(CHAT_MODEL)


@pytest.mark.usefixtures("with_router")
def test_other_routes_are_left_alone() -> None:
    config = router_config("unused.json")
    pinned = Route("openai", "gpt-4o", "openai:work")
    assert pick_route(config, pinned, CODE_QUESTION) is pinned
    model_named_auto = Route("openai", "auto")
    assert pick_route(config, model_named_auto, CODE_QUESTION) is model_named_auto
    assert not is_auto(model_named_auto)


def test_without_a_router_the_primary_answers() -> None:
    assert registry.active() is None
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION) == route_of(PRIMARY)


@pytest.mark.usefixtures("with_router")
def test_no_answer_or_a_dropped_candidate_falls_back_to_the_primary() -> None:
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, "zzz qqq") == route_of(PRIMARY)  # no shared feature
    narrowed = router_config("unused.json", candidates=(CHAT_MODEL,))
    assert pick_route(narrowed, AUTO_ROUTE, CODE_QUESTION) == route_of(PRIMARY)
    assert pick_route(narrowed, AUTO_ROUTE, CHAT_MESSAGE) == route_of(CHAT_MODEL)


def test_fallback_when_the_primary_is_auto_itself() -> None:
    config = router_config("unused.json", primary="auto/auto")
    assert fallback_route(config) == route_of(CANDIDATES[0])
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION) == route_of(CANDIDATES[0])
    bare = router_config("unused.json", primary="auto/auto", candidates=())
    assert fallback_route(bare) == Route("echo", "echo")
