"""Every user-facing string the runtime sends: one table, rendered by name (SPEC §6, §1.9).

`\\n` in a template is a real newline and back-quotes are literal (Telegram Markdown and Discord
render them as code). Templates use `str.format` fields; `render(name, **fields)` fills one.
The two multi-line help texts are assembled by `providers_help` and `model_help` from the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MODEL_PREVIEW_LIMIT = 10

REPLIES: dict[str, str] = {
    # /models
    "current": "Current provider: `{provider}`\nCurrent model: `{model}`\n",
    "providers_hint": (
        "\nSwitch provider with `/models <provider>`.\n"
        "Switch model with `/model <model-id>`.\n\n"
        "Available providers:\n"
    ),
    "provider_line": "- {name}\n",
    "provider_line_aliases": "- {name} (aliases: {aliases})\n",
    "provider_switched": (
        "Provider switched to `{provider}` for this sender session. Current model is `{model}`.\n"
        "Use `/model <model-id>` to set a provider-compatible model."
    ),
    "provider_unknown": "Unknown provider `{raw}`. Use `/models` to list valid providers.",
    "provider_init_failed": (
        "Failed to initialize provider `{provider}`. Route unchanged.\nDetails: {error}"
    ),
    # /model
    "model_hint": "\nSwitch model with `/model <model-id>`.\n\n",
    "model_cached_header": "Cached model IDs (top {count}):\n",
    "model_cached_line": "- `{model}`\n",
    "model_no_cache": (
        "No cached model list found for `{provider}`. Ask the operator to run "
        "`zeroclaw models refresh --provider {provider}`.\n"
    ),
    "model_empty": "Model ID cannot be empty. Use `/model <model-id>`.",
    "model_switched": (
        "Model switched to `{model}` for provider `{provider}` in this sender session."
    ),
    "profile_set": "Auth profile set to `{profile}`.",
    "profile_not_found": "Auth profile `{profile}` not found.",
    "profile_wrong_provider": "Auth profile `{profile}` is for `{owner}`, not `{provider}`.",
    "profile_empty": "Auth profile name cannot be empty. Use `/model <model-id>@<profile>`.",
    "profile_in_chat": "Pin an auth profile in the chat with `/model <model-id>@<profile>`.",
    "model_not_cached": (
        "Note: `{model}` is not in the cached model list for `{provider}`. Did you mean `{close}`?"
    ),
    # /new, /clear
    "history_cleared": "Conversation history cleared. Starting fresh.",
    # allowlist
    "denied": (
        "🔒 You are not allowed to talk to this bot yet. Your id is `{user_id}`: ask the operator "
        "to add it to `channels_config.{channel}.allowed_users` in config.toml."
    ),
    # turns
    "turn_provider_init_failed": (
        "⚠️ Failed to initialize provider `{provider}`. Please run `/models` to choose another "
        "provider.\nDetails: {error}"
    ),
    "turn_provider_removed": (
        "⚠️ Provider `{provider}` is no longer configured, so your conversation is back on the "
        "default `{default_provider}` / `{default_model}`."
    ),
    "turn_error": "⚠️ Error: {error}",
    "turn_timeout": "⚠️ Request timed out while waiting for the model. Please try again.",
    "turn_empty_answer": "⚠️ The model returned an empty answer. Please try again.",
    "message_too_long": (
        "⚠️ Your message is too long ({length} characters; the limit is {limit}). "
        "Please send a shorter message."
    ),
    "unsupported_attachments": ("⚠️ I can only read text and images; this was ignored: {kinds}."),
}


def render(reply: str, /, **fields: object) -> str:
    return REPLIES[reply].format(**fields)


def providers_help(
    provider: str, model: str, providers: Iterable[tuple[str, Sequence[str]]]
) -> str:
    """The `/models` text: current route, hints, then one line per (name, aliases)."""
    lines = [render("current", provider=provider, model=model), REPLIES["providers_hint"]]
    for name, aliases in providers:
        if aliases:
            lines.append(render("provider_line_aliases", name=name, aliases=", ".join(aliases)))
        else:
            lines.append(render("provider_line", name=name))
    return "".join(lines)


def model_help(provider: str, model: str, cached: Sequence[str]) -> str:
    """The `/model` text: current route, hint, then the cached ids or the refresh advice."""
    parts = [render("current", provider=provider, model=model), REPLIES["model_hint"]]
    preview = cached[:MODEL_PREVIEW_LIMIT]
    if preview:
        parts.append(render("model_cached_header", count=len(preview)))
        parts.extend(render("model_cached_line", model=m) for m in preview)
    else:
        parts.append(render("model_no_cache", provider=provider))
    return "".join(parts)


def with_lines(first: str, *more: str | None) -> str:
    """`first` plus each non-empty extra line (profile set, did-you-mean note)."""
    return "\n".join([first, *(line for line in more if line)])
