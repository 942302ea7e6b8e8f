"""Prometheus metrics (SPEC §12): one registry, every metric defined here and only here.

Imported by the daemon-side code only (never by `zeroclaw --help` or other CLI paths).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "zeroclaw_messages",
    "Inbound messages by channel and outcome (answered, command, denied, error, ignored).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "zeroclaw_turn_seconds",
    "Wall time of an agent turn, by the provider/model that answered.",
    ["provider", "model"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
PROVIDER_REQUESTS = Counter(
    "zeroclaw_provider_requests",
    "Provider calls by provider, model and outcome (ok or an error reason).",
    ["provider", "model", "outcome"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "zeroclaw_fallbacks",
    "Moves to the next fallback candidate, by the reason the previous one failed.",
    ["reason"],
    registry=REGISTRY,
)
ROUTE_SWITCHES = Counter(
    "zeroclaw_route_switches",
    "Per-conversation route changes (/models, /model, web pickers) by kind (provider, model).",
    ["channel", "kind"],
    registry=REGISTRY,
)
CONFIG_RELOADS = Counter(
    "zeroclaw_config_reloads",
    "Config reload attempts by result (applied, noop, restart, disabled, ignored, "
    "skipped_invalid, skipped_missing, failed).",
    ["result"],
    registry=REGISTRY,
)
ROUTER_RELOADS = Counter(
    "zeroclaw_router_reloads",
    "Routing-model reload attempts by result (applied, unchanged, failed).",
    ["result"],
    registry=REGISTRY,
)
AUTH_PROFILE_COOLDOWNS = Counter(
    "zeroclaw_auth_profile_cooldowns",
    "Auth profiles put into cooldown or disabled, by provider and reason.",
    ["provider", "reason"],
    registry=REGISTRY,
)
BREAKER_OPEN = Gauge(
    "zeroclaw_candidate_breaker_open",
    "1 while a fallback candidate is skipped after consecutive failures.",
    ["provider", "model"],
    registry=REGISTRY,
)
ACTIVE_TURNS = Gauge(
    "zeroclaw_active_turns",
    "Agent turns currently running.",
    registry=REGISTRY,
)
WEB_SOCKETS = Gauge(
    "zeroclaw_web_sockets",
    "Web chat WebSockets currently open on the gateway.",
    registry=REGISTRY,
)
