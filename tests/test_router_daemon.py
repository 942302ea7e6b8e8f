"""The router inside a real daemon: started from `[router]`, reloaded through the host and by a
config hot reload that changes `router.model_path` (the `router` rule of SPEC §10)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp
import pytest

from tests.router_support import CHAT_MODEL, CODE_MODEL, OTHER_MODEL, trained_router
from zeroclaw_py import services
from zeroclaw_py.config.load import parse_config
from zeroclaw_py.config.schema import Config
from zeroclaw_py.daemon import Daemon
from zeroclaw_py.fsutil import atomic_write_text
from zeroclaw_py.gateway.server import GatewayService
from zeroclaw_py.router.service import RouterService

pytestmark = pytest.mark.anyio

CODE_QUESTION = "why does my python function raise an exception in the unit test"
STARTED = asyncio.Event()
MASTER = "sk-master-router-test"


class Ready:
    """Last in the service table: once it starts, every service before it has."""

    name = "ready"

    async def start(self) -> None:
        STARTED.set()

    async def stop(self) -> None:
        return None


def ready_factory(host: services.ServiceHost, config: Config) -> Ready:
    return Ready()


def config_text(model_path: str) -> str:
    return f"""\
[gateway]
enabled = false

[router]
strategy = "knn"
model_path = "{model_path}"
hot_reload = false
candidates = ["{CODE_MODEL}", "{CHAT_MODEL}", "{OTHER_MODEL}"]
"""


async def post_router_reload(daemon: Daemon, service: RouterService) -> None:
    """POST /router/reload on a gateway whose host is the daemon (the external surface)."""
    gateway_config = dataclasses.replace(
        daemon.runtime.config.gateway, enabled=True, port=0, master_key=MASTER
    )
    gateway = GatewayService(daemon, gateway_config)
    await gateway.start()
    url = f"http://127.0.0.1:{gateway.port}/router/reload"
    auth = {"Authorization": f"Bearer {MASTER}"}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(url, headers=auth, json={"strategy": "knn"}) as resp:
                assert resp.status == 200
                body = await resp.json()
            assert body["strategy"] == "knn"
            assert body["result"] == "unchanged"
            assert service.router is not None
            assert body["version"] == service.router.version
            async with http.post(url, headers=auth, json={"strategy": "svm"}) as resp:
                assert resp.status == 422
                assert "unknown strategy 'svm'" in await resp.text()
            async with http.post(url) as resp:
                assert resp.status == 401
    finally:
        await gateway.stop()


async def test_daemon_runs_and_reloads_the_router(
    zeroclaw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    global STARTED
    STARTED = asyncio.Event()
    table = {
        "reload": services.SERVICE_FACTORIES["reload"],
        "router": services.SERVICE_FACTORIES["router"],
        "ready": "tests.test_router_daemon:ready_factory",
    }
    monkeypatch.setattr(services, "SERVICE_FACTORIES", table)
    monkeypatch.setattr("zeroclaw_py.daemon.SERVICE_FACTORIES", table)
    first, second = zeroclaw_home / "first.json", zeroclaw_home / "second.json"
    atomic_write_text(first, trained_router().dumps())
    swapped = trained_router(seed=9).dumps().replace(CODE_MODEL, "tmp/x")
    atomic_write_text(second, swapped.replace(CHAT_MODEL, CODE_MODEL).replace("tmp/x", CHAT_MODEL))
    path = zeroclaw_home / "config.toml"
    path.write_text(config_text(first.name))  # relative: from the config's directory
    daemon = Daemon(parse_config(path.read_text(), source=path, env={}), path)

    task = asyncio.create_task(daemon.run())
    try:
        async with asyncio.timeout(10):
            await STARTED.wait()
        service = daemon.services["router"]
        assert isinstance(service, RouterService)
        assert daemon.runtime.router is service.router
        assert service.select(CODE_QUESTION) == CODE_MODEL

        result = await daemon.reload_router(strategy="knn")
        assert result["reloaded"] is False
        assert result["result"] == "unchanged"
        await post_router_reload(daemon, service)

        path.write_text(config_text(second.name))  # an edit of [router] is a hot `reload-router`
        plan = await daemon.reload_config(source="test")
        assert plan
        assert service.select(CODE_QUESTION) == CHAT_MODEL
        assert daemon.runtime.router is service.router
    finally:
        daemon.request_stop()
        async with asyncio.timeout(10):
            await task
    assert daemon.runtime.router is None
