"""The typed, frozen config snapshot (SPEC §3).

A `Config` is immutable: a hot reload builds a new one and swaps a single reference, so a turn
that took a snapshot keeps it to the end. Mappings are plain dicts by convention never mutated
after load. Defaults here are the single source of truth for every default value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DEFAULT_PROVIDER = "echo"
DEFAULT_MODEL = "echo"

ReloadMode = Literal["off", "hot", "restart", "hybrid"]
HistoryOnSwitch = Literal["clear", "keep"]
RouteScope = Literal["sender", "chat", "chat_sender"]
StreamMode = Literal["off", "partial"]
WireKind = Literal["openai", "anthropic", "gemini", "ollama"]
AuthMode = Literal["api_key", "token", "oauth"]
StateBackend = Literal["sqlite", "memory", "redis"]
InputKind = Literal["text", "image"]


@dataclass(frozen=True)
class ModelChain:
    """`[agent.model]` / `[agent.image_model]`: a primary `provider/model` and its fallbacks."""

    primary: str = f"{DEFAULT_PROVIDER}/{DEFAULT_MODEL}"
    fallbacks: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSettings:
    """`[agent.models."provider/model"]`: per-model alias and fallback override."""

    alias: str | None = None
    fallbacks: tuple[str, ...] | None = None  # None = use agent.model.fallbacks


@dataclass(frozen=True)
class AgentConfig:
    model: ModelChain = field(default_factory=ModelChain)
    image_model: ModelChain | None = None  # only used when explicitly configured (§7.4)
    models: Mapping[str, ModelSettings] = field(default_factory=dict)
    system_prompt: str | None = None


@dataclass(frozen=True)
class ModelEntry:
    """One model declared under `[providers.<id>].models` (feeds the catalog, §7.3)."""

    id: str
    name: str | None = None
    input: tuple[InputKind, ...] = ("text",)
    context_window: int | None = None
    max_tokens: int | None = None
    reasoning: bool = False


@dataclass(frozen=True)
class ProviderSettings:
    """`[providers.<id>]`: settings for a registry provider, or a custom provider with `kind`."""

    api_key: str | None = None
    api_url: str | None = None
    kind: WireKind | None = None  # required for custom providers, optional override otherwise
    models: tuple[ModelEntry, ...] = ()


@dataclass(frozen=True)
class AuthProfileConfig:
    """`[auth.profiles."provider:name"]` (seed 004). Secrets live in auth-profiles.json."""

    provider: str
    mode: AuthMode = "api_key"
    token_url: str | None = None  # OAuth refresh endpoint
    client_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AuthConfig:
    profiles: Mapping[str, AuthProfileConfig] = field(default_factory=dict)
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReliabilityConfig:
    provider_retries: int = 2  # retries per candidate on transient errors (calls = retries + 1)
    provider_backoff_ms: int = 500  # first backoff; doubles, capped at 10 s, with jitter
    request_timeout_s: float = 120.0
    failure_threshold: int = 3  # consecutive failures before a candidate is skipped
    cooldown_s: float = 30.0  # how long a tripped candidate is skipped


@dataclass(frozen=True)
class TelegramConfig:
    bot_token: str
    allowed_users: tuple[str, ...]
    mention_only: bool = False
    stream_mode: StreamMode = "off"
    api_base_url: str = "https://api.telegram.org"
    draft_update_interval_ms: int = 1000


@dataclass(frozen=True)
class DiscordConfig:
    bot_token: str
    allowed_users: tuple[str, ...] = ()
    mention_only: bool = False
    guild_id: str | None = None
    listen_to_bots: bool = False
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str | None = None  # None = ask the REST API (GET /gateway/bot)
    stream_mode: StreamMode = "off"


@dataclass(frozen=True)
class ChannelsConfig:
    history_on_switch: HistoryOnSwitch = "clear"
    route_scope: RouteScope = "sender"
    max_history: int = 50
    telegram: TelegramConfig | None = None
    discord: DiscordConfig | None = None


@dataclass(frozen=True)
class GatewayReloadConfig:
    mode: ReloadMode = "hybrid"
    debounce_ms: int = 300


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 42617
    master_key: str | None = None
    access_token: str | None = None
    enabled: bool = True
    reload: GatewayReloadConfig = field(default_factory=GatewayReloadConfig)


@dataclass(frozen=True)
class RouterConfig:
    strategy: str | None = None
    model_path: str | None = None
    hot_reload: bool = False
    reload_interval: int = 300
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class StateConfig:
    backend: StateBackend = "sqlite"
    url: str | None = None


@dataclass(frozen=True)
class Config:
    """One immutable snapshot of the whole configuration."""

    default_temperature: float = 0.7
    api_key: str | None = None  # global credential, the last resort for every provider
    agent: AgentConfig = field(default_factory=AgentConfig)
    providers: Mapping[str, ProviderSettings] = field(default_factory=dict)
    auth: AuthConfig = field(default_factory=AuthConfig)
    reliability: ReliabilityConfig = field(default_factory=ReliabilityConfig)
    channels_config: ChannelsConfig = field(default_factory=ChannelsConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    router: RouterConfig = field(default_factory=RouterConfig)
    state: StateConfig = field(default_factory=StateConfig)
    # The parsed TOML document (after legacy keys are mapped), kept for diffing on reload.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Where it was read from; None when running on defaults (no file).
    source: Path | None = field(default=None, compare=False)
