"""The router service: load at start, hot reload for paths and URLs, forced reloads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from tests.router_support import (
    CANDIDATES,
    CHAT_MODEL,
    CODE_MODEL,
    router_config,
    trained_router,
)
from zeroclaw_py.config.schema import Config
from zeroclaw_py.fsutil import atomic_write_bytes
from zeroclaw_py.metrics import REGISTRY
from zeroclaw_py.router.model import KnnRouter, RouterError
from zeroclaw_py.router.service import RouterService, create

pytestmark = pytest.mark.anyio

CODE_QUESTION = "why does my python function raise an exception in the unit test"

GOOD = trained_router().dumps().encode()
# Same topics, labels swapped: telling the two apart shows which router is serving.
SWAPPED = trained_router(seed=5).dumps().replace(CODE_MODEL, "tmp/x")
SWAPPED = SWAPPED.replace(CHAT_MODEL, CODE_MODEL).replace("tmp/x", CHAT_MODEL).encode()


def reloads(result: str) -> float:
    value = REGISTRY.get_sample_value("zeroclaw_router_reloads_total", {"result": result})
    return value or 0.0


class Settings:
    """A config snapshot the test can replace, as a config hot reload would, and the router the
    service published (what `Runtime.router` would hold)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.router: KnnRouter | None = None

    def publish(self, router: KnnRouter | None) -> None:
        self.router = router

    def __call__(self) -> Config:
        return self.config


@asynccontextmanager
async def running(
    model_path: str | Path, *, interval: float | None = None, **fields: Any
) -> AsyncIterator[tuple[RouterService, Settings]]:
    settings = Settings(router_config(model_path, **fields))
    service = RouterService(settings, publish=settings.publish, interval=interval)
    await service.start()
    try:
        yield service, settings
    finally:
        await service.stop()


async def wait_for(service: RouterService, result: str) -> None:
    with anyio.fail_after(5):
        while (await service.next_check()).result != result:
            pass


async def test_start_loads_publishes_and_stop_clears(tmp_path: Path) -> None:
    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    applied = reloads("applied")
    async with running(path, hot_reload=False) as (service, settings):
        assert service.router is not None
        assert settings.router is service.router
        assert service.select(CODE_QUESTION) == CODE_MODEL
        assert reloads("applied") == applied + 1
        assert service.last_result is not None
        assert service.last_result.result == "applied"
    assert settings.router is None


async def test_changed_file_is_swapped_in_by_the_poller(tmp_path: Path) -> None:
    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    async with running(path, interval=0.02) as (service, settings):
        old = service.router
        assert old is not None
        assert service.select(CODE_QUESTION) == CODE_MODEL
        await wait_for(service, "unchanged")  # the poller runs and leaves an unchanged file be
        assert service.router is old

        atomic_write_bytes(path, SWAPPED)
        await wait_for(service, "applied")
        assert service.router is not old
        assert settings.router is service.router
        assert service.select(CODE_QUESTION) == CHAT_MODEL


async def test_broken_file_keeps_the_old_router_and_counts_a_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    async with running(path, interval=0.02) as (service, _):
        old = service.router
        assert old is not None
        failed = reloads("failed")

        atomic_write_bytes(path, b'{"format": "zeroclaw-router", "version": 1')  # torn JSON
        await wait_for(service, "failed")
        assert service.router is old
        assert service.select(CODE_QUESTION) == CODE_MODEL
        assert reloads("failed") == failed + 1
        assert f"router reload failed (keeping version {old.version})" in caplog.text
        assert "invalid JSON" in caplog.text

        # The poller does not retry the same broken file; a forced reload does.
        await wait_for(service, "unchanged")
        assert reloads("failed") == failed + 1
        result = await service.reload_now()
        assert result["reloaded"] is False
        assert result["result"] == "failed"
        assert result["version"] == old.version
        assert "invalid JSON" in result["error"]

        atomic_write_bytes(path, SWAPPED)
        result = await service.reload_now()
        assert result["reloaded"] is True
        assert result["version"] == service.router.version
        assert service.router is not old


async def test_unknown_labels_and_pickles_are_refused(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    async with running(path, hot_reload=False) as (service, _):
        old = service.router
        atomic_write_bytes(path, GOOD.replace(CHAT_MODEL.encode(), b"mistral/unlisted"))
        result = await service.reload_now()
        assert result["result"] == "failed"
        assert "label 'mistral/unlisted' is not in router.candidates" in result["error"]
        atomic_write_bytes(path, pickle.dumps(json.loads(GOOD)))
        result = await service.reload_now()
        assert result["result"] == "failed"
        assert "pickle" in result["error"]
        assert service.router is old


async def test_reload_now_unchanged_strategy_names_and_config_changes(tmp_path: Path) -> None:
    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    async with running(path, hot_reload=False) as (service, settings):
        version = service.router.version if service.router else None
        result = await service.reload_now()
        assert result == {
            "strategy": "knn",
            "reloaded": False,
            "result": "unchanged",
            "version": version,
            "error": None,
        }
        assert (await service.reload_now(strategy="llmrouter-knn"))["result"] == "unchanged"
        with pytest.raises(RouterError, match="unknown strategy 'svm' \\(configured: knn\\)"):
            await service.reload_now(strategy="svm")

        # A [router] change (here: fewer candidates) reloads an unchanged file and re-validates.
        settings.config = router_config(path, candidates=(CHAT_MODEL,), hot_reload=False)
        result = await service.reload_now()
        assert result["result"] == "failed"
        assert "not in router.candidates" in result["error"]
        assert service.router is not None
        assert service.router.version == version

        # Back to the settings the serving router was loaded with: nothing to do.
        settings.config = router_config(path, candidates=CANDIDATES, hot_reload=False)
        assert (await service.reload_now())["result"] == "unchanged"
        settings.config = router_config(path, candidates=(*CANDIDATES, "x/y"), hot_reload=False)
        assert (await service.reload_now())["result"] == "applied"

        settings.config = router_config(None, hot_reload=False)  # router switched off
        result = await service.reload_now()
        assert result["error"] == "router not configured"
        assert service.router is None
        assert settings.router is None


async def test_missing_file_at_start_then_created(tmp_path: Path) -> None:
    path = tmp_path / "later.json"
    failed = reloads("failed")
    async with running(path, hot_reload=False) as (service, _):
        assert service.router is None
        assert service.select(CODE_QUESTION) is None
        assert reloads("failed") == failed + 1
        assert service.last_result is not None
        assert service.last_result.error == f"{path}: no such file"
        atomic_write_bytes(path, GOOD)
        assert (await service.reload_now())["reloaded"] is True
        assert service.select(CODE_QUESTION) == CODE_MODEL


async def test_hot_reload_switched_on_by_config_starts_the_poller(tmp_path: Path) -> None:
    path = tmp_path / "router.json"
    atomic_write_bytes(path, GOOD)
    async with running(path, hot_reload=False, interval=0.02) as (service, settings):
        atomic_write_bytes(path, SWAPPED)
        settings.config = router_config(path, hot_reload=True)
        # reload_now applies the change and starts polling; the next poll finds nothing new.
        assert (await service.reload_now())["result"] == "applied"
        await wait_for(service, "unchanged")
        assert service.select(CODE_QUESTION) == CHAT_MODEL


def test_create_only_when_configured(tmp_path: Path) -> None:
    class Host:
        class runtime:
            config = router_config(tmp_path / "r.json")

    assert create(Host(), router_config(None)) is None  # type: ignore[arg-type]
    assert create(Host(), router_config(tmp_path / "r.json", strategy=None)) is None  # type: ignore[arg-type]
    service = create(Host(), Host.runtime.config)  # type: ignore[arg-type]
    assert isinstance(service, RouterService)
    assert service.name == "router"


# --- URLs --------------------------------------------------------------------------------------


class FileServer:
    """A loopback HTTP server serving one router file with an ETag, honouring If-None-Match."""

    def __init__(self, body: bytes, etag: str | None = '"v1"') -> None:
        self.body = body
        self.etag = etag
        self.status = 200
        self.conditional: list[str | None] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.conditional.append(request.headers.get("If-None-Match"))
        if self.status != 200:
            return web.Response(status=self.status, text="boom")
        if self.etag is not None and request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        headers = {"ETag": self.etag} if self.etag is not None else {}
        return web.Response(body=self.body, headers=headers, content_type="application/json")


@asynccontextmanager
async def serving(server: FileServer) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/models/router.json", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/models/router.json?sig=secret-token"
    finally:
        await runner.cleanup()


async def test_url_is_checked_by_etag(caplog: pytest.LogCaptureFixture) -> None:
    server = FileServer(GOOD)
    async with serving(server) as url, running(url, hot_reload=False) as (service, _):
        assert service.select(CODE_QUESTION) == CODE_MODEL
        assert server.conditional == [None]

        assert (await service.reload_now())["result"] == "unchanged"
        assert server.conditional[-1] == '"v1"'  # answered 304: nothing downloaded

        server.body, server.etag = SWAPPED, '"v2"'
        assert (await service.reload_now())["result"] == "applied"
        assert service.select(CODE_QUESTION) == CHAT_MODEL

        server.status = 500
        result = await service.reload_now()
        assert result["result"] == "failed"
        assert result["error"].endswith("HTTP 500")
        assert service.select(CODE_QUESTION) == CHAT_MODEL
    assert "secret-token" not in caplog.text  # presigned query strings stay out of the logs


async def test_url_without_validators_is_compared_by_content() -> None:
    server = FileServer(GOOD, etag=None)
    async with serving(server) as url, running(url, hot_reload=False) as (service, _):
        old = service.router
        assert (await service.reload_now())["result"] == "unchanged"
        server.body = SWAPPED
        assert (await service.reload_now())["result"] == "applied"
        assert service.router is not old


async def test_url_polling_picks_up_a_new_etag() -> None:
    server = FileServer(GOOD)
    async with serving(server) as url, running(url, interval=0.02) as (service, _):
        await wait_for(service, "unchanged")
        server.body, server.etag = SWAPPED, '"v2"'
        await wait_for(service, "applied")
        assert service.select(CODE_QUESTION) == CHAT_MODEL
