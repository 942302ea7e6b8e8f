"""The one provider table (SPEC §4). STUB: the providers work fills in the table and bodies.

Contract (other modules rely on exactly this):
- `ProviderSpec` (frozen): id, display_name, aliases (shown by /models), hidden_aliases, base_url,
  wire (WireKind), env_vars, local, namespaced_models, discovery (live model list supported),
  listed (one of the 31 lines /models shows).
- `PROVIDERS`: the 31 ZeroClaw providers in order, the regional variants as their own ids, `echo`.
- `resolve(name, config=None) -> ProviderSpec | None`: case-insensitive after trimming; ids,
  aliases, regional ids, `custom:<url>`, `anthropic-custom:<url>` and `[providers.*]` custom
  providers (those need `config`). Regional aliases keep their region.
- `listed_providers() -> tuple[ProviderSpec, ...]`: the /models lines, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zeroclaw_py.config.schema import WireKind

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    display_name: str
    wire: WireKind
    base_url: str
    aliases: tuple[str, ...] = ()
    hidden_aliases: tuple[str, ...] = ()
    env_vars: tuple[str, ...] = ()
    local: bool = False
    namespaced_models: bool = False
    discovery: bool = False
    listed: bool = True


PROVIDERS: tuple[ProviderSpec, ...] = ()


def resolve(name: str, config: Config | None = None) -> ProviderSpec | None:
    raise NotImplementedError


def listed_providers() -> tuple[ProviderSpec, ...]:
    raise NotImplementedError
