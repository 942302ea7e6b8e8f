"""Agent turns: streaming, errors as one scrubbed line, bad input, metrics (SPEC §5)."""

from __future__ import annotations

import pytest

from tests.fakes.provider_payloads import FakeError
from tests.fakes.provider_server import FakeProvider
from tests.harness import ask, ask_all, openai_provider, running_runtime
from zeroclaw_py.metrics import REGISTRY
from zeroclaw_py.providers.base import ImagePart
from zeroclaw_py.runtime.dispatcher import MAX_MESSAGE_CHARS

pytestmark = pytest.mark.anyio


def _config(fake: FakeProvider) -> str:
    primary = '[agent.model]\nprimary = "f/m"\n'
    return primary + openai_provider("f", fake, "configured-key-abcdef")


def _chat_requests(fake: FakeProvider) -> int:
    return len([r for r in fake.requests if r.model])


async def test_streaming_sends_tokens_then_finishes_with_the_whole_answer() -> None:
    async with running_runtime() as runtime:
        responder = await ask_all(runtime, "one two three", streams=True)
    assert "".join(responder.tokens) == "[echo] one two three"
    assert len(responder.tokens) > 1
    assert [a.text for a in responder.answers] == ["[echo] one two three"]
    assert (responder.answers[0].provider, responder.answers[0].model) == ("echo", "echo")
    assert responder.typing_count == 1


async def test_provider_error_is_one_scrubbed_line_and_serving_continues() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        leak = "bad request for key sk-live1234567890abcdef and configured-key-abcdef"
        fake.queue("m", error=FakeError(kind="bad_request", message=leak))
        responder = await ask_all(runtime, "hello")
        assert len(responder.sent) == 1
        reply = responder.sent[0]
        assert reply.startswith("⚠️ Error: ")
        assert "sk-live" not in reply
        assert "configured-key-abcdef" not in reply
        assert "Traceback" not in reply
        assert responder.answers == []
        assert await runtime.get_history("test_alice") == ()
        assert await ask(runtime, "again") == "[m] again"


async def test_error_in_the_middle_of_a_stream_is_reported() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m", reply="a b c d", cut_after=2, stream_error="overloaded")
        responder = await ask_all(runtime, "hello", streams=True)
    assert responder.answers == []
    assert responder.sent[-1].startswith("⚠️ Error: ")


async def test_turn_timeout_has_its_own_reply() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m", reply="late", delay=2.0)
        runtime.turn_timeout_s = 0.2
        reply = await ask(runtime, "hello")
    assert reply == "⚠️ Request timed out while waiting for the model. Please try again."


async def test_empty_answer_is_reported() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        fake.script("m", reply="")
        assert await ask(runtime, "hello") == (
            "⚠️ The model returned an empty answer. Please try again."
        )


async def test_unknown_default_provider_gets_the_init_failure_reply() -> None:
    async with running_runtime('[agent.model]\nprimary = "nosuch/model"\n') as runtime:
        reply = await ask(runtime, "hello")
        assert reply.startswith(
            "⚠️ Failed to initialize provider `nosuch`. Please run `/models` to choose another "
            "provider.\nDetails: "
        )
        assert await ask(runtime, "/models echo") != ""
        assert await ask(runtime, "hello") == "[model] hello"


async def test_oversized_message_is_refused_without_a_provider_call() -> None:
    async with FakeProvider() as fake, running_runtime(_config(fake)) as runtime:
        text = "x" * (MAX_MESSAGE_CHARS + 1)
        reply = await ask(runtime, text)
        assert reply == (
            f"⚠️ Your message is too long ({MAX_MESSAGE_CHARS + 1} characters; the limit is "
            f"{MAX_MESSAGE_CHARS}). Please send a shorter message."
        )
        assert _chat_requests(fake) == 0
        assert await ask(runtime, "x" * MAX_MESSAGE_CHARS) == "[m] " + "x" * MAX_MESSAGE_CHARS


async def test_control_characters_are_dropped() -> None:
    async with running_runtime() as runtime:
        assert await ask(runtime, "he\x00llo\x07 wor\x1bld\u0085") == "[echo] hello world"
        assert await ask(runtime, "\x00/model\x00 m2") == (
            "Model switched to `m2` for provider `echo` in this sender session."
        )


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01"])
async def test_empty_messages_are_ignored(text: str) -> None:
    async with running_runtime() as runtime:
        responder = await ask_all(runtime, text)
    assert responder.events == []


async def test_unsupported_attachment_gets_a_note() -> None:
    async with running_runtime() as runtime:
        alone = await ask_all(runtime, "", unsupported_attachments=("voice",))
        with_text = await ask_all(runtime, "hi", unsupported_attachments=("document a.pdf",))
    assert alone.replies == ["⚠️ I can only read text and images; this was ignored: voice."]
    assert with_text.replies == [
        "⚠️ I can only read text and images; this was ignored: document a.pdf.",
        "[echo] hi",
    ]


async def test_images_reach_the_provider_but_not_the_stored_history() -> None:
    image = ImagePart(b"\x89PNG...", "image/png")
    vision = '[providers.echo]\nmodels = [{ id = "echo", input = ["text", "image"] }]\n'
    async with running_runtime(vision) as runtime:
        assert await ask(runtime, "look", images=(image,)) == "[echo] look (+1 image)"
        assert await ask(runtime, "", images=(image,)) == "[echo]  (+1 image)"
        history = await runtime.get_history("test_alice")
    assert all(m.images == () for m in history)


def _count(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "zeroclaw_messages_total", {"channel": "metrics-test", "outcome": outcome}
    )
    return value or 0.0


async def test_messages_are_counted_by_outcome() -> None:
    async with running_runtime() as runtime:
        before = {o: _count(o) for o in ("answered", "command", "ignored")}
        await ask(runtime, "hi", channel="metrics-test")
        await ask(runtime, "/model", channel="metrics-test")
        await ask(runtime, "", channel="metrics-test")
    assert {o: _count(o) - before[o] for o in before} == {
        "answered": 1,
        "command": 1,
        "ignored": 1,
    }
