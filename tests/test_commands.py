"""Chat commands: every parsing rule (SPEC §6, zeroclaw.md §1.3) and every reply string."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import ask, ask_all, running_runtime
from zeroclaw_py.runtime.commands import Command, parse_command

pytestmark = pytest.mark.anyio

# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/models", Command("show_providers")),
        ("  /models  ", Command("show_providers")),
        ("\u00a0\t/models\n", Command("show_providers")),
        ("/MODELS", Command("show_providers")),
        ("/Models@MyBot", Command("show_providers")),
        ("/models@", Command("show_providers")),
        ("/models@a@b", Command("show_providers")),
        ("/models openai", Command("set_provider", "openai")),
        ("/models OpenAI extra words", Command("set_provider", "OpenAI")),
        ("/models@bot\u00a0groq", Command("set_provider", "groq")),
        ("/model", Command("show_model")),
        ("/model   ", Command("show_model")),
        ("/model gpt-4o", Command("set_model", "gpt-4o")),
        ("/model a  b\tc\nd", Command("set_model", "a b c d")),
        ("/model `GPT-4o`", Command("set_model", "`GPT-4o`")),
        ("/model@bot x", Command("set_model", "x")),
        ("/new", Command("new")),
        ("/clear", Command("new")),
        ("/NEW@bot please", Command("new")),
    ],
)
def test_commands_are_parsed(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello /models",
        "/modelsx",
        "/model_list",
        "/start",
        "/",
        "／models",  # full-width solidus
        "models",
        "",
        "   ",
        "/MODEİ",  # non-ASCII letters are not lower-cased into a command
    ],
)
def test_other_text_is_chat(text: str) -> None:
    assert parse_command(text) is None


# --- replies ---------------------------------------------------------------------------------

LISTED = """\
- openrouter
- anthropic
- openai
- openai-codex (aliases: openai_codex, codex)
- ollama
- gemini (aliases: google, google-gemini)
- venice
- vercel (aliases: vercel-ai)
- cloudflare (aliases: cloudflare-ai)
- moonshot (aliases: kimi)
- kimi-code (aliases: kimi_coding, kimi_for_coding)
- synthetic
- opencode (aliases: opencode-zen)
- zai (aliases: z.ai)
- glm (aliases: zhipu)
- minimax
- bedrock (aliases: aws-bedrock)
- qianfan (aliases: baidu)
- qwen (aliases: dashscope, qwen-intl, dashscope-intl, qwen-us, dashscope-us)
- groq
- mistral
- xai (aliases: grok)
- deepseek
- together (aliases: together-ai)
- fireworks (aliases: fireworks-ai)
- perplexity
- cohere
- copilot (aliases: github-copilot)
- lmstudio (aliases: lm-studio)
- nvidia (aliases: nvidia-nim, build.nvidia.com)
- ovhcloud (aliases: ovh)
"""


async def test_models_lists_providers_in_the_exact_layout() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models")
    assert reply == (
        "Current provider: `echo`\nCurrent model: `echo`\n\n"
        "Switch provider with `/models <provider>`.\n"
        "Switch model with `/model <model-id>`.\n\n"
        "Available providers:\n" + LISTED + "- echo\n"
    )


async def test_models_lists_custom_providers_after_echo() -> None:
    config = '[providers.local-vllm]\nkind = "openai"\napi_url = "http://127.0.0.1:9/v1"\n'
    async with running_runtime(config) as runtime:
        reply = await ask(runtime, "/models")
    assert reply.endswith("- ovhcloud (aliases: ovh)\n- echo\n- local-vllm\n")


async def test_switch_provider_keeps_model_and_names_canonical_id() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models GROK")
        assert reply == (
            "Provider switched to `xai` for this sender session. Current model is `echo`.\n"
            "Use `/model <model-id>` to set a provider-compatible model."
        )
        route = await runtime.get_route("test_alice")
    assert (route.provider, route.model) == ("xai", "echo")


async def test_regional_alias_keeps_its_region() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models dashscope-us")
        assert "`qwen-us`" in reply
        assert (await runtime.get_route("test_alice")).provider == "qwen-us"


async def test_unknown_provider_is_named_as_typed() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models NoSuchThing")
    assert reply == "Unknown provider `NoSuchThing`. Use `/models` to list valid providers."


async def test_malformed_custom_url_fails_to_initialize_with_reason() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/models custom:not-a-url")
        assert reply.startswith(
            "Failed to initialize provider `custom:not-a-url`. Route unchanged.\nDetails: "
        )
        assert await runtime.get_override("test_alice") is None


async def test_default_custom_provider_can_be_switched_back_to() -> None:
    """Quirk 1.11.1 fixed: the default provider is always reachable with /models."""
    config = (
        '[agent.model]\nprimary = "local-vllm/llama"\n'
        '[providers.local-vllm]\nkind = "openai"\napi_url = "http://127.0.0.1:9/v1"\n'
    )
    async with running_runtime(config) as runtime:
        await ask(runtime, "/models echo")
        assert (await runtime.get_route("test_alice")).provider == "echo"
        reply = await ask(runtime, "/models local-vllm")
        assert reply.startswith("Provider switched to `local-vllm`")
        assert await runtime.get_override("test_alice") is None  # back on the default


async def test_show_model_without_cache() -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, "/model")
    assert reply == (
        "Current provider: `echo`\nCurrent model: `echo`\n\n"
        "Switch model with `/model <model-id>`.\n\n"
        "No cached model list found for `echo`. Ask the operator to run "
        "`zeroclaw models refresh --provider echo`.\n"
    )


def _write_cache(home: Path, provider: str, models: list[str]) -> None:
    state = home / "state"
    state.mkdir(parents=True, exist_ok=True)
    entry = {"provider": provider, "fetched_at_unix": 1, "models": models}
    (state / "models_cache.json").write_text(json.dumps({"entries": [entry]}))


async def test_show_model_lists_top_ten_cached_ids(tmp_path: Path) -> None:
    _write_cache(tmp_path, "echo", [f"model-{i:02d}" for i in range(1, 13)])
    async with running_runtime(home=tmp_path) as runtime:
        reply = await ask(runtime, "/model")
    expected_tail = "\nCached model IDs (top 10):\n" + "".join(
        f"- `model-{i:02d}`\n" for i in range(1, 11)
    )
    assert reply.endswith("Switch model with `/model <model-id>`.\n" + expected_tail)


async def test_show_model_counts_fewer_ids(tmp_path: Path) -> None:
    _write_cache(tmp_path, "echo", ["a", "b"])
    async with running_runtime(home=tmp_path) as runtime:
        reply = await ask(runtime, "/model")
    assert reply.endswith("Cached model IDs (top 2):\n- `a`\n- `b`\n")


async def test_show_model_reads_cache_by_canonical_id(tmp_path: Path) -> None:
    _write_cache(tmp_path, "xai", ["grok-4"])
    async with running_runtime(home=tmp_path) as runtime:
        await ask(runtime, "/models grok")
        reply = await ask(runtime, "/model")
    assert reply.endswith("Cached model IDs (top 1):\n- `grok-4`\n")


@pytest.mark.parametrize(
    ("arg", "model"),
    [
        ("gpt-4o", "gpt-4o"),
        ("`gpt-4o`", "gpt-4o"),
        (" ` `gpt-4o` ` ", "gpt-4o"),
        ("claude-sonnet-4-5@20251001", "claude-sonnet-4-5@20251001"),
        ("llama3@q8_0", "llama3@q8_0"),
        ("mlx-model@4bit", "mlx-model@4bit"),
        ("vendor/some-model", "vendor/some-model"),  # unknown prefix: a model on echo
    ],
)
async def test_set_model_on_current_provider(arg: str, model: str) -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, f"/model {arg}")
        assert reply == f"Model switched to `{model}` for provider `echo` in this sender session."
        assert await ask(runtime, "hi") == f"[{model}] hi"


@pytest.mark.parametrize("arg", ["``", "` `", "`", " `` `  ` "])
async def test_empty_model_is_refused(arg: str) -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, f"/model {arg}")
        assert reply == "Model ID cannot be empty. Use `/model <model-id>`."
        assert await runtime.get_override("test_alice") is None


async def test_provider_prefix_switches_provider() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "/models anthropic")
        reply = await ask(runtime, "/model openai/gpt-4o")
        assert reply == "Model switched to `gpt-4o` for provider `openai` in this sender session."
        route = await runtime.get_route("test_alice")
    assert (route.provider, route.model) == ("openai", "gpt-4o")


async def test_namespaced_provider_keeps_the_whole_id() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "/models openrouter")
        reply = await ask(runtime, "/model anthropic/claude-sonnet-4")
    assert reply == (
        "Model switched to `anthropic/claude-sonnet-4` for provider `openrouter` "
        "in this sender session."
    )


async def test_alias_is_case_insensitive_and_picks_provider() -> None:
    config = '[agent.models."anthropic/claude-opus-4-5"]\nalias = "Opus"\n'
    async with running_runtime(config) as runtime:
        reply = await ask(runtime, "/model opus")
    assert reply == (
        "Model switched to `claude-opus-4-5` for provider `anthropic` in this sender session."
    )


PROFILES = """
[auth.profiles."anthropic:work"]
provider = "anthropic"
[auth.profiles."openai:main"]
provider = "openai"
"""


async def test_profile_pin_adds_a_line() -> None:
    async with running_runtime(PROFILES) as runtime:
        reply = await ask(runtime, "/model anthropic/claude-opus-4-5@anthropic:work")
        assert reply == (
            "Model switched to `claude-opus-4-5` for provider `anthropic` in this sender session."
            "\nAuth profile set to `anthropic:work`."
        )
        route = await runtime.get_route("test_alice")
    assert route.profile == "anthropic:work"


async def test_profile_not_found_and_wrong_provider() -> None:
    async with running_runtime(PROFILES) as runtime:
        missing = await ask(runtime, "/model anthropic/claude@anthropic:home")
        wrong = await ask(runtime, "/model anthropic/claude@openai:main")
        assert missing == "Auth profile `anthropic:home` not found."
        assert wrong == "Auth profile `openai:main` is for `openai`, not `anthropic`."
        assert await runtime.get_override("test_alice") is None


async def test_empty_profile_is_refused() -> None:
    async with running_runtime(PROFILES) as runtime:
        reply = await ask(runtime, "/model gpt-4o@")
        assert reply == "Auth profile name cannot be empty. Use `/model <model-id>@<profile>`."
        assert await runtime.get_override("test_alice") is None


async def test_did_you_mean_from_cached_ids(tmp_path: Path) -> None:
    _write_cache(tmp_path, "echo", ["gpt-4o", "gpt-4o-mini", "o3"])
    async with running_runtime(home=tmp_path) as runtime:
        close = await ask(runtime, "/model gpt-4p")
        far = await ask(runtime, "/model zzzzzz")
        known = await ask(runtime, "/model o3")
    assert close == (
        "Model switched to `gpt-4p` for provider `echo` in this sender session.\n"
        "Note: `gpt-4p` is not in the cached model list for `echo`. Did you mean `gpt-4o`?"
    )
    assert far == "Model switched to `zzzzzz` for provider `echo` in this sender session."
    assert known == "Model switched to `o3` for provider `echo` in this sender session."


async def test_new_and_clear_reset_history() -> None:
    async with running_runtime() as runtime:
        await ask(runtime, "remember me")
        assert len(await runtime.get_history("test_alice")) == 2
        for command in ("/new", "/clear"):
            assert await ask(runtime, command) == "Conversation history cleared. Starting fresh."
            assert await runtime.get_history("test_alice") == ()


async def test_commands_never_call_the_model_or_type() -> None:
    async with running_runtime() as runtime:
        for text in ("/models", "/model", "/models groq", "/model x", "/new"):
            responder = await ask_all(runtime, text)
            assert responder.answers == []
            assert responder.typing_count == 0
            assert len(responder.sent) == 1


async def test_profile_stored_only_in_auth_profiles_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    stored = {"type": "api_key", "provider": "openai", "key": "stored-key-0123456789"}
    (state / "auth-profiles.json").write_text(
        json.dumps({"version": 1, "profiles": {"openai:stored": stored}})
    )
    async with running_runtime(home=tmp_path) as runtime:
        reply = await ask(runtime, "/model openai/gpt-4o@openai:stored")
    assert reply.endswith("\nAuth profile set to `openai:stored`.")


@pytest.mark.parametrize("arg", ["auto", "AUTO", "`auto/auto`"])
async def test_model_auto_selects_the_routing_model(arg: str) -> None:
    async with running_runtime() as runtime:
        reply = await ask(runtime, f"/model {arg}")
        assert reply == "Model switched to `auto` for provider `auto` in this sender session."
        # no router loaded: the turn falls back to agent.model.primary, with no removal notice
        assert await ask(runtime, "hi") == "[echo] hi"
        assert (await runtime.get_route("test_alice")).ref == "auto/auto"


async def test_show_model_sees_a_refreshed_cache(tmp_path: Path) -> None:
    _write_cache(tmp_path, "echo", ["old-model"])
    async with running_runtime(home=tmp_path) as runtime:
        assert (await ask(runtime, "/model")).endswith("- `old-model`\n")
        _write_cache(tmp_path, "echo", ["new-model-a", "new-model-b"])
        assert (await ask(runtime, "/model")).endswith("- `new-model-a`\n- `new-model-b`\n")
