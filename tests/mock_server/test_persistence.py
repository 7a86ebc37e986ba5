"""--state-file over real HTTP and real processes: restarts, SIGKILL in a burst, SIGTERM/SIGINT, refused files."""
from __future__ import annotations

import functools
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app, load_specs
from mock_server.config import ServerConfig
from mock_server.errors import ConfigError
from mock_server.server import BackgroundServer, free_port
from mock_server.request_path.models import build_models
from mock_server.request_path.resources import infer_actions
from mock_server.request_path.state_import import StateChecker

WORKSPACE = "7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11"
WS = f"/api/v2/w/{WORKSPACE}/workflows"
AUTH = {"Authorization": "Bearer t"}


@functools.cache
def bundled_specs() -> list:
    """The bundled specs, loaded once for this module."""
    return load_specs(ServerConfig())


def check_export(data: object, specs: list) -> None:
    """Fail with the problems the server's own check finds in an export."""
    models = {spec.name: build_models(spec, infer_actions(spec)) for spec in specs}
    assert StateChecker(specs, models, 10).problems(data) == []


def stored_names(path: Path) -> list[str]:
    """The workspace workflow names a state file holds (after checking it against the specs)."""
    data = json.loads(path.read_bytes())
    check_export(data, bundled_specs())
    names = []
    for state in data["tenants"].values():
        for key, items in state["buckets"].items():
            if key.startswith("workspace-workflows|") and key.endswith(WORKSPACE):
                names += [item["name"] for item in items.values()]
    return sorted(names)


class Serve:
    """A real `flowmock serve` process on a free port."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(self.port), "--empty", "--seed", "1",
                   "--log-level", "warning", *options]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise AssertionError(self.process.communicate())
            try:
                httpx.get(self.url + "/__flowmock/health", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError("flowmock serve did not start") from None
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[str, str]:
        self.process.send_signal(sig)
        return self.process.communicate(timeout=timeout)


def test_state_survives_a_restart_and_reset_is_persisted_too(tmp_path):
    state_file = tmp_path / "state.json"
    config = ServerConfig(seed=1, state_file=state_file, state_interval=0.2, strict_responses=True)
    with BackgroundServer(create_app(config).asgi, lifespan="on") as server:
        created = httpx.post(server.url + WS, json={"name": "keep me"}, headers=AUTH).json()
        httpx.post(server.url + WS, json={"name": "and me"}, headers=AUTH)
        deadline = time.monotonic() + 5
        while not state_file.exists() or stored_names(state_file) != ["and me", "keep me"]:
            assert time.monotonic() < deadline, "the state file was not written within a few intervals"
            time.sleep(0.05)
    assert oct(state_file.stat().st_mode & 0o777) == "0o600", "the state file is private to its owner"
    with BackgroundServer(create_app(config).asgi, lifespan="on") as server:
        assert httpx.get(f"{server.url}{WS}/{created['id']}", headers=AUTH).json()["name"] == "keep me"
        httpx.post(server.url + "/__flowmock/reset")
    assert stored_names(state_file) == [], "the reset is written at shutdown"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_writes_are_debounced_to_at_most_one_per_interval(tmp_path):
    state_file = tmp_path / "state.json"
    interval = 0.5
    config = ServerConfig(seed=1, state_file=state_file, state_interval=interval, strict_responses=True)
    with BackgroundServer(create_app(config).asgi, lifespan="on") as server, httpx.Client(base_url=server.url, headers=AUTH) as c:
        versions, started, n = set(), time.monotonic(), 0
        while time.monotonic() - started < 2.0:
            assert c.post(WS, json={"name": f"w{n}"}).status_code == 201
            n += 1
            if state_file.exists():
                versions.add(state_file.stat().st_ino)  # every write is a new file renamed into place
        elapsed = time.monotonic() - started
    assert n > 20
    assert 2 <= len(versions) <= elapsed / interval + 2, (len(versions), n, elapsed)
    assert len(stored_names(state_file)) == n, "the last changes are written at shutdown"


def test_sigkill_during_a_burst_of_writes_loses_at_most_the_last_interval(tmp_path):
    state_file = tmp_path / "state.json"
    interval = 0.25
    server = Serve("--state-file", str(state_file), "--state-interval", str(interval))
    acked: dict[str, float] = {}  # name -> when the 201 arrived
    stop = threading.Event()

    def writer(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as client:
            for i in range(100_000):
                if stop.is_set():
                    return
                try:
                    if client.post(WS, json={"name": f"w{worker}-{i:05d}"}).status_code == 201:
                        acked[f"w{worker}-{i:05d}"] = time.monotonic()
                except httpx.TransportError:
                    return

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    started = time.monotonic()  # at least 4 s of burst and 60 acknowledged creates (a busy machine needs longer)
    while time.monotonic() - started < 4 or (len(acked) <= 60 and time.monotonic() - started < 60):
        time.sleep(0.1)
    killed_at = time.monotonic()
    server.process.kill()
    server.process.communicate(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(10)

    survived = stored_names(state_file)  # valid JSON, every object valid for its schema
    assert set(survived) <= set(acked) | {n for n in map(_next_name, acked)}, "only objects clients sent"
    for worker in range(6):  # each client wrote in order: a later create is kept only with every earlier one
        mine = sorted(int(n.split("-")[1]) for n in survived if n.startswith(f"w{worker}-"))
        assert mine == list(range(len(mine))), f"worker {worker} has holes: {mine[:5]}..."
    lost = [acked[n] for n in set(acked) - set(survived)]
    staleness = killed_at - min(lost) if lost else 0.0
    print(f"SIGKILL after {len(acked)} acknowledged creates: {len(set(acked) & set(survived))} survived, "
          f"{len(lost)} lost, oldest lost acknowledged {staleness:.3f} s before the kill (interval {interval} s)")
    assert len(acked) > 50 and survived
    assert staleness <= interval + 0.5, f"lost a create acknowledged {staleness:.2f} s before the kill"

    restarted = Serve("--state-file", str(state_file))
    try:
        listed = httpx.get(restarted.url + WS, headers=AUTH, params={"limit": 100_000}).json()
        assert len(listed) == len(survived)
        assert not list(tmp_path.glob(".*.tmp")), "a temporary file left by the kill is removed at start"
    finally:
        restarted.stop()


def _next_name(name: str) -> str:
    """The create a client had in flight after `name` (it may be stored without its 201 arriving)."""
    worker, index = name.split("-")
    return f"{worker}-{int(index) + 1:05d}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_shutdown_lets_in_flight_requests_finish_and_writes_the_state(tmp_path, sig):
    state_file = tmp_path / "state.json"
    server = Serve("--state-file", str(state_file), "--state-interval", "3600")
    httpx.post(server.url + WS, json={"name": "first"}, headers=AUTH)  # written at once; the next write waits an hour
    httpx.post(server.url + WS, json={"name": "second"}, headers=AUTH)
    answers: list[httpx.Response] = []
    slow = threading.Thread(target=lambda: answers.append(httpx.post(
        server.url + WS, json={"name": "in flight"}, headers={**AUTH, "Prefer": "delay=1500"}, timeout=30)))
    slow.start()
    time.sleep(0.5)
    assert stored_names(state_file) == ["first"]
    server.stop(sig)
    slow.join(30)
    assert answers and answers[0].status_code == 201, "the in-flight request finished"
    assert server.process.returncode in (0, -sig), "a clean exit (uvicorn re-raises the signal it handled)"
    assert stored_names(state_file) == ["first", "in flight", "second"]


def test_shutdown_waits_no_longer_than_the_grace_period(tmp_path):
    server = Serve("--state-file", str(tmp_path / "state.json"), "--shutdown-grace", "1")
    outcome: list[object] = []

    def slow() -> None:
        try:
            outcome.append(httpx.get(server.url + WS, headers={**AUTH, "Prefer": "delay=30000"}, timeout=60).status_code)
        except httpx.TransportError as exc:
            outcome.append(type(exc).__name__)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    thread.join(30)
    assert took < 5, f"shutdown took {took:.1f} s with --shutdown-grace 1"
    assert outcome and outcome[0] != 200


@pytest.fixture(scope="module")
def valid_export(tmp_path_factory) -> str:
    """A state file's text as the server wrote it."""
    state_file = tmp_path_factory.mktemp("valid") / "seed.json"
    with BackgroundServer(create_app(ServerConfig(seed=1, state_file=state_file)).asgi, lifespan="on") as server:
        httpx.post(server.url + WS, json={"name": "valid"}, headers=AUTH)
    return state_file.read_text()


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda d: "{\"version\": 1, ", "not JSON (line 1, column 16"),
    (lambda d: json.dumps({"version": 2, "tenants": {}}), "expected an export"),
    (lambda d: json.dumps({"version": 1, "tenants": "x"}), "expected an export"),
    (lambda d: json.dumps({"version": 1, "tenants": {"default": {"buckets": {"nope|/x": {}}}}}), "spec 'nope' is not served"),
    (lambda d: json.dumps(_with_item(d, lambda item: item.update(name=42))), "field 'name': 42 is not of type 'string'"),
    (lambda d: json.dumps(_with_item(d, lambda item: item.update(id="other"))), "not the key it is stored under"),
    (lambda d: json.dumps(_with_tenant(d, counters={"x": "1"})), "counters.x: must be an integer"),
    (lambda d: json.dumps(_with_tenant(d, jobs={"due": "x"})), "jobs: must be a list of scheduled jobs"),
    (lambda d: json.dumps({**d, "clock": {"advanced_seconds": -5}}), "clock.advanced_seconds: must be a number of seconds"),
    (lambda d: "\ufeff" + json.dumps(d)[:-1], "not JSON"),
    (lambda d: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (lambda d: "\xff\xfe", "not JSON"),
], ids=["truncated", "version", "tenants-not-object", "unknown-resource", "invalid-field", "id-mismatch", "counters", "jobs", "clock", "bom",
        "deep", "not-utf8"])
def test_a_bad_state_file_is_refused_with_a_clear_message_and_left_untouched(tmp_path, valid_export, breakage, message):
    state_file = tmp_path / "state.json"
    state_file.write_text(breakage(json.loads(valid_export)), encoding="utf-8")
    before = state_file.read_bytes()
    with pytest.raises(ConfigError) as refused:
        create_app(ServerConfig(seed=1, state_file=state_file), specs=bundled_specs())
    assert message in str(refused.value) and str(state_file) in str(refused.value) and "left untouched" in str(refused.value)
    assert state_file.read_bytes() == before


def test_cli_refuses_a_bad_state_file_with_exit_code_2(tmp_path):
    state_file = tmp_path / "state.json"
    state_file.write_text("{not json")
    result = subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--port", str(free_port()), "--state-file",
                             str(state_file)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"flowmock: --state-file {state_file}: not JSON (line 1, column 2")
    assert state_file.read_text() == "{not json"
    missing_dir = subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--state-file", str(tmp_path / "no" / "s.json")],
                                 capture_output=True, text=True, timeout=60)
    assert missing_dir.returncode == 2 and "does not exist" in missing_dir.stderr


def _with_item(data: dict, change) -> dict:
    for key, items in data["tenants"]["default"]["buckets"].items():
        if key.startswith("workspace-workflows|") and items:
            change(next(iter(items.values())))
            return data
    raise AssertionError("no workflow in the export")


def _with_tenant(data: dict, **fields: object) -> dict:
    data["tenants"]["default"].update(fields)
    return data


def test_a_write_that_fails_is_retried_and_the_server_keeps_answering(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir()
    state_file = directory / "state.json"
    config = ServerConfig(seed=1, state_file=state_file, state_interval=0.1)
    with BackgroundServer(create_app(config).asgi, lifespan="on") as server:
        shutil.rmtree(directory)  # the directory (and the lock file in it) vanishes under the running server: writes fail
        assert httpx.post(server.url + WS, json={"name": "later"}, headers=AUTH).status_code == 201
        time.sleep(0.3)
        assert httpx.get(server.url + WS, headers=AUTH).status_code == 200
        directory.mkdir()
        deadline = time.monotonic() + 5
        while not state_file.exists():
            assert time.monotonic() < deadline, "the write was not retried"
            time.sleep(0.05)
    assert stored_names(state_file) == ["later"]


def test_a_store_that_is_slow_to_serialize_is_written_less_often(tmp_path):
    """Serializing holds the event loop, so a large store is written at most once per 10x its serializing time."""
    import asyncio

    from mock_server.request_path.persistence import StateWriter

    class SlowStore:
        exports = 0

        def export(self):
            SlowStore.exports += 1
            time.sleep(0.05)  # as long as serializing a few thousand objects
            return {"version": 1, "tenants": {}}

    async def burst() -> None:
        writer = StateWriter(tmp_path / "state.json", SlowStore(), interval=0.05)  # type: ignore[arg-type]
        await writer.start()
        for _ in range(100):  # 2 s of changes
            writer.changed()
            await asyncio.sleep(0.02)
        await writer.stop()

    asyncio.run(burst())
    assert 2 <= SlowStore.exports <= 2.0 / 0.5 + 2, SlowStore.exports  # not one per 0.05 s interval (about 40)


def test_whatever_the_apis_store_is_accepted_back_as_a_state_file(serve, tmp_path):
    """Every resource of every bundled API walked (create, update, delete, with their parents): the file reloads."""
    from tests.scenarios.walk import parent_values, resource_ops, walk

    state_file = tmp_path / "state.json"
    running = serve(seed=3, state_file=state_file, state_interval=0.1)
    for spec in running.app.specs:
        resources = resource_ops(running.app, spec)
        models = running.app.engine.apis[spec.name].crud.models
        for resource, ops in sorted(resources.items()):
            if "create" in ops.ops and models[resource].embedding is None:
                walk(running.client, running.app, spec, ops, parent_values(running.client, running.app, spec, resources, resource))
    exported = httpx.get(running.url + "/__flowmock/state").json()
    holding = {key.split("|")[0] for key, items in exported["tenants"]["default"]["buckets"].items() if items}
    assert len(holding) >= 3, holding
    check_export(exported, running.app.specs)
    running.server.stop()
    deadline = time.monotonic() + 30  # the last write happens during shutdown, which a busy machine may take a while to reach
    while json.loads(state_file.read_bytes()) != exported:
        assert time.monotonic() < deadline, "the state at shutdown was not written"
        time.sleep(0.1)
    reloaded = create_app(ServerConfig(seed=3, state_file=state_file), specs=running.app.specs)
    assert reloaded.store.export() == exported


def test_a_second_server_on_the_same_state_file_is_refused_until_the_first_one_exits(tmp_path):
    """An OS lock is held while serving: a second server exits 2 naming the first; a SIGKILLed holder leaves no stale lock."""
    state_file = tmp_path / "state.json"
    first = Serve("--state-file", str(state_file), "--state-interval", "0.1")
    try:
        assert httpx.post(first.url + WS, json={"name": "first's"}, headers=AUTH).status_code == 201
        second = subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--port", str(free_port()), "--empty",
                                 "--state-file", str(state_file)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip() == (f"flowmock: --state-file {state_file}: already in use by another running flowmock "
                                         f"server (process {first.process.pid}); stop that server or choose another --state-file")
        assert second.stdout == "", "refused before the banner"
        assert httpx.post(first.url + WS, json={"name": "still first's"}, headers=AUTH).status_code == 201
        deadline = time.monotonic() + 10
        while not state_file.exists() or len(stored_names(state_file)) < 2:
            assert time.monotonic() < deadline, "the state file was not written"
            time.sleep(0.05)
    finally:
        first.process.kill()  # SIGKILL: the kernel drops the lock, the lock file stays behind
        first.process.communicate(timeout=10)
    assert (tmp_path / ".state.json.lock").exists()
    restarted = Serve("--state-file", str(state_file))
    try:
        assert sorted(w["name"] for w in httpx.get(restarted.url + WS, headers=AUTH).json()) == ["first's", "still first's"]
    finally:
        restarted.stop()
    after_clean_exit = Serve("--state-file", str(state_file))  # SIGTERM released it too
    after_clean_exit.stop()
    assert after_clean_exit.process.returncode in (0, -signal.SIGTERM)


def test_the_lock_is_held_while_an_app_serves_and_released_when_it_stops(tmp_path):
    state_file = tmp_path / "state.json"
    config = ServerConfig(seed=1, state_file=state_file)
    with BackgroundServer(create_app(config, specs=bundled_specs()).asgi, lifespan="on"):
        with pytest.raises(ConfigError, match="already in use by another running flowmock server"):
            create_app(config, specs=bundled_specs())
    with BackgroundServer(create_app(config, specs=bundled_specs()).asgi, lifespan="on") as server:
        assert httpx.get(server.url + "/__flowmock/health").status_code == 200
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    for _ in range(2):  # a refused file releases the lock: the same mistake gives the same message, not "in use"
        with pytest.raises(ConfigError, match="not JSON"):
            create_app(ServerConfig(seed=1, state_file=broken), specs=bundled_specs())


def test_clock_moves_survive_a_restart(tmp_path):
    state_file = tmp_path / "state.json"
    config = ServerConfig(seed=1, state_file=state_file, state_interval=0.1, strict_responses=True)
    with BackgroundServer(create_app(config, specs=bundled_specs()).asgi, lifespan="on") as server:
        start = httpx.get(server.url + "/__flowmock/clock").json()["now"]
        assert httpx.post(server.url + "/__flowmock/clock", json={"advance": "90m"}).status_code == 200
        moved = httpx.post(server.url + "/__flowmock/clock", json={"to": "2031-05-01T12:00:00Z"}).json()["now"]
        assert moved == "2031-05-01T12:00:00.000Z" and moved != start
    assert json.loads(state_file.read_bytes())["clock"]["advanced_seconds"] > 0
    with BackgroundServer(create_app(config, specs=bundled_specs()).asgi, lifespan="on") as server:
        assert httpx.get(server.url + "/__flowmock/clock").json()["now"] == "2031-05-01T12:00:00.000Z"
        created = httpx.post(server.url + WS, json={"name": "after the move"}, headers=AUTH).json()
        assert created["createdAt"].startswith("2031-05-01T12:00"), created
        refused = httpx.post(server.url + "/__flowmock/clock", json={"to": "2030-01-01T00:00:00Z"})
        assert refused.status_code == 400, "the restored clock still only moves forward"


def test_a_state_import_restores_the_clock_and_refuses_a_bad_one(serve):
    running = serve(seed=1)
    httpx.post(running.url + "/__flowmock/clock", json={"advance": "1d"})
    exported = httpx.get(running.url + "/__flowmock/state").json()
    assert exported["clock"] == {"advanced_seconds": 86400.0}
    moved = httpx.get(running.url + "/__flowmock/clock").json()["now"]
    httpx.post(running.url + "/__flowmock/clock", json={"advance": "1d"})
    assert httpx.put(running.url + "/__flowmock/state", json=exported).status_code == 200
    assert httpx.get(running.url + "/__flowmock/clock").json()["now"] == moved, "the clock is part of the state"
    bad = httpx.put(running.url + "/__flowmock/state", json={**exported, "clock": {"advanced_seconds": "soon"}})
    assert bad.status_code == 400 and "clock.advanced_seconds" in bad.json()["detail"]
    assert httpx.get(running.url + "/__flowmock/clock").json()["now"] == moved, "a refused import changes nothing"
