"""`GET /api/models`: what the page's pickers offer (providers, their models, model aliases)."""

from __future__ import annotations

from typing import Any

from zeroclaw_py.gateway.routes import route_payload
from zeroclaw_py.models.catalog import CatalogModel
from zeroclaw_py.providers import registry
from zeroclaw_py.runtime.context import Runtime


def models_payload(runtime: Runtime) -> dict[str, Any]:
    """Every provider a route may name (listed, regional, custom), with the catalog's models.

    `{"providers": [{"id", "name", "aliases", "models": [{"id", "name", "input", "alias"}]}],
      "aliases": {"Opus": "anthropic/claude-opus-4-5"}, "default": {"provider", "model"}}`
    """
    config = runtime.config
    catalog = runtime.catalog()
    names = {
        spec.id: (spec.display_name, list(spec.aliases))
        for spec in (*registry.PROVIDERS, *registry.custom_providers(config))
    }
    for provider_id in catalog.providers():
        names.setdefault(provider_id, (provider_id, []))
    providers: list[dict[str, Any]] = []
    model_aliases: dict[str, str] = {}
    for provider_id, (name, aliases) in names.items():
        models = catalog.models(provider_id)
        providers.append(
            {
                "id": provider_id,
                "name": name,
                "aliases": aliases,
                "models": [_model(m) for m in models],
            }
        )
        model_aliases.update({m.alias: f"{provider_id}/{m.id}" for m in models if m.alias})
    return {
        "providers": providers,
        "aliases": model_aliases,
        "default": route_payload(runtime.default_route()),
    }


def _model(model: CatalogModel) -> dict[str, Any]:
    return {"id": model.id, "name": model.name, "input": list(model.input), "alias": model.alias}
