"""What each chat command does (SPEC §6). Commands never call the LLM; each returns one reply.

The reply strings live in `replies.py`; `/model X` argument resolution lives in `models.refs`.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zeroclaw_py.models.refs import Route, clean_model_arg, resolve_model, split_profile
from zeroclaw_py.router.routing import AUTO
from zeroclaw_py.runtime.commands import Command
from zeroclaw_py.runtime.replies import model_help, providers_help, render, with_lines

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.runtime.context import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandContext:
    runtime: Runtime
    config: Config
    key: str
    channel: str


def _error_detail(exc: BaseException) -> str:
    from zeroclaw_py.providers.scrub import sanitize_api_error

    return sanitize_api_error(str(exc) or type(exc).__name__)


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
    from zeroclaw_py.errors import UnknownProviderError
    from zeroclaw_py.providers.registry import resolve

    raw = arg or ""
    try:
        spec = resolve(raw, ctx.config)
    except UnknownProviderError as exc:  # a malformed custom: URL, with the reason
        return render("provider_init_failed", provider=raw, error=_error_detail(exc))
    if spec is None:
        return render("provider_unknown", raw=raw)
    try:
        await ctx.runtime.get_provider(spec.id, ctx.config)
    except Exception as exc:
        log.warning("provider %s failed to initialize: %s", spec.id, _error_detail(exc))
        return render("provider_init_failed", provider=spec.id, error=_error_detail(exc))
    current = await ctx.runtime.get_route(ctx.key)
    if spec.id != current.provider:
        new = Route(spec.id, current.model)
        await ctx.runtime.switch_route(ctx.key, new, channel=ctx.channel, kind="provider")
    return render("provider_switched", provider=spec.id, model=current.model)


async def _show_model(ctx: CommandContext, arg: str | None) -> str:
    route = await ctx.runtime.get_route(ctx.key)
    return model_help(route.provider, route.model, cached_models(ctx, route.provider))


def _profile_problem(ctx: CommandContext, profile: str, provider: str) -> str | None:
    """None when `profile` may be pinned for `provider`, else the reply explaining why not.

    The profile may be declared in `[auth.profiles]` or only stored in auth-profiles.json.
    """
    from zeroclaw_py.models.auth import validate_profile
    from zeroclaw_py.models.auth_store import AuthProfileStore
    from zeroclaw_py.paths import AUTH_PROFILES_FILE

    store = AuthProfileStore(ctx.runtime.state_dir / AUTH_PROFILES_FILE)
    return validate_profile(ctx.config, profile, provider, store)


def _did_you_mean(ctx: CommandContext, model: str, provider: str) -> str | None:
    known = cached_models(ctx, provider)
    if not known or model in known:
        return None
    close = difflib.get_close_matches(model, known, n=1)
    if not close:
        return None
    return render("model_not_cached", model=model, provider=provider, close=close[0])


async def _set_model(ctx: CommandContext, arg: str | None) -> str:
    text, profile = split_profile(clean_model_arg(arg or ""))
    current = await ctx.runtime.get_route(ctx.key)
    choice = resolve_model(text.strip(), current.provider, ctx.config)
    if choice is None:
        return render("model_empty")
    if profile is not None:
        if not profile.strip():
            return render("profile_empty")
        if (problem := _profile_problem(ctx, profile, choice.provider)) is not None:
            return problem
    if choice.provider != current.provider and choice.provider != AUTO:
        try:
            await ctx.runtime.get_provider(choice.provider, ctx.config)
        except Exception as exc:
            log.warning("provider %s failed to initialize: %s", choice.provider, exc)
            return render(
                "provider_init_failed", provider=choice.provider, error=_error_detail(exc)
            )
    new = Route(choice.provider, choice.model, profile)
    kind = "provider" if choice.provider != current.provider else "model"
    await ctx.runtime.switch_route(ctx.key, new, channel=ctx.channel, kind=kind)
    return with_lines(
        render("model_switched", model=choice.model, provider=choice.provider),
        render("profile_set", profile=profile) if profile else None,
        _did_you_mean(ctx, choice.model, choice.provider),
    )


async def _new_conversation(ctx: CommandContext, arg: str | None) -> str:
    await ctx.runtime.clear_history(ctx.key)
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
