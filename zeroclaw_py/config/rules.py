"""What a config change needs: the reload rules of SPEC §10 as data, the plan, and the modes.

The rules are one table (`RULES`). A path is classified by the rule with the LONGEST prefix that
matches it on whole segments (`agent` matches `agent.model.primary`, never `agentx`); a path no rule
matches needs a restart. Longest-prefix (rather than first-match) means the table's order carries
no meaning, so adding a row can never shadow another.

`build_plan` turns changed paths into a `ReloadPlan`; `decide` says, for a reload mode, whether the
hot part is applied and whether the daemon restarts. The log lines the operator greps for are kept
here too (`LOG_*`), next to the rules they describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zeroclaw_py.config.diff import config_tree, diff_config_paths, split_path
from zeroclaw_py.config.schema import Config, ReloadMode
from zeroclaw_py.errors import ConfigIssue


class Kind(StrEnum):
    HOT = "hot"  # applied in place; `action` says what else must happen
    NONE = "none"  # nothing to do (the value is only read by the reloader, or is metadata)
    RESTART = "restart"  # the daemon must restart for it to take effect


# Actions a hot change can ask for. `restart-channel:<name>` is parametrised by the channel.
RELOAD_MODELS = "reload-models"
RELOAD_ROUTER = "reload-router"
RESTART_CHANNEL = "restart-channel:"


@dataclass(frozen=True)
class ReloadRule:
    prefix: str
    kind: Kind
    action: str | None = None

    @property
    def segments(self) -> tuple[str, ...]:
        return split_path(self.prefix)


RULES: tuple[ReloadRule, ...] = (
    ReloadRule("agent", Kind.HOT, RELOAD_MODELS),
    ReloadRule("providers", Kind.HOT, RELOAD_MODELS),
    ReloadRule("auth", Kind.HOT, RELOAD_MODELS),
    ReloadRule("reliability", Kind.HOT, RELOAD_MODELS),
    ReloadRule("default_temperature", Kind.HOT, RELOAD_MODELS),
    ReloadRule("channels_config.telegram", Kind.HOT, RESTART_CHANNEL + "telegram"),
    ReloadRule("channels_config.discord", Kind.HOT, RESTART_CHANNEL + "discord"),
    ReloadRule("channels_config", Kind.HOT),  # read per message
    ReloadRule("router", Kind.HOT, RELOAD_ROUTER),
    ReloadRule("gateway.reload", Kind.NONE),  # read by the reloader itself
    ReloadRule("meta", Kind.NONE),
    ReloadRule("gateway", Kind.RESTART),
    ReloadRule("state", Kind.RESTART),
)

UNMATCHED = ReloadRule("", Kind.RESTART)

# Exact log lines (SPEC §10); `{}` is filled with a ", "-joined list.
LOG_DETECTED = "config change detected; evaluating reload ({})"
LOG_HOT_APPLIED = "config hot reload applied ({})"
LOG_NOOP_APPLIED = "config change applied (dynamic reads: {})"
LOG_INVALID = "config reload skipped (invalid config): {}"
LOG_MISSING = "config reload skipped (config file not found)"
LOG_MISSING_RETRY = "config reload retry ({}/{}): config file not found"
LOG_DISABLED = "config reload disabled (gateway.reload.mode=off)"
LOG_HOT_IGNORES_RESTART = "config reload requires restart; hot mode ignoring ({})"
LOG_RESTART = "config change requires restart ({})"
LOG_FAILED = "config reload failed: {}"


def issue_lines(issues: Iterable[ConfigIssue], source: object) -> list[str]:
    """`<path>: <message>` per issue; the file itself stands in for a syntax error's path."""
    return [f"{issue.path or source}: {issue.message}" for issue in issues]


def changed_paths(old: Config, new: Config) -> list[str]:
    """The paths a reload plans on: the diff of the two effective snapshots."""
    return diff_config_paths(config_tree(old), config_tree(new))


def _rule_index(rules: Iterable[ReloadRule]) -> list[tuple[tuple[str, ...], ReloadRule]]:
    """Rules by prefix length, longest first (stable), ready for matching."""
    indexed = [(rule.segments, rule) for rule in rules]
    indexed.sort(key=lambda item: len(item[0]), reverse=True)
    return indexed


_INDEX = _rule_index(RULES)


def classify(path: str, rules: Sequence[ReloadRule] | None = None) -> ReloadRule:
    """The rule for one dotted path: longest whole-segment prefix wins; none -> restart."""
    index = _INDEX if rules is None else _rule_index(rules)
    segments = split_path(path)
    for prefix, rule in index:
        if segments[: len(prefix)] == prefix:
            return rule
    return UNMATCHED


@dataclass(frozen=True)
class ReloadPlan:
    """What one batch of changed paths needs, path by path (OpenClaw's reload plan, as data)."""

    changed_paths: tuple[str, ...] = ()
    hot_reasons: tuple[str, ...] = ()  # paths applied hot
    actions: frozenset[str] = field(default_factory=frozenset)
    restart_reasons: tuple[str, ...] = ()  # paths that need a restart
    noop_paths: tuple[str, ...] = ()  # paths that need nothing

    @property
    def needs_restart(self) -> bool:
        return bool(self.restart_reasons)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed_paths)

    @property
    def restart_channels(self) -> tuple[str, ...]:
        """Channel names to restart, sorted (from `restart-channel:<name>` actions)."""
        return tuple(
            sorted(a[len(RESTART_CHANNEL) :] for a in self.actions if a.startswith(RESTART_CHANNEL))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed_paths": list(self.changed_paths),
            "hot_reasons": list(self.hot_reasons),
            "actions": sorted(self.actions),
            "restart_reasons": list(self.restart_reasons),
            "noop_paths": list(self.noop_paths),
            "restart_required": self.needs_restart,
        }


def build_plan(paths: Iterable[str], rules: Sequence[ReloadRule] | None = None) -> ReloadPlan:
    changed: list[str] = []
    hot: list[str] = []
    restart: list[str] = []
    noop: list[str] = []
    actions: set[str] = set()
    buckets = {Kind.HOT: hot, Kind.RESTART: restart, Kind.NONE: noop}
    for path in paths:
        changed.append(path)
        rule = classify(path, rules)
        buckets[rule.kind].append(path)
        if rule.action:
            actions.add(rule.action)
    return ReloadPlan(
        changed_paths=tuple(changed),
        hot_reasons=tuple(hot),
        actions=frozenset(actions),
        restart_reasons=tuple(restart),
        noop_paths=tuple(noop),
    )


@dataclass(frozen=True)
class Decision:
    """What a reload mode does with a plan."""

    apply: bool  # swap in the new snapshot and run the hot actions
    restart: bool  # drain turns in flight, then re-exec the daemon
    log: str | None = None  # an extra warning/info line to log, if any


def decide(plan: ReloadPlan, mode: ReloadMode) -> Decision:
    """SPEC §10 modes.

    - off: log only; nothing is applied.
    - hot: apply the snapshot (hot and no-op paths take effect); restart-only paths are warned
      about and stay inert until the next restart.
    The snapshot is swapped only when at least one path can take effect live; it is always the
    whole new snapshot (a mixed batch carries its restart-only values along, unused until then).
    - restart: any change restarts the daemon; the new process reads the file.
    - hybrid: apply the snapshot, then restart when any path needs it. Applying first means the
      turns started during the bounded drain already use the new models.
    """
    if not plan.has_changes:
        return Decision(apply=False, restart=False)
    applicable = bool(plan.hot_reasons or plan.noop_paths)
    if mode == "off":
        return Decision(apply=False, restart=False, log=LOG_DISABLED)
    if mode == "restart":
        return Decision(apply=False, restart=True)
    if mode == "hot":
        warn = None
        if plan.needs_restart:
            warn = LOG_HOT_IGNORES_RESTART.format(", ".join(plan.restart_reasons))
        return Decision(apply=applicable, restart=False, log=warn)
    return Decision(apply=applicable, restart=plan.needs_restart)
