"""Tenants cost nothing until their first write, and only the most recently used keep a state of their own."""
from __future__ import annotations

import httpx


def _as(server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_reads_share_the_baseline_and_the_least_recently_used_tenant_is_dropped(serve):
    from mock_server.cli import _bundled_fixtures

    server = serve(seed=2, isolate_by="token", max_tenants=2, fixtures_dir=_bundled_fixtures(), validate_fixtures=False)
    baseline = len(_as(server, "reader-0").get("/v1/workflows/definitions").json())
    for i in range(5):
        assert len(_as(server, f"reader-{i}").get("/v1/workflows/definitions").json()) == baseline
    assert server.client.get("/__flowmock/state").json()["tenants"] == {}, "readers own no state"

    created = {}
    for name in ("ann", "bob", "cid"):
        response = _as(server, name).post("/v1/workflows/definitions", json={"name": f"Onboarding {name}", "flow": []})
        assert response.status_code == 201, response.text
        created[name] = response.json()["name"]
    assert len(server.client.get("/__flowmock/state").json()["tenants"]) == 2
    ann = [d["name"] for d in _as(server, "ann").get("/v1/workflows/definitions").json()]
    assert created["ann"] not in ann and len(ann) == baseline, "the least recently used tenant starts over"
    cid = [d["name"] for d in _as(server, "cid").get("/v1/workflows/definitions").json()]
    assert created["cid"] in cid and created["bob"] not in cid, "tenants never see each other's data"
