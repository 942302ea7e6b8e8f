"""The daemon: services from the table, the ServiceHost surface, signals, pid file (SPEC §11)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from zeroclaw_py import services
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.config.schema import Config
from zeroclaw_py.daemon import Daemon

pytestmark = pytest.mark.anyio


class ProbeService:
    """A test service recording its lifecycle."""

    name = "probe"
    instances: list[ProbeService] = []  # noqa: RUF012 (test bookkeeping)
    any_started = asyncio.Event()

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        ProbeService.instances.append(self)

    async def start(self) -> None:
        self.started.set()
        ProbeService.any_started.set()

    async def stop(self) -> None:
        self.stopped.set()


class FailingService:
    name = "failing"

    async def start(self) -> None:
        raise OSError("port 1 is not ours")

    async def stop(self) -> None:
        raise AssertionError("a service that never started is never stopped")


def probe_factory(host: services.ServiceHost, config: Config) -> ProbeService:
    return ProbeService()


def failing_factory(host: services.ServiceHost, config: Config) -> FailingService:
    return FailingService()


def none_factory(host: services.ServiceHost, config: Config) -> None:
    return None


CONFIG = "[gateway]\nenabled = false\n"


@pytest.fixture
def daemon(zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch) -> Daemon:
    table = {
        "reload": services.SERVICE_FACTORIES["reload"],
        "gateway": services.SERVICE_FACTORIES["gateway"],
        "missing": "tests.no_such_module:create",
        "unconfigured": "tests.test_daemon:none_factory",
        "failing": "tests.test_daemon:failing_factory",
        "probe": "tests.test_daemon:probe_factory",
    }
    monkeypatch.setattr(services, "SERVICE_FACTORIES", table)
    monkeypatch.setattr("zeroclaw_py.daemon.SERVICE_FACTORIES", table)
    ProbeService.instances.clear()
    ProbeService.any_started = asyncio.Event()
    path = zeroclaw_home / "config.toml"
    path.write_text(CONFIG)
    return Daemon(parse_config(CONFIG, source=path, env={}), path)


async def _running(daemon: Daemon) -> asyncio.Task[str | None]:
    task = asyncio.create_task(daemon.run())
    async with asyncio.timeout(10):
        await ProbeService.any_started.wait()
    return task


async def test_services_start_skip_and_fail_independently(
    daemon: Daemon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    task = await _running(daemon)
    assert list(daemon.services) == ["reload", "probe"]
    assert daemon.pid_path.read_text() == f"{os.getpid()}\n"
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["service failing failed to start: port 1 is not ours"]
    infos = " ".join(r.getMessage() for r in caplog.records)
    assert "service missing not available" in infos
    assert "service unconfigured not configured; skipped" in infos
    assert "service gateway not configured; skipped" in infos
    daemon.request_stop()
    assert await task is None
    assert ProbeService.instances[0].stopped.is_set()
    assert not daemon.pid_path.exists()


async def test_host_surface(daemon: Daemon) -> None:
    task = await _running(daemon)
    first = ProbeService.instances[0]
    await daemon.restart_service("probe")
    assert first.stopped.is_set()
    assert daemon.services["probe"] is ProbeService.instances[1]
    plan = await daemon.reload_config(source="test")
    assert isinstance(plan, dict)
    assert await daemon.reload_router() == {"strategy": None, "reloaded": False}
    assert daemon.runtime.config.gateway.enabled is False
    daemon.request_restart("gateway.port changed")
    assert await task == "gateway.port changed"


@asynccontextmanager
async def _explained(err: list[str], seconds: float) -> AsyncIterator[None]:
    """A timeout that shows what the daemon logged so far."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise AssertionError("timed out; daemon log:\n" + "".join(err)) from None


@asynccontextmanager
async def _daemon_process(
    home: Path, *, stdout: int = asyncio.subprocess.DEVNULL
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`zeroclaw daemon` as a real process on `home` (stderr piped); killed if left running."""
    env = {**os.environ, "ZEROCLAW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zeroclaw_py",
        "daemon",
        env=env,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _line_with(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> None:
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError(f"stream ended before {needle!r}; saw {seen}")
        line = raw.decode(errors="replace")
        seen.append(line)
        if needle in line:
            return


async def test_daemon_process_without_config_starts_reloads_and_stops(
    zeroclaw_home: Path,
) -> None:
    out: list[str] = []
    err: list[str] = []
    async with _daemon_process(zeroclaw_home, stdout=asyncio.subprocess.PIPE) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        async with _explained(err, 30):
            await _line_with(proc.stdout, "or set ZEROCLAW_API_KEY", out)
            await _line_with(proc.stderr, "daemon running", err)
            pid_file = zeroclaw_home / "state" / "daemon.pid"
            assert pid_file.read_text().strip() == str(proc.pid)
            proc.send_signal(signal.SIGHUP)
            await _line_with(proc.stderr, "SIGHUP received", err)
            proc.send_signal(signal.SIGTERM)
            await _line_with(proc.stderr, "daemon stopped", err)
            assert await proc.wait() == 0
    notice = "".join(out)
    assert f"No config file at {zeroclaw_home / 'config.toml'}" in notice
    assert "[agent.model]" in notice
    assert not pid_file.exists()
    assert not any("Traceback" in line for line in err)


async def test_restart_needed_edit_re_executes_the_same_process(zeroclaw_home: Path) -> None:
    """hybrid reload + request_restart: drain, then exec the same interpreter and arguments."""
    config = zeroclaw_home / "config.toml"
    config.write_text(CONFIG)
    err: list[str] = []
    async with _daemon_process(zeroclaw_home) as proc, _explained(err, 40):
        assert proc.stderr is not None
        await _line_with(proc.stderr, "daemon running", err)
        config.write_text(CONFIG + '[state]\nbackend = "memory"\n')
        proc.send_signal(signal.SIGHUP)  # the watcher may also see it; SIGHUP is certain
        await _line_with(proc.stderr, "re-executing", err)
        await _line_with(proc.stderr, "daemon running", err)
        pid_file = zeroclaw_home / "state" / "daemon.pid"
        assert pid_file.read_text().strip() == str(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert await proc.wait() == 0
    assert not any("Traceback" in line for line in err)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_daemon_process_answers_web_chat_with_echo(zeroclaw_home: Path) -> None:
    """The whole chain in a real process: gateway -> dispatcher -> echo -> WebSocket events."""
    import aiohttp

    port = _free_port()
    (zeroclaw_home / "config.toml").write_text(f"[gateway]\nport = {port}\n")
    err: list[str] = []
    base = f"http://127.0.0.1:{port}"
    async with (
        _daemon_process(zeroclaw_home) as proc,
        _explained(err, 40),
        aiohttp.ClientSession() as http,
    ):
        assert proc.stderr is not None
        await _line_with(proc.stderr, "daemon running", err)
        async with http.post(f"{base}/api/session") as resp:
            assert resp.status == 200
            body = await resp.json()
        url = f"{base}/ws?session={body['session']}&token={body['token']}"
        async with http.ws_connect(url) as ws:
            await ws.send_json({"type": "message", "text": "/model tiny"})
            await ws.send_json({"type": "message", "text": "hello there"})
            events: list[dict[str, Any]] = []
            while sum(e["event_type"] == "message" for e in events) < 2:
                events.append(await ws.receive_json())
        proc.send_signal(signal.SIGTERM)
        assert await proc.wait() == 0
    messages = [e["payload"]["text"] for e in events if e["event_type"] == "message"]
    assert messages == [
        "Model switched to `tiny` for provider `echo` in this sender session.",
        "[tiny] hello there",
    ]
    tokens = "".join(e["payload"]["text"] for e in events if e["event_type"] == "token")
    assert tokens == "[tiny] hello there"


async def test_stop_lets_the_turn_in_flight_finish(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.provider_server import FakeProvider
    from tests.harness import RecordingResponder, msg, openai_provider

    table = {"probe": "tests.test_daemon:probe_factory"}
    monkeypatch.setattr(services, "SERVICE_FACTORIES", table)
    monkeypatch.setattr("zeroclaw_py.daemon.SERVICE_FACTORIES", table)
    ProbeService.instances.clear()
    ProbeService.any_started = asyncio.Event()
    async with FakeProvider() as fake:
        fake.script("slow", reply="finished anyway", delay=0.5)
        text = f'{CONFIG}[agent.model]\nprimary = "f/slow"\n' + openai_provider("f", fake)
        path = zeroclaw_home / "config.toml"
        path.write_text(text)
        daemon = Daemon(parse_config(text, source=path, env={}), path)
        task = await _running(daemon)
        responder = RecordingResponder()
        before = len(fake.requests)
        turn = asyncio.create_task(daemon.runtime.handle(msg("go"), responder))
        await fake.wait_requests(before + 1)
        daemon.request_stop()
        assert await task is None
        assert turn.done()
        assert responder.replies == ["finished anyway"]
        assert ProbeService.instances[0].stopped.is_set()


async def test_daemon_exits_non_zero_with_one_line_when_the_port_is_taken(
    zeroclaw_home: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (zeroclaw_home / "config.toml").write_text(f"[gateway]\nport = {port}\n")
        async with _daemon_process(zeroclaw_home) as proc:
            with anyio.fail_after(40):
                _, stderr = await proc.communicate()
    text = stderr.decode()
    assert proc.returncode == 1
    assert f"error: gateway: cannot listen on 127.0.0.1:{port}: the port is already in use" in text
    assert "Traceback" not in text
    assert not (zeroclaw_home / "state" / "daemon.pid").exists()
