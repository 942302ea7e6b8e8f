"""The one legacy-key mapping (SPEC §3), shared by the loader and `zeroclaw doctor --fix`.

`map_legacy` rewrites a parsed document in place. It only uses the `MutableMapping` interface, so
the loader runs it on the plain dict from `tomllib` (in memory, nothing written) and the migration
runs it on a `tomlkit` document (comments and layout kept) — the same steps, never two copies.
Secrets found in legacy keys (`[reliability] api_keys`) are handed back, not stored: moving them to
`auth-profiles.json` is the migration's job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from zeroclaw_py.errors import ConfigIssue

# What ZeroClaw used when `default_provider` / `default_model` were absent.
ZEROCLAW_DEFAULT_PROVIDER = "openrouter"
ZEROCLAW_DEFAULT_MODEL = "anthropic/claude-sonnet-4"

Table = MutableMapping[str, Any]
# Makes a new table to go inside `parent`; `True` = only a parent of other tables (tomlkit then
# writes no header for it).
TableFactory = Callable[[Table, bool], Table]


def dict_table(parent: Table, is_super: bool) -> Table:
    """The factory for plain dicts (the loader's in-memory mapping)."""
    return {}


@dataclass(frozen=True)
class LegacySecret:
    """An API key that leaves the config for `auth-profiles.json` under `profile_id`."""

    profile_id: str
    provider: str
    key: str


@dataclass(frozen=True)
class LegacyChange:
    """One applied mapping: the legacy key it came from and a line a human can read."""

    legacy_path: str
    text: str


@dataclass
class LegacyResult:
    changes: list[LegacyChange] = field(default_factory=list)
    errors: list[ConfigIssue] = field(default_factory=list)
    secrets: list[LegacySecret] = field(default_factory=list)


_NOT_A_TABLE = "expected a table (legacy keys cannot be migrated into it)"


class _Conflict(Exception):
    """A step needs a table or list where the document has another value; never overwrite it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(path)
        self.path = path
        self.message = message


class _Ctx:
    """The document being mapped plus the helpers every step needs."""

    def __init__(self, doc: Table, new_table: TableFactory) -> None:
        self.doc = doc
        self.new_table = new_table
        self.result = LegacyResult()

    def table(self, *keys: str) -> Table:
        """The table at `keys`, created (empty) when missing."""
        node = self.doc
        for depth, key in enumerate(keys, start=1):
            child = node.get(key)
            if child is not None and not isinstance(child, MutableMapping):
                raise _Conflict(".".join(keys[:depth]), _NOT_A_TABLE)
            if child is None:
                child = self.new_table(node, depth < len(keys))
                node[key] = child
                child = node[key]
            node = child
        return node

    def get(self, *keys: str) -> Any:
        node: Any = self.doc
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return plain(node)

    def change(self, legacy_path: str, text: str) -> None:
        self.result.changes.append(LegacyChange(legacy_path, text))

    def error(self, path: str, message: str) -> None:
        self.result.errors.append(ConfigIssue(path, message))

    def default_route(self) -> tuple[str, str]:
        """The default provider and model after the route steps ran (ZeroClaw's when unset)."""
        primary = self.get("agent", "model", "primary")
        if isinstance(primary, str):
            provider, sep, model = primary.strip().partition("/")
            if sep and provider and model:
                return provider, model
        return ZEROCLAW_DEFAULT_PROVIDER, ZEROCLAW_DEFAULT_MODEL


def plain(value: Any) -> Any:
    """A tomlkit item as plain Python (str, list, dict); plain values pass through."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def show(value: Any) -> str:
    """TOML-looking rendering of a string or list of strings for change lines."""
    return json.dumps(value, ensure_ascii=False)


def _string_list(ctx: _Ctx, path: str, value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    ctx.error(path, "expected a list of strings")
    return None


def _append_unique(ctx: _Ctx, keys: tuple[str, ...], leaf: str, items: list[str]) -> list[str]:
    """Append the new `items` to the list at `keys.leaf` (in place, so its layout is kept)."""
    table = ctx.table(*keys)
    if leaf not in table:
        table[leaf] = []
    current = table[leaf]
    if not isinstance(current, list):
        raise _Conflict(".".join((*keys, leaf)), "expected a list of strings")
    added = [item for item in items if item not in [str(x) for x in current]]
    for item in added:
        current.append(item)
    return added


# --- ZeroClaw flat keys ----------------------------------------------------------------------

# ZeroClaw's URL provider forms -> (name of the `[providers.*]` table made for it, wire kind).
# A route is "<provider>/<model>" split at the first "/", so a URL cannot stay in the route.
_URL_PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("anthropic-custom:", "anthropic-custom", "anthropic"),
    ("custom:", "custom", "openai"),
)


def _named_provider(ctx: _Ctx, legacy_path: str, name: str) -> str:
    """`name`, or for `custom:<url>` the name of a `[providers.*]` table (made when missing)."""
    for prefix, base, kind in _URL_PROVIDERS:
        if not name.lower().startswith(prefix):
            continue
        url = name[len(prefix) :].strip()
        providers = ctx.get("providers")
        taken = providers if isinstance(providers, Mapping) else {}
        number = 1
        candidate = base
        while candidate in taken and taken[candidate].get("api_url") != url:
            number += 1
            candidate = f"{base}-{number}"
        if candidate not in taken:
            table = ctx.table("providers", candidate)
            table["kind"] = kind
            table["api_url"] = url
            ctx.change(
                legacy_path,
                f"moved {show(name)} from {legacy_path} -> providers.{candidate}"
                f" (kind = {show(kind)}, api_url = {show(url)})",
            )
        return candidate
    return name.strip()


def _zc_default_route(ctx: _Ctx) -> None:
    provider, model = ctx.get("default_provider"), ctx.get("default_model")
    present = [
        k for k, v in (("default_provider", provider), ("default_model", model)) if v is not None
    ]
    if not present:
        return
    label = " + ".join(present)
    for key, value in (("default_provider", provider), ("default_model", model)):
        if value is not None and not (isinstance(value, str) and value.strip()):
            ctx.error(key, "expected a non-empty string")
            return
    existing = ctx.get("agent", "model")
    for key in present:
        del ctx.doc[key]
    if isinstance(existing, Mapping) and existing.get("primary"):
        ctx.change(present[0], f"removed {label} (agent.model.primary is already set)")
        return
    name = _named_provider(ctx, present[0], provider or ZEROCLAW_DEFAULT_PROVIDER)
    primary = f"{name}/{(model or ZEROCLAW_DEFAULT_MODEL).strip()}"
    ctx.table("agent", "model")["primary"] = primary
    ctx.change(present[0], f"moved {label} -> agent.model.primary = {show(primary)}")


def _zc_api_url(ctx: _Ctx) -> None:
    url = ctx.get("api_url")
    if url is None:
        return
    if not isinstance(url, str):
        ctx.error("api_url", "expected a string")
        return
    del ctx.doc["api_url"]
    provider, _ = ctx.default_route()
    settings = ctx.table("providers", provider)
    if settings.get("api_url"):
        ctx.change("api_url", f"removed api_url (providers.{provider}.api_url is already set)")
        return
    settings["api_url"] = url
    ctx.change("api_url", f"moved api_url -> providers.{provider}.api_url = {show(url)}")


def _zc_fallback_providers(ctx: _Ctx) -> None:
    value = ctx.get("reliability", "fallback_providers")
    if value is None:
        return
    path = "reliability.fallback_providers"
    names = _string_list(ctx, path, value)
    if names is None:
        return
    del ctx.doc["reliability"]["fallback_providers"]
    provider, model = ctx.default_route()
    refs = [f"{_named_provider(ctx, path, name)}/{model}" for name in names]
    refs = [ref for ref in refs if ref != f"{provider}/{model}"]  # the primary is tried anyway
    added = _append_unique(ctx, ("agent", "model"), "fallbacks", refs)
    ctx.change(path, f"moved {path} -> agent.model.fallbacks += {show(added)}")


def _zc_model_fallbacks(ctx: _Ctx) -> None:
    value = ctx.get("reliability", "model_fallbacks")
    if value is None:
        return
    path = "reliability.model_fallbacks"
    if not isinstance(value, Mapping):
        ctx.error(path, "expected a table of model -> list of models")
        return
    provider, _ = ctx.default_route()
    chains: dict[str, list[str]] = {}
    for model, chain in value.items():
        names = _string_list(ctx, f"{path}.{show(model)}", chain)
        if names is None:
            return
        chains[model] = names
    del ctx.doc["reliability"]["model_fallbacks"]
    if not chains:
        ctx.change(path, f"removed empty {path}")
        return
    for model, names in chains.items():
        key = f"{provider}/{model}"
        refs = [f"{provider}/{name}" for name in names]
        ctx.table("agent", "models", key)["fallbacks"] = refs
        ctx.change(
            path, f"moved {path}.{show(model)} -> agent.models.{show(key)}.fallbacks = {show(refs)}"
        )


def _zc_api_keys(ctx: _Ctx) -> None:
    value = ctx.get("reliability", "api_keys")
    if value is None:
        return
    path = "reliability.api_keys"
    keys = _string_list(ctx, path, value)
    if keys is None:
        return
    del ctx.doc["reliability"]["api_keys"]
    if not keys:
        ctx.change(path, f"removed empty {path}")
        return
    provider, _ = ctx.default_route()
    profiles = ctx.table("auth", "profiles")
    ids: list[str] = []
    number = 0
    for key in keys:
        number += 1
        while f"{provider}:key{number}" in profiles:
            number += 1
        profile_id = f"{provider}:key{number}"
        entry = ctx.new_table(profiles, False)
        entry["provider"] = provider
        entry["mode"] = "api_key"
        profiles[profile_id] = entry
        ids.append(profile_id)
        ctx.result.secrets.append(LegacySecret(profile_id, provider, key))
    _append_unique(ctx, ("auth", "order"), provider, ids)
    ctx.change(
        path,
        f"moved {path} ({len(keys)} key{'s' if len(keys) > 1 else ''}) -> auth profiles "
        f"{', '.join(ids)} (keys in auth-profiles.json) + auth.order.{provider}",
    )


def _zc_channels_cli(ctx: _Ctx) -> None:
    # ZeroClaw's onboarding always wrote `cli = true`; here the terminal is `zeroclaw chat`.
    if ctx.get("channels_config", "cli") is None:
        return
    del ctx.doc["channels_config"]["cli"]
    ctx.change("channels_config.cli", "removed channels_config.cli (use `zeroclaw chat`)")


# --- OpenClaw camelCase keys under [agent] ---------------------------------------------------


def _oc_model(ctx: _Ctx) -> None:
    value = ctx.get("agent", "model")
    if not isinstance(value, str):
        return
    del ctx.doc["agent"]["model"]
    ctx.table("agent", "model")["primary"] = value.strip()
    ctx.change("agent.model", f"moved agent.model (string) -> agent.model.primary = {show(value)}")


def _oc_image_model(ctx: _Ctx) -> None:
    value = ctx.get("agent", "imageModel")
    if value is None:
        return
    if isinstance(value, str):
        value = {"primary": value.strip()}
    if not isinstance(value, Mapping):
        ctx.error("agent.imageModel", "expected a string")
        return
    del ctx.doc["agent"]["imageModel"]
    target = ctx.table("agent", "image_model")
    for key, item in value.items():
        target.setdefault(key, item)
    ctx.change("agent.imageModel", "moved agent.imageModel -> agent.image_model")


def _oc_fallbacks(legacy: str, chain: str) -> Callable[[_Ctx], None]:
    def step(ctx: _Ctx) -> None:
        value = ctx.get("agent", legacy)
        if value is None:
            return
        path = f"agent.{legacy}"
        names = _string_list(ctx, path, value)
        if names is None:
            return
        del ctx.doc["agent"][legacy]
        target = ctx.table("agent", chain)
        if plain(target.get("fallbacks")):
            ctx.change(path, f"removed {path} (agent.{chain}.fallbacks is already set)")
            return
        target["fallbacks"] = names
        ctx.change(path, f"moved {path} -> agent.{chain}.fallbacks = {show(names)}")

    return step


def _oc_allowed_models(ctx: _Ctx) -> None:
    value = ctx.get("agent", "allowedModels")
    if value is None:
        return
    names = _string_list(ctx, "agent.allowedModels", value)
    if names is None:
        return
    del ctx.doc["agent"]["allowedModels"]
    for name in names:
        ctx.table("agent", "models", name)
    ctx.change(
        "agent.allowedModels", f"moved agent.allowedModels -> agent.models keys {show(names)}"
    )


def _oc_model_aliases(ctx: _Ctx) -> None:
    value = ctx.get("agent", "modelAliases")
    if value is None:
        return
    path = "agent.modelAliases"
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        ctx.error(path, "expected a table of alias -> provider/model")
        return
    del ctx.doc["agent"]["modelAliases"]
    for alias, target in value.items():
        settings = ctx.table("agent", "models", target.strip())
        if plain(settings.get("alias")):
            ctx.change(
                path, f"kept agent.models.{show(target)}.alias (ignored alias {show(alias)})"
            )
            continue
        settings["alias"] = alias
        ctx.change(
            path, f"moved {path}.{alias} -> agent.models.{show(target)}.alias = {show(alias)}"
        )


# Order matters: the route steps run first because later steps read the default provider/model.
STEPS: tuple[Callable[[_Ctx], None], ...] = (
    _oc_model,
    _zc_default_route,
    _zc_api_url,
    _oc_fallbacks("modelFallbacks", "model"),
    _oc_image_model,
    _oc_fallbacks("imageModelFallbacks", "image_model"),
    _oc_allowed_models,
    _oc_model_aliases,
    _zc_fallback_providers,
    _zc_model_fallbacks,
    _zc_api_keys,
    _zc_channels_cli,
)


def _drop_emptied_tables(ctx: _Ctx) -> None:
    """A table the migration emptied (e.g. `[reliability]` that held only legacy keys) goes too,
    so the file does not keep a bare header; tables the user left empty are left alone."""
    touched = {c.legacy_path.split(".", 1)[0] for c in ctx.result.changes if "." in c.legacy_path}
    for name in sorted(touched):
        value = ctx.doc.get(name)
        if isinstance(value, Mapping) and not value:
            del ctx.doc[name]


def map_legacy(doc: Table, *, new_table: TableFactory = dict_table) -> LegacyResult:
    """Rewrite every legacy key of `doc` in place; `new_table` makes the tables it adds."""
    ctx = _Ctx(doc, new_table)
    for step in STEPS:
        try:
            step(ctx)
        except _Conflict as exc:
            ctx.error(exc.path, exc.message)
    _drop_emptied_tables(ctx)
    return ctx.result
