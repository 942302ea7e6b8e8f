"""Every trigger runs the same reload path in the real daemon: watcher, SIGHUP, POST
/config/reload, `zeroclaw reload` (HTTP with the master key, else SIGHUP via daemon.pid)."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from tests.fakes.telegram_api import serve_telegram
from tests.harness import ask
from tests.reload_support import LogWatch, watch_logs, write_atomic
from zeroclaw_py import services
from zeroclaw_py.cli import main as cli_main
from zeroclaw_py.config.load import load_config
from zeroclaw_py.daemon import Daemon

pytestmark = pytest.mark.anyio

APPLIED = "config hot reload applied (agent.model.primary)"
SLOW_WATCHER = 60_000  # debounce long enough that only the explicit trigger can reload


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def daemon_config(
    primary: str, port: int, *, master_key: str | None = "sk-master-test", debounce: int = 50
) -> str:
    key = f'master_key = "{master_key}"\n' if master_key else ""
    return (
        f'[agent.model]\nprimary = "{primary}"\n\n'
        f'[gateway]\nhost = "127.0.0.1"\nport = {port}\n{key}\n'
        f"[gateway.reload]\ndebounce_ms = {debounce}\n\n"
        '[state]\nbackend = "memory"\n'
    )


class Running:
    def __init__(self, daemon: Daemon, path: Path, logs: LogWatch, port: int) -> None:
        self.daemon, self.path, self.logs, self.port = daemon, path, logs, port
        self.restart_reason: str | None = "<still running>"

    async def wait_log(self, line: str) -> None:
        with anyio.fail_after(10):
            await self.logs.wait_for(lambda x: x == line)


@asynccontextmanager
async def running_daemon(home: Path, text: str) -> AsyncIterator[Running]:
    path = home / "config.toml"
    path.write_text(text)
    port = load_config(path).gateway.port
    daemon = Daemon(load_config(path), path)
    with watch_logs("zeroclaw_py") as logs:
        running = Running(daemon, path, logs, port)

        async def run() -> None:
            running.restart_reason = await daemon.run()

        async with anyio.create_task_group() as group:
            group.start_soon(run)
            with anyio.fail_after(15):
                await logs.wait_for(lambda x: x.startswith("daemon running"))
            yield running
            daemon.request_stop()


async def test_the_watcher_applies_an_edit_in_the_daemon(zeroclaw_home: Path) -> None:
    async with running_daemon(zeroclaw_home, daemon_config("echo/one", free_port())) as d:
        assert "reload" in d.daemon.services
        write_atomic(d.path, daemon_config("echo/two", d.port))
        await d.wait_log(APPLIED)
        assert await ask(d.daemon.runtime, "hi") == "[two] hi"


async def test_sighup_reloads(zeroclaw_home: Path) -> None:
    port = free_port()
    text = daemon_config("echo/one", port, debounce=SLOW_WATCHER)
    async with running_daemon(zeroclaw_home, text) as d:
        write_atomic(d.path, daemon_config("echo/two", port, debounce=SLOW_WATCHER))
        os.kill(os.getpid(), signal.SIGHUP)
        await d.wait_log(APPLIED)
        assert await ask(d.daemon.runtime, "hi") == "[two] hi"


async def test_post_config_reload_returns_the_plan(zeroclaw_home: Path) -> None:
    port = free_port()
    async with running_daemon(
        zeroclaw_home, daemon_config("echo/one", port, debounce=SLOW_WATCHER)
    ) as d:
        write_atomic(d.path, daemon_config("echo/two", port, debounce=SLOW_WATCHER))
        async with httpx.AsyncClient() as http:
            url = f"http://127.0.0.1:{port}/config/reload"
            denied = await http.post(url, headers={"Authorization": "Bearer wrong"})
            assert denied.status_code == 401
            answer = await http.post(url, headers={"Authorization": "Bearer sk-master-test"})
        assert answer.status_code == 200
        plan = answer.json()
        assert plan["source"] == "http"
        assert plan["result"] == "applied"
        assert plan["changed_paths"] == ["agent.model.primary"]
        assert plan["actions"] == ["reload-models"]
        assert await ask(d.daemon.runtime, "hi") == "[two] hi"


async def test_zeroclaw_reload_over_http(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    async with running_daemon(
        zeroclaw_home, daemon_config("echo/one", port, debounce=SLOW_WATCHER)
    ) as d:
        write_atomic(d.path, daemon_config("echo/two", port, debounce=SLOW_WATCHER))
        code = await anyio.to_thread.run_sync(cli_main, ["reload"])
        assert code == 0
        assert capsys.readouterr().out == "config reloaded: agent.model.primary\n"
        assert await ask(d.daemon.runtime, "hi") == "[two] hi"

        code = await anyio.to_thread.run_sync(cli_main, ["reload"])
        assert (code, capsys.readouterr().out) == (0, "config unchanged; nothing to reload\n")


async def test_zeroclaw_reload_without_master_key_signals_the_daemon(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    text = daemon_config("echo/one", port, master_key=None, debounce=SLOW_WATCHER)
    async with running_daemon(zeroclaw_home, text) as d:
        write_atomic(
            d.path, daemon_config("echo/two", port, master_key=None, debounce=SLOW_WATCHER)
        )
        code = await anyio.to_thread.run_sync(cli_main, ["reload"])
        assert code == 0
        out = capsys.readouterr().out
        assert out == f"sent SIGHUP to the daemon (pid {os.getpid()}); its log shows the result\n"
        await d.wait_log(APPLIED)
        assert "SIGHUP received: reloading config" in d.logs.lines


async def test_hybrid_restarts_the_daemon_for_a_gateway_change(zeroclaw_home: Path) -> None:
    port = free_port()
    async with running_daemon(zeroclaw_home, daemon_config("echo/one", port)) as d:
        new_port = free_port()
        write_atomic(d.path, daemon_config("echo/two", new_port))
        await d.wait_log("daemon stopped")
    assert d.restart_reason == "gateway.port"
    assert "config change requires restart (gateway.port)" in d.logs.lines


def test_zeroclaw_reload_without_a_daemon(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text('[agent.model]\nprimary = "echo/x"\n')
    assert cli_main(["reload"]) == 1
    pid_file = zeroclaw_home / "state" / "daemon.pid"
    assert capsys.readouterr().err == f"no running daemon found ({pid_file} does not exist)\n"


def test_zeroclaw_reload_with_a_stale_pid(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = zeroclaw_home / "state"
    state.mkdir()
    (state / "daemon.pid").write_text("999999999\n")
    assert cli_main(["reload"]) == 1
    assert "stale pid 999999999" in capsys.readouterr().err


def test_zeroclaw_reload_refuses_an_invalid_file(
    zeroclaw_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (zeroclaw_home / "config.toml").write_text("[channels_config.telegram]\nbot_token = 1\n")
    assert cli_main(["reload"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("config reload skipped (invalid config): channels_config.telegram.")


def telegram_config(port: int, base: str, token: str, allowed: list[str]) -> str:
    users = ", ".join(f'"{u}"' for u in allowed)
    return daemon_config("echo/echo", port) + (
        f'\n[channels_config.telegram]\nbot_token = "{token}"\nallowed_users = [{users}]\n'
        f'api_base_url = "{base}"\n'
    )


async def test_a_telegram_edit_restarts_only_that_channel(zeroclaw_home: Path) -> None:
    async with serve_telegram() as fake:
        port = free_port()
        text = telegram_config(port, fake.base, fake.token, ["alice"])
        async with running_daemon(zeroclaw_home, text) as d:
            assert "telegram" in d.daemon.services
            gateway = d.daemon.services["gateway"]
            fake.push_message("hi", user_id=8, username="bob")
            with anyio.fail_after(10):
                await fake.wait_for(lambda: fake.count("sendMessage") == 1)
            assert "allowed_users" in fake.sent()[0]["text"]  # bob is told how to get in

            write_atomic(d.path, telegram_config(port, fake.base, fake.token, ["alice", "bob"]))
            await d.wait_log("config hot reload applied (channels_config.telegram.allowed_users)")
            assert "restarting telegram channel" in d.logs.lines
            assert d.daemon.services["gateway"] is gateway  # nothing else restarted

            fake.push_message("hello again", user_id=8, username="bob")
            with anyio.fail_after(10):
                await fake.wait_for(lambda: fake.count("sendMessage") == 2)
            assert fake.sent()[1]["text"] == "[echo] hello again"
        assert d.logs.lines.count("service telegram started") == 2
        assert fake.count("sendMessage") == 2  # the first update was not handled twice


async def test_a_config_file_created_after_a_zero_config_start_is_applied(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_reload = {"reload": services.SERVICE_FACTORIES["reload"]}  # no gateway on 42617
    monkeypatch.setattr("zeroclaw_py.daemon.SERVICE_FACTORIES", only_reload)
    path = zeroclaw_home / "config.toml"
    daemon = Daemon(load_config(path), path)  # no file yet: defaults, echo/echo
    assert daemon.runtime.config.source is None
    with watch_logs("zeroclaw_py") as logs:
        async with anyio.create_task_group() as group:
            group.start_soon(daemon.run)
            with anyio.fail_after(15):
                await logs.wait_for(lambda x: x.startswith("daemon running"))
            assert await ask(daemon.runtime, "hi") == "[echo] hi"
            write_atomic(path, '[agent.model]\nprimary = "echo/created"\n')
            with anyio.fail_after(10):
                await logs.wait_for(lambda x: x == APPLIED)
            assert await ask(daemon.runtime, "hi") == "[created] hi"
            daemon.request_stop()
