"""`pick_route`: what a turn does with an `auto/auto` route."""

from __future__ import annotations

import pytest

from tests.router_support import (
    CANDIDATES,
    CHAT_MODEL,
    CODE_MODEL,
    PRIMARY,
    router_config,
    trained_router,
)
from zeroclaw_py.models.refs import Route
from zeroclaw_py.router.model import KnnRouter
from zeroclaw_py.router.routing import AUTO_ROUTE, fallback_route, is_auto, pick_route

CODE_QUESTION = "why does my python function raise an exception in the unit test"
CHAT_MESSAGE = "thanks friend, the weekend trip to the beach was sunny and happy"


@pytest.fixture
def router() -> KnnRouter:
    return trained_router()


def route_of(ref: str) -> Route:
    provider, _, model = ref.partition("/")
    return Route(provider, model)


def test_auto_route_asks_the_router_per_message(router: KnnRouter) -> None:
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION, router) == route_of(CODE_MODEL)
    assert pick_route(config, AUTO_ROUTE, CHAT_MESSAGE, router) == route_of(CHAT_MODEL)
    assert pick_route(config, Route("Auto", "AUTO"), CHAT_MESSAGE, router) == route_of(CHAT_MODEL)


def test_other_routes_are_left_alone(router: KnnRouter) -> None:
    config = router_config("unused.json")
    pinned = Route("openai", "gpt-4o", "openai:work")
    assert pick_route(config, pinned, CODE_QUESTION, router) is pinned
    model_named_auto = Route("openai", "auto")
    assert pick_route(config, model_named_auto, CODE_QUESTION, router) is model_named_auto
    assert not is_auto(model_named_auto)


def test_without_a_router_the_primary_answers() -> None:
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION, None) == route_of(PRIMARY)


def test_no_answer_or_a_dropped_candidate_falls_back_to_the_primary(router: KnnRouter) -> None:
    config = router_config("unused.json")
    assert pick_route(config, AUTO_ROUTE, "zzz qqq", router) == route_of(
        PRIMARY
    )  # no shared feature
    narrowed = router_config("unused.json", candidates=(CHAT_MODEL,))
    assert pick_route(narrowed, AUTO_ROUTE, CODE_QUESTION, router) == route_of(PRIMARY)
    assert pick_route(narrowed, AUTO_ROUTE, CHAT_MESSAGE, router) == route_of(CHAT_MODEL)


def test_fallback_when_the_primary_is_auto_itself() -> None:
    config = router_config("unused.json", primary="auto/auto")
    assert fallback_route(config) == route_of(CANDIDATES[0])
    assert pick_route(config, AUTO_ROUTE, CODE_QUESTION, None) == route_of(CANDIDATES[0])
    bare = router_config("unused.json", primary="auto/auto", candidates=())
    assert fallback_route(bare) == Route("echo", "echo")
