"""What each chat command does (SPEC §6). Commands never call the LLM; each returns one reply.

The reply strings live in `replies.py`; what `/models X` and `/model X` resolve to, and the switch
itself, live in `switching.py` (shared with the web pickers).
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zeroclaw_py.runtime.commands import Command
from zeroclaw_py.runtime.replies import model_help, providers_help, render, with_lines
from zeroclaw_py.runtime.switching import SwitchRefused, switch

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.context import Runtime


@dataclass(frozen=True)
class CommandContext:
    runtime: Runtime
    config: Config
    key: str
    channel: str


# models_cache.json parsed once per file version: /model and did-you-mean read it per command.
_CACHE_MEMO: dict[Path, tuple[tuple[int, int], dict[str, list[str]]]] = {}


def cached_models(ctx: CommandContext, provider: str) -> list[str]:
    """The provider's cached model ids (models_cache.json, by canonical id); [] when unknown."""
    from zeroclaw_py.models.cache import cache_path, read_entries

    path = cache_path(ctx.runtime.state_dir)
    try:
        stat = path.stat()
    except OSError:
        return []
    version = (stat.st_mtime_ns, stat.st_size)
    memo = _CACHE_MEMO.get(path)
    if memo is None or memo[0] != version:
        by_provider: dict[str, list[str]] = {}
        for entry in read_entries(ctx.runtime.state_dir):
            by_provider.setdefault(entry.provider, list(entry.models))  # the first entry wins
        if len(_CACHE_MEMO) > 16:
            _CACHE_MEMO.clear()
        memo = _CACHE_MEMO[path] = (version, by_provider)
    return memo[1].get(provider, [])


async def _show_providers(ctx: CommandContext, arg: str | None) -> str:
    from zeroclaw_py.providers.registry import listed_providers

    route = await ctx.runtime.get_route(ctx.key)
    lines = ((spec.id, spec.aliases) for spec in listed_providers(ctx.config))
    return providers_help(route.provider, route.model, lines)


async def _set_provider(ctx: CommandContext, arg: str | None) -> str:
    try:
        done = await switch(
            ctx.runtime, ctx.config, ctx.key, channel=ctx.channel, provider=arg or ""
        )
    except SwitchRefused as exc:
        return str(exc)
    return render("provider_switched", provider=done.route.provider, model=done.route.model)


async def _show_model(ctx: CommandContext, arg: str | None) -> str:
    route = await ctx.runtime.get_route(ctx.key)
    return model_help(route.provider, route.model, cached_models(ctx, route.provider))


def _did_you_mean(ctx: CommandContext, model: str, provider: str) -> str | None:
    known = cached_models(ctx, provider)
    if not known or model in known:
        return None
    # Case is compared loosely: `GPT-4o` is as close to `gpt-4o` as a match gets.
    by_folded = {m.casefold(): m for m in reversed(known)}  # the first spelling wins
    close = difflib.get_close_matches(model.casefold(), list(by_folded), n=1)
    if not close:
        return None
    return render("model_not_cached", model=model, provider=provider, close=by_folded[close[0]])


async def _set_model(ctx: CommandContext, arg: str | None) -> str:
    try:
        done = await switch(ctx.runtime, ctx.config, ctx.key, channel=ctx.channel, model=arg or "")
    except SwitchRefused as exc:
        return str(exc)
    route = done.route
    return with_lines(
        render("model_switched", model=route.model, provider=route.provider),
        render("profile_set", profile=route.profile) if route.profile else None,
        _did_you_mean(ctx, route.model, route.provider),
    )


async def _new_conversation(ctx: CommandContext, arg: str | None) -> str:
    await ctx.runtime.forget_history(ctx.key)
    return render("history_cleared")


HANDLERS: dict[str, Callable[[CommandContext, str | None], Awaitable[str]]] = {
    "show_providers": _show_providers,
    "set_provider": _set_provider,
    "show_model": _show_model,
    "set_model": _set_model,
    "new": _new_conversation,
}


async def run_command(ctx: CommandContext, command: Command) -> str:
    return await HANDLERS[command.name](ctx, command.arg)
