"""The one reload path: validate, diff, plan, apply per mode; single-flight; bad files."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from tests.reload_support import (
    RecordingHost,
    RecordingRuntime,
    config_text,
    load,
    watch_logs,
    write_atomic,
)
from zeroclaw_py.metrics import CONFIG_RELOADS
from zeroclaw_py.reload.manager import ReloadManager

pytestmark = pytest.mark.anyio

TELEGRAM = '[channels_config.telegram]\nbot_token = "1:a"\nallowed_users = ["{}"]\n'


def _setup(
    tmp_path: Path, text: str
) -> tuple[Path, RecordingRuntime, RecordingHost, ReloadManager]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    runtime = RecordingRuntime(load(text, path), tmp_path / "state")
    host = RecordingHost(runtime)
    manager = ReloadManager(path, runtime, host, missing_retry_delay_s=0.01)
    return path, runtime, host, manager


def _count(result: str) -> float:
    value = CONFIG_RELOADS.labels(result=result)._value.get()
    return float(value)


async def test_model_edit_is_applied_hot_with_the_exact_log_lines(tmp_path: Path) -> None:
    path, runtime, host, manager = _setup(tmp_path, config_text("echo/one"))
    before = _count("applied")
    write_atomic(path, config_text("echo/two"))
    with watch_logs() as logs:
        report = await manager.reload_now("http")
    assert runtime.config.agent.model.primary == "echo/two"
    assert len(runtime.applied) == 1
    assert report["result"] == "applied"
    assert report["source"] == "http"
    assert report["changed_paths"] == ["agent.model.primary"]
    assert report["actions"] == ["reload-models"]
    assert report["restart_required"] is False
    assert "config change detected; evaluating reload (agent.model.primary)" in logs.lines
    assert "config hot reload applied (agent.model.primary)" in logs.lines
    assert _count("applied") == before + 1
    assert host.calls == []


async def test_model_edit_rewrites_models_json(tmp_path: Path) -> None:
    provider = '[providers.local]\nkind = "openai"\napi_url = "http://127.0.0.1:9/v1"\n'
    path, runtime, _, manager = _setup(tmp_path, config_text(extra=provider))
    runtime.catalog()
    catalog_file = tmp_path / "state" / "models.json"
    assert "m1" not in catalog_file.read_text()
    declared = provider + 'models = [{ id = "m1", input = ["text", "image"] }]\n'
    write_atomic(path, config_text(extra=declared))
    report = await manager.reload_now("http")
    assert report["actions"] == ["reload-models"]
    models = json.loads(catalog_file.read_text())["providers"]["local"]["models"]
    assert [(m["id"], m["input"]) for m in models] == [("m1", ["text", "image"])]


async def test_unchanged_file_is_a_noop(tmp_path: Path) -> None:
    _, runtime, _, manager = _setup(tmp_path, config_text())
    report = await manager.reload_now("sighup")
    assert report["result"] == "noop"
    assert runtime.applied == []


async def test_invalid_toml_keeps_the_running_config_and_never_rewrites_the_file(
    tmp_path: Path,
) -> None:
    path, runtime, _, manager = _setup(tmp_path, config_text("echo/one"))
    broken = config_text("echo/two") + "[agent\n"
    write_atomic(path, broken)
    before = _count("skipped_invalid")
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "skipped_invalid"
    assert runtime.config.agent.model.primary == "echo/one"
    assert runtime.applied == []
    assert path.read_text() == broken
    assert _count("skipped_invalid") == before + 1
    (line,) = [x for x in logs.lines if x.startswith("config reload skipped (invalid config): ")]
    assert line.startswith(f"config reload skipped (invalid config): {path}: TOML syntax error")

    # a later valid edit applies
    write_atomic(path, config_text("echo/three"))
    assert (await manager.reload_now("watcher"))["result"] == "applied"
    assert runtime.config.agent.model.primary == "echo/three"


async def test_schema_error_logs_the_toml_path_and_keeps_the_config(tmp_path: Path) -> None:
    path, runtime, _, manager = _setup(tmp_path, config_text())
    bad = config_text("echo/two", extra='[channels_config.telegram]\nbot_token = "1:a"\n')
    write_atomic(path, bad.replace('bot_token = "1:a"', 'bot_token = "1:a"\nallowed_users = "a"'))
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "skipped_invalid"
    assert report["issues"] == [
        "channels_config.telegram.allowed_users: expected a list of strings"
    ]
    assert (
        "config reload skipped (invalid config): "
        "channels_config.telegram.allowed_users: expected a list of strings"
    ) in logs.lines
    assert runtime.config.agent.model.primary == "echo/one"


async def test_unreadable_file_is_skipped_as_invalid_not_a_failure(tmp_path: Path) -> None:
    path, runtime, _, manager = _setup(tmp_path, config_text())
    broken = b'[agent.model]\nprimary = "echo/\xff"\n'  # not UTF-8
    path.write_bytes(broken)
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "skipped_invalid"
    (line,) = [x for x in logs.lines if x.startswith("config reload skipped (invalid config): ")]
    assert line.endswith("not UTF-8 text")
    assert not any(x.startswith("config reload failed") for x in logs.lines)
    assert runtime.applied == []
    assert path.read_bytes() == broken


async def test_missing_file_is_retried_twice_then_skipped(tmp_path: Path) -> None:
    path, runtime, _, manager = _setup(tmp_path, config_text())
    path.unlink()
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "skipped_missing"
    assert logs.lines == [
        "config reload retry (1/2): config file not found",
        "config reload retry (2/2): config file not found",
        "config reload skipped (config file not found)",
    ]
    assert runtime.applied == []


async def test_a_file_back_within_the_retries_is_read(tmp_path: Path) -> None:
    path, runtime, _, _ = _setup(tmp_path, config_text())
    manager = ReloadManager(path, runtime, None, missing_retry_delay_s=1.0)
    path.unlink()
    with watch_logs() as logs:
        async with anyio.create_task_group() as group:
            results: list[dict[str, object]] = []

            async def run() -> None:
                results.append(await manager.reload_now("watcher"))

            group.start_soon(run)
            with anyio.fail_after(5):
                await logs.wait_for(lambda line: line.startswith("config reload retry (1/2)"))
            write_atomic(path, config_text("echo/back"))
    assert results[0]["result"] == "applied"
    assert runtime.config.agent.model.primary == "echo/back"


async def test_single_flight_with_one_queued_rerun(tmp_path: Path) -> None:
    path, runtime, host, manager = _setup(tmp_path, config_text())
    host.block_restart_service = anyio.Event()
    write_atomic(path, config_text(extra=TELEGRAM.format("alice")))
    reports: dict[str, dict[str, object]] = {}

    async def trigger(source: str) -> None:
        reports[source] = await manager.reload_now(source)

    async with anyio.create_task_group() as group:
        group.start_soon(trigger, "first")
        with anyio.fail_after(5):
            await host.restart_service_entered.wait()  # the first reload is mid-flight
        # three more triggers while it runs, and an edit they must all see
        write_atomic(path, config_text("echo/two", extra=TELEGRAM.format("bob")))
        for source in ("watcher", "http", "sighup"):
            group.start_soon(trigger, source)
        with anyio.fail_after(5):
            while len(manager._queued_sources) < 3:
                await anyio.wait_all_tasks_blocked()
        host.block_restart_service.set()
    assert manager.reloads == 2  # the first one and ONE rerun
    assert reports["first"]["changed_paths"] == ["channels_config.telegram"]
    rerun = reports["watcher"]
    assert rerun is reports["http"] is reports["sighup"]
    assert rerun["source"] == "watcher+http+sighup"
    assert rerun["changed_paths"] == [
        "agent.model.primary",
        "channels_config.telegram.allowed_users",
    ]
    assert runtime.config.agent.model.primary == "echo/two"
    assert host.calls == [("restart_service", "telegram"), ("restart_service", "telegram")]


async def test_channel_restarts_after_the_new_config_is_in_place(tmp_path: Path) -> None:
    path, _, host, manager = _setup(tmp_path, config_text(extra=TELEGRAM.format("alice")))
    write_atomic(path, config_text(extra=TELEGRAM.format("bob")))
    report = await manager.reload_now("http")
    assert report["actions"] == ["restart-channel:telegram"]
    assert host.calls == [("restart_service", "telegram")]
    (seen,) = host.config_at_restart
    assert seen.channels_config.telegram is not None
    assert seen.channels_config.telegram.allowed_users == ("bob",)


async def test_router_edit_reloads_the_router(tmp_path: Path) -> None:
    path, _, host, manager = _setup(tmp_path, config_text())
    write_atomic(path, config_text(extra='[router]\ncandidates = ["echo/a"]\n'))
    report = await manager.reload_now("http")
    assert report["actions"] == ["reload-router"]
    assert host.calls == [("reload_router", None)]


async def test_hybrid_restarts_when_a_path_needs_it(tmp_path: Path) -> None:
    path, runtime, host, manager = _setup(tmp_path, config_text())
    write_atomic(path, config_text("echo/two", extra="[gateway]\nport = 1234\n"))
    with watch_logs() as logs:
        report = await manager.reload_now("http")
    assert report["result"] == "restart"
    assert report["restart_reasons"] == ["gateway.port"]
    assert runtime.config.agent.model.primary == "echo/two"  # hot part applied meanwhile
    assert host.calls == [("request_restart", "gateway.port")]
    assert "config change requires restart (gateway.port)" in logs.lines


async def test_restart_mode_restarts_on_any_change(tmp_path: Path) -> None:
    mode = '[gateway.reload]\nmode = "restart"\n'
    text = '[agent.model]\nprimary = "echo/one"\n' + mode
    path, runtime, host, manager = _setup(tmp_path, text)
    write_atomic(path, text.replace("echo/one", "echo/two"))
    report = await manager.reload_now("http")
    assert report["result"] == "restart"
    assert host.calls == [("request_restart", "agent.model.primary")]
    assert runtime.applied == []


async def test_off_mode_logs_only_and_applies_later_when_turned_on(tmp_path: Path) -> None:
    off = '[gateway.reload]\nmode = "off"\n'
    path, runtime, host, manager = _setup(tmp_path, '[agent.model]\nprimary = "echo/one"\n' + off)
    write_atomic(path, '[agent.model]\nprimary = "echo/two"\n' + off)
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "disabled"
    assert "config reload disabled (gateway.reload.mode=off)" in logs.lines
    assert runtime.applied == []
    write_atomic(path, '[agent.model]\nprimary = "echo/two"\n')  # mode back to hybrid
    report = await manager.reload_now("watcher")
    assert report["changed_paths"] == ["agent.model.primary", "gateway.reload.mode"]
    assert report["result"] == "applied"
    assert runtime.config.agent.model.primary == "echo/two"
    assert host.calls == []


async def test_hot_mode_warns_about_restart_only_paths(tmp_path: Path) -> None:
    hot = '[gateway.reload]\nmode = "hot"\n'
    path, runtime, host, manager = _setup(tmp_path, "[gateway]\nport = 1\n" + hot)
    write_atomic(path, '[agent.model]\nprimary = "echo/two"\n[gateway]\nport = 2\n' + hot)
    with watch_logs() as logs:
        report = await manager.reload_now("watcher")
    assert report["result"] == "applied"
    assert host.calls == []
    assert "config reload requires restart; hot mode ignoring (gateway.port)" in logs.lines
    assert runtime.config.agent.model.primary == "echo/two"


async def test_debounce_setting_follows_the_newest_valid_file(tmp_path: Path) -> None:
    path, _, _, manager = _setup(tmp_path, config_text(debounce_ms=300))
    assert manager.settings.debounce_ms == 300
    write_atomic(path, config_text(debounce_ms=25))
    report = await manager.reload_now("watcher")
    assert report["noop_paths"] == ["gateway.reload.debounce_ms"]
    assert manager.settings.debounce_ms == 25


async def test_a_failing_action_is_reported_scrubbed_and_the_others_still_run(
    tmp_path: Path,
) -> None:
    path, runtime, host, manager = _setup(tmp_path, config_text(extra=TELEGRAM.format("alice")))
    host.restart_service_error = RuntimeError("login failed for sk-abcdefghijklmnopqrstuvwx")
    router = '[router]\ncandidates = ["echo/a"]\n'
    write_atomic(path, config_text("echo/two", extra=TELEGRAM.format("bob") + router))
    report = await manager.reload_now("http")
    assert report["result"] == "applied"
    assert host.calls == [("restart_service", "telegram"), ("reload_router", None)]
    (failure,) = report["failures"]
    assert failure.startswith("restart-channel:telegram: login failed for ")
    assert "sk-abcdefghijklmnopqrstuvwx" not in failure
    assert runtime.config.agent.model.primary == "echo/two"
