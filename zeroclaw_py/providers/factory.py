"""Build provider instances. STUB: the providers work fills the bodies.

Contract:
- `create_provider(spec, config, http) -> Provider`: the wire client for `spec` with
  `providers.<id>.api_url` honoured and the default credential resolved per SPEC §4 (profile
  credentials are passed per call). Raises `ProviderError`/`UnknownProviderError` when it cannot.
- `settings_fingerprint(spec, config) -> tuple`: everything in `config` that would change the
  instance (url, credential sources, timeout, kind). The runtime keys its cache on
  `(spec.id, fingerprint)`, so a reload that changes nothing keeps the instance.
- `resolve_credential(spec, config, profile_key=None) -> str | None`: SPEC §4 precedence.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.providers.base import Provider
    from zeroclaw_py.providers.registry import ProviderSpec


def create_provider(spec: ProviderSpec, config: Config, http: httpx.AsyncClient) -> Provider:
    raise NotImplementedError


def settings_fingerprint(spec: ProviderSpec, config: Config) -> Hashable:
    raise NotImplementedError


def resolve_credential(
    spec: ProviderSpec, config: Config, profile_key: str | None = None
) -> str | None:
    raise NotImplementedError
