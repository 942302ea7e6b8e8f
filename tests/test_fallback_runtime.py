"""Fallback, profiles and image routing through the real Runtime (dispatcher -> turn -> runner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.provider_server import FakeProvider
from tests.harness import ask, ask_all, running_runtime
from zeroclaw_py.models.auth_store import AuthProfileStore
from zeroclaw_py.providers.base import ImagePart

pytestmark = pytest.mark.anyio


def _config(fake: FakeProvider, extra: str = "") -> str:
    url = fake.base_url("openai")
    return f"""
[agent.model]
primary = "fa/m1"
fallbacks = ["fb/m2"]
[providers.fa]
kind = "openai"
api_url = "{url}"
[providers.fb]
kind = "openai"
api_url = "{url}"
[reliability]
provider_backoff_ms = 1
{extra}
"""


def _calls(fake: FakeProvider, model: str) -> int:
    return len([r for r in fake.requests if r.model == model])


async def test_dead_primary_falls_back_and_then_is_skipped() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m1", error="unavailable")
        first = await ask_all(runtime, "hi")
        assert [(a.text, a.provider, a.model) for a in first.answers] == [("[m2] hi", "fb", "m2")]
        assert _calls(fake, "m1") == 3
        assert await ask(runtime, "again") == "[m2] again"
        assert _calls(fake, "m1") == 3  # breaker open: no ladder on the second message
        history = await runtime.get_history("test_alice")
        assert [m.content for m in history] == ["hi", "[m2] hi", "again", "[m2] again"]


async def test_everything_failing_is_one_scrubbed_message_and_no_history() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m1", error="not_found")
        fake.script("m2", error="server")
        responder = await ask_all(runtime, "hi")
        assert responder.answers == []
        assert len(responder.sent) == 1
        reply = responder.sent[0]
        assert reply.startswith("⚠️ Error: All models failed (2):\n- fa/m1: model not found (")
        assert "\n- fb/m2: server error after 3 tries (" in reply
        assert await runtime.get_history("test_alice") == ()


async def test_cut_stream_keeps_the_streamed_text_and_adds_a_note() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m1", reply="alpha beta gamma delta", cut_after=2)
        responder = await ask_all(runtime, "hi", streams=True)
    assert "".join(responder.tokens).split() == ["alpha", "beta"]
    assert responder.answers == []
    assert responder.sent == [
        "⚠️ Error: The answer was cut off: `fa/m1` failed mid-answer (stream cut off). "
        "The text above is incomplete; send your message again to retry."
    ]
    assert _calls(fake, "m2") == 0


async def test_pinned_profile_applies_to_that_session_only(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / "state" / "auth-profiles.json")
    store.upsert_profile("fa:one", {"type": "api_key", "provider": "fa", "key": "key-one-1111"})
    store.upsert_profile("fa:two", {"type": "api_key", "provider": "fa", "key": "key-two-2222"})
    extra = """
[auth.profiles."fa:one"]
provider = "fa"
[auth.profiles."fa:two"]
provider = "fa"
[auth.order]
fa = ["fa:one", "fa:two"]
"""
    async with (
        FakeProvider() as fake,
        running_runtime(_config(fake, extra), home=tmp_path) as runtime,
    ):
        reply = await ask(runtime, "/model m1@fa:two")
        assert reply.endswith("Auth profile set to `fa:two`.")
        assert await ask(runtime, "/model m1@fa:nope") == "Auth profile `fa:nope` not found."
        assert await ask(runtime, "hi") == "[m1] hi"
        assert fake.requests[-1].api_key == "key-two-2222"
        assert await ask(runtime, "hi", sender="bob") == "[m1] hi"
        assert fake.requests[-1].api_key == "key-one-1111"


async def test_image_goes_to_the_configured_image_model() -> None:
    extra = """
[agent.image_model]
primary = "fb/vision"
"""
    picture = ImagePart(b"\x89PNG fake", "image/png")
    async with FakeProvider() as fake, running_runtime(_config(fake, extra)) as runtime:
        responder = await ask_all(runtime, "what is it?", images=(picture,))
        assert [(a.provider, a.model) for a in responder.answers] == [("fb", "vision")]
        request = fake.requests[-1]
        assert request.model == "vision"
        content = request.json["messages"][-1]["content"]
        assert any(part.get("type") == "image_url" for part in content)
        assert _calls(fake, "m1") == 0


async def test_image_without_image_model_is_dropped_with_a_note() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        picture = ImagePart(b"\x89PNG fake", "image/png")
        reply = await ask(runtime, "what is it?", images=(picture,))
        assert reply.startswith("[m1] what is it?\n\n⚠️ The current model cannot see images")
        assert isinstance(fake.requests[-1].json["messages"][-1]["content"], str)


async def test_context_overflow_trims_the_stored_history_too() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        for word in ("one", "two", "three"):
            await ask(runtime, word)
        fake.queue("m1", error="context")
        assert await ask(runtime, "four") == "[m1] four"
        history = [m.content for m in await runtime.get_history("test_alice")]
    assert history == ["three", "[m1] three", "four", "[m1] four"]


async def test_a_clear_during_an_overflow_retry_is_not_undone_by_the_trim() -> None:
    """`/new` lands while the trimmed retry runs: neither the trimmed history nor the exchange
    may come back afterwards."""
    import asyncio

    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        for word in ("one", "two", "three"):
            await ask(runtime, word)
        seen = len(fake.requests)
        fake.queue("m1", error="context")
        fake.queue("m1", reply="late answer", delay=0.3)
        turn = asyncio.create_task(ask(runtime, "four"))
        await fake.wait_requests(seen + 2)  # the trimmed retry is on the wire
        assert await ask(runtime, "/new") == "Conversation history cleared. Starting fresh."
        assert await turn == "late answer"
        assert await runtime.get_history("test_alice") == ()
