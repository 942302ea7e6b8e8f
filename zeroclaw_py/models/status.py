"""`zeroclaw models status` (SPEC §4, §7): what a turn would use, without calling anything.

Prints the default route, the fallback chain (global and per model), aliases, the image model,
the reliability knobs, and per provider the auth profile order with each profile's state
(ready, cooling down, disabled for billing, or unusable and why). Reads config.toml and
auth-profiles.json only: no network, no daemon needed, no secrets printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from zeroclaw_py import paths
from zeroclaw_py.config.schema import Config
from zeroclaw_py.models.auth import AuthProfiles, ProfileChoice, declared_profiles, norm_provider
from zeroclaw_py.models.auth_store import AuthProfileStore, AuthStoreData


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _state(choice: ProfileChoice, now: float) -> str:
    if choice.available:
        return "ready"
    left = _duration(choice.blocked_until - now)
    if choice.blocked_reason == "cooldown":
        return f"cooling down, {left} left"
    return f"disabled ({choice.blocked_reason}), {left} left"


def _auth_providers(config: Config, data: AuthStoreData) -> list[str]:
    names = [norm_provider(p.provider) for p in config.auth.profiles.values()]
    names += [norm_provider(k) for k in config.auth.order]
    names += [norm_provider(str(c.get("provider", ""))) for c in data.profiles.values()]
    return list(dict.fromkeys(n for n in names if n))


def auth_lines(config: Config, store: AuthProfileStore, now: Callable[[], float]) -> list[str]:
    data = store.load()
    manager = AuthProfiles(store, now=now)
    lines: list[str] = []
    for provider in _auth_providers(config, data):
        explicit = any(norm_provider(k) == provider for k in config.auth.order)
        source = "auth.order" if explicit else "oauth > token > api_key, least recently used"
        lines.append(f"  {provider} (order: {source})")
        order = manager.order(config, provider)
        for index, choice in enumerate(order, 1):
            lines.append(f"    {index}. {choice.id} [{choice.type}] {_state(choice, now())}")
        usable = {c.id for c in order}
        wanted: list[str] = []  # the explicit order first, so the listing follows it
        for key, ids in config.auth.order.items():
            if norm_provider(key) == provider:
                wanted += list(ids)
        wanted += declared_profiles(config, provider)
        for pid in dict.fromkeys(wanted):
            if pid in usable:
                continue
            cred = data.profile(pid)
            name = pid.partition(":")[2] or "default"
            login = f"zeroclaw login {provider}" + (
                "" if name == "default" else f" --profile {name}"
            )
            if cred is None:
                why = f"no credential stored (run `{login}`)"
            elif norm_provider(str(cred.get("provider", ""))) != provider:
                why = f"stored credential is for `{cred.get('provider')}`"
            else:
                why = "credential does not match the declared mode, or is empty/expired"
            lines.append(f"    -  {pid}: {why}")
    return lines


def render_status(
    config: Config, config_path: Path, store: AuthProfileStore, now: Callable[[], float]
) -> str:
    agent = config.agent
    out = [f"Config: {config_path if config.source else 'none (built-in defaults)'}"]
    out.append(f"Default route: {agent.model.primary}")
    out.append(f"Fallbacks: {', '.join(agent.model.fallbacks) or 'none'}")
    per_model = [(k, s.fallbacks) for k, s in agent.models.items() if s.fallbacks is not None]
    if per_model:
        out.append("Per-model fallbacks:")
        out += [f"  {key} -> {', '.join(fbs) or 'none'}" for key, fbs in per_model]
    aliases = [(s.alias, k) for k, s in agent.models.items() if s.alias]
    out.append("Aliases:" if aliases else "Aliases: none")
    out += [f"  {alias} -> {key}" for alias, key in aliases]
    image = agent.image_model
    if image is None:
        out.append("Image model: not configured (text-only models drop images)")
    else:
        out.append(
            f"Image model: {image.primary} (fallbacks: {', '.join(image.fallbacks) or 'none'})"
        )
    rel = config.reliability
    out.append(
        f"Reliability: {rel.provider_retries} retries, backoff {rel.provider_backoff_ms} ms "
        f"(doubling, max 10 s), skip a model for {rel.cooldown_s:g} s after "
        f"{rel.failure_threshold} failures in a row"
    )
    lines = auth_lines(config, store, now)
    out.append(f"Auth profiles ({store.path}):" if lines else "Auth profiles: none")
    out += lines
    return "\n".join(out) + "\n"


def main(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    from zeroclaw_py.config.load import load_config

    config_path = paths.config_path(getattr(args, "config", None))
    config = load_config(config_path)
    store = AuthProfileStore(paths.state_dir() / paths.AUTH_PROFILES_FILE)
    (out or sys.stdout).write(render_status(config, config_path, store, time.time))
    return 0
