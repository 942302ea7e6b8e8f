"""Image routing (SPEC §7.4) with the real catalog built from `[providers.*].models`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fallback_support import ScriptedProvider, ScriptedProviders, make_config, make_deps
from zeroclaw_py.config.schema import Config, ModelChain, ModelEntry, ProviderSettings
from zeroclaw_py.models.catalog import Catalog
from zeroclaw_py.models.fallback import TurnRequest, run_turn
from zeroclaw_py.models.images import NO_VISION_NOTE, plan_images
from zeroclaw_py.models.refs import Route
from zeroclaw_py.providers.base import ImagePart, Message

pytestmark = pytest.mark.anyio

PICTURE = ImagePart(b"\x89PNG...", "image/png")


def _config(image_model: ModelChain | None) -> Config:
    return make_config(
        "pa/text-only",
        ["pb/fallback"],
        image_model=image_model,
        providers={
            "pa": ProviderSettings(
                models=(
                    ModelEntry("text-only"),
                    ModelEntry("vision", input=("text", "image")),
                )
            ),
            "pv": ProviderSettings(models=(ModelEntry("eyes", input=("text", "image")),)),
        },
    )


def _ask(text: str = "what is this?") -> tuple[Message, ...]:
    return (
        Message("user", "earlier"),
        Message("assistant", "ok"),
        Message("user", text, (PICTURE,)),
    )


def _providers() -> tuple[ScriptedProvider, ScriptedProvider, ScriptedProvider]:
    return (
        ScriptedProvider("pa", {"text-only": ["text answer"], "vision": ["I see a cat"]}),
        ScriptedProvider("pb", {"fallback": ["fallback answer"]}),
        ScriptedProvider("pv", {"eyes": ["the vision model sees a cat"]}),
    )


def test_plan_keeps_images_for_a_vision_model(tmp_path: Path) -> None:
    config = _config(None)
    catalog = Catalog.build(config, tmp_path)
    plan = plan_images(config, catalog, "pa", "vision", _ask())
    assert plan.chain is None
    assert plan.note is None
    assert plan.messages[-1].images == (PICTURE,)


def test_unknown_model_counts_as_text_only(tmp_path: Path) -> None:
    config = _config(ModelChain("pv/eyes"))
    plan = plan_images(config, Catalog.build(config, tmp_path), "pa", "never-heard-of", _ask())
    assert plan.chain == ("pv/eyes",)


async def test_text_only_model_routes_images_to_the_configured_image_chain(tmp_path: Path) -> None:
    config = _config(ModelChain("pv/eyes", ("pa/vision",)))
    pa, pb, pv = _providers()
    deps, _ = make_deps(
        config, ScriptedProviders(pa, pb, pv), catalog=Catalog.build(config, tmp_path)
    )
    result = await run_turn(TurnRequest(Route("pa", "text-only"), _ask()), deps)
    assert (result.provider, result.model, result.text) == (
        "pv",
        "eyes",
        "the vision model sees a cat",
    )
    assert pa.calls == []
    assert pb.calls == []


async def test_image_chain_has_its_own_fallbacks(tmp_path: Path) -> None:
    from zeroclaw_py.errors import ModelNotFoundError

    config = _config(ModelChain("pv/eyes", ("pa/vision",)))
    pa, pb, pv = _providers()
    pv.script["eyes"] = [ModelNotFoundError("gone")]
    deps, _ = make_deps(
        config, ScriptedProviders(pa, pb, pv), catalog=Catalog.build(config, tmp_path)
    )
    result = await run_turn(TurnRequest(Route("pa", "text-only"), _ask()), deps)
    assert (result.provider, result.model) == ("pa", "vision")
    assert pb.calls == []


async def test_without_image_model_the_image_is_dropped_and_the_reply_says_so(
    tmp_path: Path,
) -> None:
    config = _config(None)
    pa, pb, pv = _providers()
    seen: list[tuple[Message, ...]] = []
    original = pa.chat

    async def spy(request, *, api_key=None):  # type: ignore[no-untyped-def]
        seen.append(request.messages)
        return await original(request, api_key=api_key)

    pa.chat = spy  # type: ignore[method-assign]
    deps, _ = make_deps(
        config, ScriptedProviders(pa, pb, pv), catalog=Catalog.build(config, tmp_path)
    )
    result = await run_turn(TurnRequest(Route("pa", "text-only"), _ask()), deps)
    assert result.ok
    assert result.text == f"text answer\n\n{NO_VISION_NOTE}"
    assert NO_VISION_NOTE.startswith("⚠️ The current model cannot see images")
    assert all(not m.images for m in seen[0])
    assert seen[0][-1].content == "what is this?"


async def test_image_only_message_without_vision_gets_the_note_and_no_model_call(
    tmp_path: Path,
) -> None:
    config = _config(None)
    pa, pb, pv = _providers()
    deps, _ = make_deps(
        config, ScriptedProviders(pa, pb, pv), catalog=Catalog.build(config, tmp_path)
    )
    result = await run_turn(TurnRequest(Route("pa", "text-only"), _ask(text="")), deps)
    assert result.ok
    assert result.text == NO_VISION_NOTE
    assert pa.calls == []
    assert result.attempts == ()


async def test_messages_without_images_are_untouched(tmp_path: Path) -> None:
    config = _config(ModelChain("pv/eyes"))
    pa, pb, pv = _providers()
    deps, _ = make_deps(
        config, ScriptedProviders(pa, pb, pv), catalog=Catalog.build(config, tmp_path)
    )
    result = await run_turn(
        TurnRequest(Route("pa", "text-only"), (Message("user", "plain"),)), deps
    )
    assert (result.model, result.text) == ("text-only", "text answer")
    assert pv.calls == []
