"""`zeroclaw reload`: ask the running daemon to reload its config now (SPEC §10).

Preferred route: `POST /config/reload` on the configured gateway with the master key, because it
answers with the plan (what changed, what was applied, whether a restart follows). Without a
master key, or when the gateway cannot be reached or refuses the key (e.g. the key in the file
changed but the daemon still runs with the old one), the daemon gets a SIGHUP via the pid in
`<state>/daemon.pid`; both run the same reload path, the signal just cannot report back.

Stays light: no aiohttp/telegram/discord; httpx only when a request is made.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zeroclaw_py import paths
from zeroclaw_py.config.rules import LOG_INVALID, issue_lines
from zeroclaw_py.errors import ConfigError

PID_FILE = "daemon.pid"  # written by the daemon (zeroclaw_py.daemon.PID_FILE)
HTTP_TIMEOUT_S = 60.0  # a hybrid reload may wait on a channel restart

# result (from the daemon's plan) -> exit code; anything unknown counts as a failure
EXIT_CODES: dict[str, int] = {
    "applied": 0,
    "noop": 0,
    "restart": 0,
    "disabled": 0,
    "ignored": 0,
    "skipped_invalid": 1,
    "skipped_missing": 1,
    "failed": 1,
}

RESULT_LINES: dict[str, str] = {
    "applied": "config reloaded: {changes}",
    "noop": "config unchanged; nothing to reload",
    "restart": "config reloaded; the daemon restarts for: {restart}",
    "disabled": "config change seen but not applied (gateway.reload.mode = off): {changes}",
    "ignored": "config change needs a restart (hot mode ignores it): {restart}",
    "skipped_invalid": LOG_INVALID.replace("{}", "{issues}"),
    "skipped_missing": "config reload skipped (config file not found)",
    "failed": "config reload failed: {error}",
}


class _Unreachable(Exception):
    """The gateway did not give us a plan; fall back to the signal."""


def describe(plan: Mapping[str, Any]) -> tuple[str, int]:
    """One human line and the exit code for a plan returned by the daemon."""
    result = str(plan.get("result", "failed"))
    template = RESULT_LINES.get(result, "config reload: {result}")
    line = template.format(
        result=result,
        changes=", ".join(plan.get("changed_paths", [])) or "-",
        restart=", ".join(plan.get("restart_reasons", []) or plan.get("changed_paths", [])),
        issues=", ".join(plan.get("issues", [])),
        error=plan.get("error", "unknown error"),
    )
    for failure in plan.get("failures", []):
        line += f"\n  warning: {failure}"
    return line, EXIT_CODES.get(result, 1)


def _gateway_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "", "::"):  # listening everywhere: talk to it on loopback
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/config/reload"


def _post(url: str, master_key: str) -> Mapping[str, Any]:
    import httpx

    try:
        response = httpx.post(
            url, headers={"Authorization": f"Bearer {master_key}"}, timeout=HTTP_TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise _Unreachable(f"gateway not reachable at {url} ({type(exc).__name__})") from exc
    if response.status_code in (401, 403):
        raise _Unreachable("the gateway refused the master key")
    if response.status_code == 404:
        raise _Unreachable("the gateway has no admin API (no master key in the running daemon)")
    if response.status_code != 200:
        raise _Unreachable(f"the gateway answered HTTP {response.status_code}")
    try:
        plan = response.json()
    except ValueError as exc:
        raise _Unreachable("the gateway answered something that is not JSON") from exc
    if not isinstance(plan, dict):
        raise _Unreachable("the gateway answered an unexpected JSON value")
    return plan


def _signal_daemon(state_dir: Path) -> tuple[str, int]:
    pid_path = state_dir / PID_FILE
    try:
        pid = int(pid_path.read_text(encoding="utf-8").split()[0])
    except FileNotFoundError:
        return f"no running daemon found ({pid_path} does not exist)", 1
    except (ValueError, IndexError, OSError):
        return f"cannot read a pid from {pid_path}", 1
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        return f"no running daemon found (stale pid {pid} in {pid_path})", 1
    except PermissionError:
        return f"not allowed to signal the daemon (pid {pid})", 1
    return f"sent SIGHUP to the daemon (pid {pid}); its log shows the result", 0


def main(args: argparse.Namespace) -> int:
    from zeroclaw_py.config.load import load_config

    config_path = paths.config_path(getattr(args, "config", None))
    try:
        gateway = load_config(config_path).gateway
    except ConfigError as exc:
        # The daemon would skip this file too (and keep running on its current config).
        issues = ", ".join(issue_lines(exc.issues, config_path)) or str(exc)
        print(LOG_INVALID.format(issues), file=sys.stderr)
        return 1

    if gateway.enabled and gateway.master_key:
        url = _gateway_url(gateway.host, gateway.port)
        try:
            line, code = describe(_post(url, gateway.master_key))
        except _Unreachable as exc:
            print(f"{exc}; falling back to SIGHUP", file=sys.stderr)
        else:
            print(line, file=sys.stdout if code == 0 else sys.stderr)
            return code

    line, code = _signal_daemon(paths.state_dir())
    print(line, file=sys.stdout if code == 0 else sys.stderr)
    return code
