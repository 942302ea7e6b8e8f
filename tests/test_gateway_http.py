"""Gateway HTTP surface (SPEC §9, §12): health, metrics, the page, sessions and their tokens,
admin auth for the reload endpoints, and a clear error when the port is taken."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import aiohttp
import pytest

from tests.gateway_support import RecordingHost, bearer, running_gateway
from tests.harness import running_runtime
from zeroclaw_py import __version__
from zeroclaw_py.errors import GatewayStartError
from zeroclaw_py.gateway.server import GatewayService

pytestmark = pytest.mark.anyio

MASTER = "sk-master-test-0123456789"


async def test_health_reports_ok_and_version() -> None:
    async with (
        running_gateway() as gw,
        aiohttp.ClientSession() as http,
        http.get(f"{gw.url}/health") as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"status": "ok", "version": __version__}


async def test_page_and_its_assets_are_served_from_the_package() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        async with http.get(f"{gw.url}/") as resp:
            page = await resp.text()
            assert resp.status == 200
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
        for asset in ("/static/app.js", "/static/style.css"):
            async with http.get(f"{gw.url}{asset}") as resp:
                assert resp.status == 200, asset
    assert 'id="provider"' in page
    assert 'id="model"' in page
    assert "/static/app.js" in page
    static = Path(__file__).parents[1] / "zeroclaw_py" / "gateway" / "static"
    assert {p.name for p in static.iterdir()} >= {"index.html", "app.js", "style.css"}


async def test_metrics_count_web_traffic_and_picker_switches() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        session, token = await gw.session(http)
        async with http.ws_connect(gw.ws_url(session, token)) as ws:
            await ws.send_json({"type": "message", "text": "count me"})
            while (await ws.receive_json())["event_type"] != "message":
                pass
            async with http.get(f"{gw.url}/metrics") as resp:
                open_sockets = _samples(await resp.text())["zeroclaw_web_sockets"]
        status, _ = await gw.select(http, token, session=session, provider="echo", model="other")
        assert status == 200
        async with http.get(f"{gw.url}/metrics") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/plain"
            text = await resp.text()
    samples = _samples(text)
    assert open_sockets >= 1
    assert samples.get('zeroclaw_messages_total{channel="web",outcome="answered"}', 0) >= 1
    assert samples.get('zeroclaw_route_switches_total{channel="web",kind="model"}', 0) >= 1
    assert 'zeroclaw_turn_seconds_count{model="echo",provider="echo"}' in samples


def _samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


@pytest.mark.parametrize("path", ["/config/reload", "/router/reload"])
async def test_admin_endpoints_do_not_exist_without_a_master_key(path: str) -> None:
    async with (
        running_gateway() as gw,
        aiohttp.ClientSession() as http,
        http.post(f"{gw.url}{path}", headers=bearer(MASTER)) as resp,
    ):
        assert resp.status == 404
    assert gw.host.config_reloads == []
    assert gw.host.router_reloads == []


@pytest.mark.parametrize("path", ["/config/reload", "/router/reload"])
@pytest.mark.parametrize(
    "headers",
    [{}, bearer("sk-master-wrong"), {"Authorization": MASTER}, bearer(MASTER[:-1])],
)
async def test_admin_endpoints_refuse_a_missing_or_wrong_key(
    path: str, headers: dict[str, str]
) -> None:
    async with (
        running_gateway(master_key=MASTER) as gw,
        aiohttp.ClientSession() as http,
        http.post(f"{gw.url}{path}", headers=headers) as resp,
    ):
        assert resp.status == 401
        assert "master key" in (await resp.json())["error"]
    assert gw.host.config_reloads == []
    assert gw.host.router_reloads == []


async def test_config_reload_with_the_master_key_returns_the_plan() -> None:
    async with (
        running_gateway(master_key=MASTER) as gw,
        aiohttp.ClientSession() as http,
        http.post(f"{gw.url}/config/reload", headers=bearer(MASTER)) as resp,
    ):
        assert resp.status == 200
        plan = await resp.json()
    assert gw.host.config_reloads == ["http"]
    assert plan["changed_paths"] == ["agent.model.primary"]


async def test_router_reload_passes_the_optional_strategy() -> None:
    async with running_gateway(master_key=MASTER) as gw, aiohttp.ClientSession() as http:
        url = f"{gw.url}/router/reload"
        async with http.post(url, headers=bearer(MASTER), json={"strategy": "knn"}) as resp:
            assert resp.status == 200
            assert (await resp.json())["strategy"] == "knn"
        async with http.post(url, headers=bearer(MASTER)) as resp:
            assert resp.status == 200
        async with http.post(url, headers=bearer(MASTER), data="{oops") as resp:
            assert resp.status == 400
    assert gw.host.router_reloads == ["knn", None]


async def test_api_needs_a_session_token_or_the_master_key() -> None:
    async with running_gateway(master_key=MASTER) as gw, aiohttp.ClientSession() as http:
        _session, token = await gw.session(http)
        async with http.get(f"{gw.url}/api/models") as resp:
            assert resp.status == 401
        async with http.get(f"{gw.url}/api/models", headers=bearer("nope")) as resp:
            assert resp.status == 401
        async with http.get(f"{gw.url}/api/models", headers=bearer(token)) as resp:
            assert resp.status == 200
            catalog = await resp.json()
        async with http.get(f"{gw.url}/api/models", headers=bearer(MASTER)) as resp:
            assert resp.status == 200
    ids = [p["id"] for p in catalog["providers"]]
    assert "echo" in ids
    assert "openai" in ids
    assert catalog["current"] == catalog["default"] == {"provider": "echo", "model": "echo"}


async def test_a_session_token_only_grants_its_own_session() -> None:
    async with running_gateway(master_key=MASTER) as gw, aiohttp.ClientSession() as http:
        mine, my_token = await gw.session(http)
        theirs, _ = await gw.session(http)
        body = {"session": theirs, "provider": "echo", "model": "stolen"}
        assert (await gw.select(http, my_token, **body))[0] == 403
        assert (await gw.select(http, MASTER, **body))[0] == 200
        status, refused = await gw.select(http, my_token, session=mine, provider="nosuch")
        assert status == 400
        assert "Unknown provider `nosuch`" in refused["error"]
        theirs_route = await gw.runtime.get_route(f"web_{theirs}")
        mine_route = await gw.runtime.get_route(f"web_{mine}")
    assert theirs_route.model == "stolen"
    assert mine_route.model == "echo"


async def test_sessions_open_freely_on_loopback_without_access_token() -> None:
    async with running_gateway() as gw, aiohttp.ClientSession() as http:
        first = await gw.session(http)
        second = await gw.session(http)
        # a DNS-rebinding page reaches 127.0.0.1 under its own name: no free session for it
        async with http.post(f"{gw.url}/api/session", headers={"Host": "evil.example"}) as resp:
            assert resp.status == 403
    assert first[0] != second[0]
    assert first[1] != second[1]


async def test_access_token_is_required_when_set() -> None:
    async with running_gateway(access_token="web-secret") as gw, aiohttp.ClientSession() as http:
        async with http.post(f"{gw.url}/api/session") as resp:
            assert resp.status == 401
        async with http.post(f"{gw.url}/api/session", headers=bearer("wrong")) as resp:
            assert resp.status == 401
        session, _ = await gw.session(http, headers=bearer("web-secret"))
    assert session


async def test_off_loopback_sessions_need_the_access_token() -> None:
    async with (
        running_gateway(host="0.0.0.0", access_token="web-secret") as gw,
        aiohttp.ClientSession() as http,
    ):
        async with http.post(f"{gw.url}/api/session") as resp:
            assert resp.status == 401
        session, _ = await gw.session(http, headers=bearer("web-secret"))
    assert session


async def test_off_loopback_without_access_token_keeps_sessions_closed() -> None:
    async with (
        running_gateway(host="0.0.0.0") as gw,
        aiohttp.ClientSession() as http,
        http.post(f"{gw.url}/api/session") as resp,
    ):
        assert resp.status == 403
        assert "gateway.access_token" in (await resp.json())["error"]


async def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        async with running_runtime() as runtime:
            config = dataclasses.replace(runtime.config.gateway, port=port)
            service = GatewayService(RecordingHost(runtime), config)
            with pytest.raises(GatewayStartError) as error:
                await service.start()
    assert f"127.0.0.1:{port}" in str(error.value)
    assert "already in use" in str(error.value)
