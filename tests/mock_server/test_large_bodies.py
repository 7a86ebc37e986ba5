"""Large bodies: validated once, and a large answer's validation never holds other clients up."""
from __future__ import annotations

import json
import logging
import threading
import time

import httpx

DEFS = "/v1/workflows/definitions"
JSON = {"Content-Type": "application/json"}


def _big_definition(steps: int, due: dict[str, str] | None = None) -> bytes:
    """A valid definition whose flow holds `steps` steps (about 100 bytes each, each with `due` added)."""
    sections = [{"name": f"Section {s}", "type": "SECTION", "order": s + 1,
                 "steps": [{"name": f"Step {i} of section {s}", "executionType": "MANUAL", "type": "STEP", "order": i + 1,
                            **(due or {})} for i in range(50)]} for s in range(steps // 50)]
    return json.dumps({"name": "big", "flow": sections}).encode()


def _unfitted(monkeypatch) -> None:
    """Answers as stored: a broken object reaches the response check (as a behaviour's own answer would)."""
    from mock_server.request_path.crud import Crud

    monkeypatch.setattr(Crud, "_fit", lambda self, call, schema, body, status=None: body)


def test_a_large_answer_is_sent_first_and_validated_in_a_worker_thread(serve, caplog, monkeypatch):
    _unfitted(monkeypatch)
    server = serve(seed=1, strict_responses=False)
    created = server.client.post(DEFS, content=_big_definition(700), headers=JSON)
    assert created.status_code == 201 and len(created.content) > 64 * 1024, created.text[:300]
    stored = server.app.store.tenant("default").find("workflow-definitions", DEFS, created.json()["id"])
    stored["flow"][3]["steps"][7]["order"] = "seventh"  # what a broken behaviour could leave in a large object
    with caplog.at_level(logging.WARNING, logger="mock_server.request_path.engine"):
        read = server.client.get(f"{DEFS}/{created.json()['id']}")
        assert read.status_code == 200 and read.json()["flow"][3]["steps"][7]["order"] == "seventh"
        deadline = time.monotonic() + 120
        while "breaks the spec" not in caplog.text:
            assert time.monotonic() < deadline, "the deferred check did not report the violation"
            time.sleep(0.1)
    assert "getDefinition (200, " in caplog.text and "flow[3].steps[7].order" in caplog.text


def test_with_strict_responses_a_large_answer_is_checked_before_it_is_sent(serve, monkeypatch):
    _unfitted(monkeypatch)
    server = serve(seed=1, strict_responses=True)
    created = server.client.post(DEFS, content=_big_definition(700), headers=JSON)
    assert created.status_code == 201
    stored = server.app.store.tenant("default").find("workflow-definitions", DEFS, created.json()["id"])
    stored["flow"][0]["steps"][0]["order"] = "first"
    refused = server.client.get(f"{DEFS}/{created.json()['id']}")
    assert refused.status_code == 500 and "flow[0].steps[0].order" in refused.text


def test_other_clients_keep_being_answered_while_a_large_body_is_handled(serve):
    server = serve(seed=1, strict_responses=False)
    small = server.client.post(DEFS, json={"name": "probe", "flow": []}).json()["id"]
    latencies: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=server.url, headers=server.client.headers, timeout=120) as client:
            while not stop.is_set():
                started = time.monotonic()
                assert client.get(f"{DEFS}/{small}").status_code == 200
                latencies.append(time.monotonic() - started)
                time.sleep(0.01)

    thread = threading.Thread(target=probe)
    thread.start()
    try:
        time.sleep(0.5)
        before = len(latencies)
        started = time.monotonic()
        # due on 29 February: only openapi-core can tell that date valid, so the body takes it a while (the compiled
        # check settles a plain one in milliseconds)
        leap_day = {"dueDate": "2024-02-29T10:00:00Z"}
        assert server.client.post(DEFS, content=_big_definition(1500, leap_day), headers=JSON).status_code == 201
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(120)
    during = latencies[before:]
    assert len(during) >= 5, f"the probe was answered {len(during)} times in {took:.1f} s"
    assert max(during) < max(0.5 * took, 1.0), f"a read waited {max(during):.1f} s of the large create's {took:.1f} s"
