"""`GET /api/models`: what the page's pickers offer (providers, their models, model aliases)."""

from __future__ import annotations

from typing import Any

from zeroclaw_py.gateway.routes import route_payload
from zeroclaw_py.models.refs import split_ref
from zeroclaw_py.providers import registry
from zeroclaw_py.runtime.context import Runtime


def models_payload(runtime: Runtime) -> dict[str, Any]:
    """Every provider a route may name (listed, regional, custom), with the catalog's models.

    `{"providers": [{"id", "name", "aliases", "models": [{"id", "name", "input"}]}],
      "aliases": {"Opus": "anthropic/claude-opus-4-5"}, "default": {"provider", "model"}}`
    """
    config = runtime.config
    models = _catalog_models(runtime)
    specs = (*registry.PROVIDERS, *registry.custom_providers(config))
    providers = [
        {
            "id": spec.id,
            "name": spec.display_name,
            "aliases": list(spec.aliases),
            "models": models.get(spec.id, []),
        }
        for spec in specs
    ]
    aliases = {
        settings.alias: ref for ref, settings in config.agent.models.items() if settings.alias
    }
    return {
        "providers": providers,
        "aliases": aliases,
        "default": route_payload(runtime.default_route()),
    }


def _catalog_models(runtime: Runtime) -> dict[str, list[dict[str, Any]]]:
    """Provider id -> model entries, from the runtime's catalog (cache, config, agent.models)."""
    config = runtime.config
    found: dict[str, list[dict[str, Any]]] = {}
    for provider_id, settings in config.providers.items():
        for entry in settings.models:
            found.setdefault(provider_id, []).append(
                {"id": entry.id, "name": entry.name or entry.id, "input": list(entry.input)}
            )
    for ref in config.agent.models:
        provider_id, model = split_ref(ref)
        if not any(m["id"] == model for m in found.get(provider_id, [])):
            found.setdefault(provider_id, []).append(
                {"id": model, "name": model, "input": ["text"]}
            )
    return found
