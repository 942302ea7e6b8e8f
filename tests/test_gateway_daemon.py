"""The gateway inside the real daemon: POST /config/reload runs the daemon's reload path (the
reload service) and the next web turn uses the new default model; a wrong key changes nothing."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import anyio
import pytest

from tests.gateway_support import bearer
from zeroclaw_py.config.load import load_config
from zeroclaw_py.daemon import Daemon
from zeroclaw_py.gateway.server import GatewayService

pytestmark = pytest.mark.anyio

MASTER = "sk-master-daemon-test"
CONFIG = """
[gateway]
port = {port}
master_key = "{key}"
[agent.model]
primary = "echo/{model}"
[state]
backend = "memory"
"""


def _free_port() -> int:
    # The file must name a real port: a reload that saw `gateway.port` change would restart.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(port: int, model: str) -> str:
    return CONFIG.format(port=port, key=MASTER, model=model)


class _RunningSignal(logging.Handler):
    """Sets an event when the daemon logs that every service has started."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.running = anyio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("daemon running"):
            self.running.set()


@asynccontextmanager
async def running_daemon(home: Path, port: int) -> AsyncIterator[tuple[Daemon, str]]:
    path = home / "config.toml"
    path.write_text(config_text(port, model="first"), encoding="utf-8")
    daemon = Daemon(load_config(path), path)
    signal = _RunningSignal()
    logger = logging.getLogger("zeroclaw_py.daemon")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(signal)
    task = asyncio.create_task(daemon.run())
    try:
        with anyio.fail_after(20):
            await signal.running.wait()
        gateway = daemon.services["gateway"]
        assert isinstance(gateway, GatewayService)
        yield daemon, gateway.url
    finally:
        daemon.request_stop()
        with anyio.fail_after(20):
            await task
        logger.removeHandler(signal)
        logger.setLevel(old_level)


async def ask(http: aiohttp.ClientSession, url: str, text: str) -> str:
    async with http.post(f"{url}/api/session") as resp:
        body = await resp.json()
    async with http.ws_connect(f"{url}/ws?session={body['session']}&token={body['token']}") as ws:
        await ws.send_json({"type": "message", "text": text})
        with anyio.fail_after(5):
            while (event := await ws.receive_json())["event_type"] != "message":
                pass
    return str(event["payload"]["text"])


async def test_config_reload_over_http_runs_the_daemons_reload_path(zeroclaw_home: Path) -> None:
    port = _free_port()
    async with (
        running_daemon(zeroclaw_home, port) as (_daemon, url),
        aiohttp.ClientSession() as http,
    ):
        before = await ask(http, url, "hi")
        (zeroclaw_home / "config.toml").write_text(
            config_text(port, model="second"), encoding="utf-8"
        )
        async with http.post(f"{url}/config/reload", headers=bearer("sk-wrong")) as resp:
            assert resp.status == 401
        async with http.post(f"{url}/config/reload", headers=bearer(MASTER)) as resp:
            assert resp.status == 200
            plan = await resp.json()
        after = await ask(http, url, "hi")
    assert before == "[first] hi"
    assert plan["source"] == "http"
    assert "agent.model.primary" in str(plan)
    assert after == "[second] hi"
