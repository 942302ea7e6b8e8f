"""config.rules: the SPEC §10 rules table, longest-prefix matching, plans and modes."""

from __future__ import annotations

import pytest

from zeroclaw_py.config.load import parse_config
from zeroclaw_py.config.rules import (
    LOG_DISABLED,
    RELOAD_MODELS,
    RELOAD_ROUTER,
    RULES,
    Kind,
    ReloadRule,
    build_plan,
    changed_paths,
    classify,
    decide,
)
from zeroclaw_py.config.schema import Config

# Every row of the SPEC §10 table, with a path below each prefix.
SPEC_ROWS: list[tuple[str, Kind, str | None]] = [
    ("agent.model.primary", Kind.HOT, RELOAD_MODELS),
    ('agent.models."anthropic/claude-opus-4-5".alias', Kind.HOT, RELOAD_MODELS),
    ("agent", Kind.HOT, RELOAD_MODELS),
    ("providers.ollama.api_url", Kind.HOT, RELOAD_MODELS),
    ('auth.profiles."anthropic:work".mode', Kind.HOT, RELOAD_MODELS),
    ("auth.order", Kind.HOT, RELOAD_MODELS),
    ("reliability.provider_retries", Kind.HOT, RELOAD_MODELS),
    ("default_temperature", Kind.HOT, RELOAD_MODELS),
    ("channels_config.telegram.allowed_users", Kind.HOT, "restart-channel:telegram"),
    ("channels_config.telegram", Kind.HOT, "restart-channel:telegram"),
    ("channels_config.discord.bot_token", Kind.HOT, "restart-channel:discord"),
    ("channels_config.history_on_switch", Kind.HOT, None),
    ("channels_config.max_history", Kind.HOT, None),
    ("channels_config", Kind.HOT, None),
    ("router.model_path", Kind.HOT, RELOAD_ROUTER),
    ("gateway.reload.debounce_ms", Kind.NONE, None),
    ("gateway.reload", Kind.NONE, None),
    ("meta.last_touched", Kind.NONE, None),
    ("gateway.port", Kind.RESTART, None),
    ("gateway.master_key", Kind.RESTART, None),
    ("state.backend", Kind.RESTART, None),
    ("api_key", Kind.RESTART, None),
    ("something_new.x", Kind.RESTART, None),
]


@pytest.mark.parametrize(("path", "kind", "action"), SPEC_ROWS)
def test_every_spec_row(path: str, kind: Kind, action: str | None) -> None:
    rule = classify(path)
    assert (rule.kind, rule.action) == (kind, action)


def test_prefixes_match_whole_segments_only() -> None:
    assert classify("agentx.model").kind is Kind.RESTART
    assert classify("gatewayx").kind is Kind.RESTART
    assert classify("channels_config.telegramx").action is None  # channels_config, not telegram
    assert classify("gateway.reloadx").kind is Kind.RESTART


def test_a_quoted_key_with_dots_is_one_segment() -> None:
    # `"gateway.reload"` quoted is a single top-level key, not gateway -> reload
    assert classify('"gateway.reload".mode').kind is Kind.RESTART


def test_longest_prefix_wins_whatever_the_table_order() -> None:
    rules = [
        ReloadRule("a", Kind.RESTART),
        ReloadRule("a.b.c", Kind.NONE),
        ReloadRule("a.b", Kind.HOT, "x"),
    ]
    assert classify("a.b.c.d", rules).kind is Kind.NONE
    assert classify("a.b.z", rules).action == "x"
    assert classify("a.z", rules).kind is Kind.RESTART
    assert classify("a.b.c", list(reversed(rules))).kind is Kind.NONE


def test_the_table_has_no_duplicate_prefix() -> None:
    prefixes = [rule.prefix for rule in RULES]
    assert len(prefixes) == len(set(prefixes))


def test_plan_groups_paths_and_actions() -> None:
    plan = build_plan(
        [
            "agent.model.primary",
            "providers.x.api_url",
            "channels_config.telegram.mention_only",
            "channels_config.max_history",
            "router.candidates",
            "gateway.reload.debounce_ms",
            "gateway.port",
        ]
    )
    assert plan.hot_reasons == (
        "agent.model.primary",
        "providers.x.api_url",
        "channels_config.telegram.mention_only",
        "channels_config.max_history",
        "router.candidates",
    )
    assert plan.actions == {RELOAD_MODELS, RELOAD_ROUTER, "restart-channel:telegram"}
    assert plan.restart_channels == ("telegram",)
    assert plan.noop_paths == ("gateway.reload.debounce_ms",)
    assert plan.restart_reasons == ("gateway.port",)
    assert plan.needs_restart
    data = plan.to_dict()
    assert data["actions"] == [RELOAD_MODELS, RELOAD_ROUTER, "restart-channel:telegram"]
    assert data["restart_required"] is True
    assert data["changed_paths"][0] == "agent.model.primary"


HOT_ONLY = build_plan(["agent.model.primary"])
MIXED = build_plan(["agent.model.primary", "gateway.port"])
RESTART_ONLY = build_plan(["state.backend"])
NOOP_ONLY = build_plan(["gateway.reload.debounce_ms"])
EMPTY = build_plan([])


@pytest.mark.parametrize(
    ("plan", "mode", "apply", "restart"),
    [
        (HOT_ONLY, "hybrid", True, False),
        (MIXED, "hybrid", True, True),
        (RESTART_ONLY, "hybrid", False, True),
        (NOOP_ONLY, "hybrid", True, False),
        (HOT_ONLY, "hot", True, False),
        (MIXED, "hot", True, False),
        (RESTART_ONLY, "hot", False, False),
        (HOT_ONLY, "restart", False, True),
        (NOOP_ONLY, "restart", False, True),
        (MIXED, "off", False, False),
        (HOT_ONLY, "off", False, False),
        (EMPTY, "hybrid", False, False),
        (EMPTY, "restart", False, False),
    ],
)
def test_modes(plan: object, mode: str, apply: bool, restart: bool) -> None:
    decision = decide(plan, mode)  # type: ignore[arg-type]
    assert (decision.apply, decision.restart) == (apply, restart)


def test_mode_messages() -> None:
    assert decide(HOT_ONLY, "off").log == LOG_DISABLED
    warning = decide(MIXED, "hot").log
    assert warning == "config reload requires restart; hot mode ignoring (gateway.port)"
    assert decide(HOT_ONLY, "hybrid").log is None


def _config(text: str) -> Config:
    return parse_config(text, env={})


def test_adding_a_whole_channels_table_restarts_only_that_channel() -> None:
    old = _config("")
    new = _config('[channels_config.discord]\nbot_token = "t"\nallowed_users = ["1"]\n')
    plan = build_plan(changed_paths(old, new))
    assert plan.changed_paths == ("channels_config.discord",)
    assert plan.restart_channels == ("discord",)
    assert not plan.needs_restart


def test_the_effective_config_is_diffed_not_the_text() -> None:
    old = _config('[gateway.reload]\nmode = "off"\n')
    new = _config("gateway.port = 42617  # the default, written out\nmeta = { touched = 1 }\n")
    assert changed_paths(old, new) == ["gateway.reload.mode"]
    legacy = _config('default_provider = "echo"\ndefault_model = "two"\n')
    assert changed_paths(_config('[agent.model]\nprimary = "echo/two"\n'), legacy) == []
