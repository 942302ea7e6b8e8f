"""Environment overrides applied after the file is loaded (SPEC §3).

Each variable is a row of `OVERRIDES`: its name and how it changes the config. Empty values are
ignored; a value that cannot be used is ignored with a warning rather than failing the load.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping

from zeroclaw_py.config.schema import Config
from zeroclaw_py.errors import ConfigIssue

# Returns the new config, or a message saying why the value was ignored.
Override = Callable[[Config, str], "Config | str"]


def _api_key(config: Config, value: str) -> Config | str:
    # The file's global `api_key` outranks the environment (SPEC §4 credential order).
    if config.api_key:
        return config
    return dataclasses.replace(config, api_key=value)


def _route(config: Config, provider: str | None = None, model: str | None = None) -> Config:
    old_provider, _, old_model = config.agent.model.primary.partition("/")
    primary = f"{provider or old_provider}/{model or old_model}"
    chain = dataclasses.replace(config.agent.model, primary=primary)
    return dataclasses.replace(config, agent=dataclasses.replace(config.agent, model=chain))


def _provider(config: Config, value: str) -> Config | str:
    if value.lower().startswith(("custom:", "anthropic-custom:")):
        # A route is "<provider>/<model>" split at the first "/", so a URL cannot name it.
        return (
            "a custom URL cannot name the default provider; declare it as "
            "[providers.<name>] with kind and api_url, then set ZEROCLAW_PROVIDER=<name>"
        )
    if "/" in value:
        return "expected a provider name without '/'"
    from zeroclaw_py.config.validate import provider_known

    if provider_known(value, config) is False:
        return f'unknown provider "{value}"'
    return _route(config, provider=value)


def _model(config: Config, value: str) -> Config | str:
    return _route(config, model=value)


def _temperature(config: Config, value: str) -> Config | str:
    try:
        temperature = float(value)
    except ValueError:
        temperature = -1.0
    if not 0.0 <= temperature <= 2.0:
        return "expected a number between 0 and 2"
    return dataclasses.replace(config, default_temperature=temperature)


# Applied in this order; for the global key `ZEROCLAW_API_KEY` comes before `API_KEY`, so it wins.
OVERRIDES: tuple[tuple[str, Override], ...] = (
    ("ZEROCLAW_API_KEY", _api_key),
    ("API_KEY", _api_key),
    ("ZEROCLAW_PROVIDER", _provider),
    ("ZEROCLAW_MODEL", _model),
    ("ZEROCLAW_TEMPERATURE", _temperature),
)


def apply_env(
    config: Config, env: Mapping[str, str] | None = None
) -> tuple[Config, list[ConfigIssue]]:
    """`config` with the environment overrides applied, and a warning per ignored value."""
    env = os.environ if env is None else env
    warnings: list[ConfigIssue] = []
    for name, override in OVERRIDES:
        value = env.get(name, "").strip()
        if not value:
            continue
        result = override(config, value)
        if isinstance(result, str):
            warnings.append(ConfigIssue(name, f"ignored, {result}"))
        else:
            config = result
    return config, warnings
