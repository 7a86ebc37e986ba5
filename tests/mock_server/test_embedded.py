"""Embedded sub-resources (x-flowmock-embedded) and declared filters (x-flowmock-filter) on a foreign spec."""
from __future__ import annotations

import pytest

from tests.conftest import TESTS_DIR

ORDERS = TESTS_DIR / "fixtures" / "orders" / "openapi.yaml"


@pytest.fixture
def orders(serve):
    return serve(specs=(ORDERS,), seed=3)


def test_lines_live_inside_their_order(orders):
    c = orders.client
    order = c.post("/orders", json={"customer": {"name": "Ada"}, "lines": []}).json()
    base = f"/orders/{order['id']}/lines"
    first = c.post(base, json={"sku": "A-1", "quantity": 1})
    assert first.status_code == 201, first.text
    second = c.post(base, json={"sku": "B-2", "quantity": 2, "position": 0}).json()
    assert [line["sku"] for line in c.get(f"/orders/{order['id']}").json()["lines"]] == ["B-2", "A-1"]
    assert first.headers["Location"].endswith(f"{base}/{first.json()['id']}")

    patched = c.patch(f"{base}/{first.json()['id']}", json={"quantity": 5})
    assert patched.status_code == 200 and patched.json()["quantity"] == 5
    stored = c.get(f"/orders/{order['id']}").json()
    assert {line["sku"]: line["quantity"] for line in stored["lines"]} == {"B-2": 2, "A-1": 5}
    assert stored["updatedAt"] >= order.get("updatedAt", ""), "a change to a line is a change to its order"
    assert c.get(f"{base}/{second['id']}").json() == second

    assert c.delete(f"{base}/{second['id']}").status_code == 204
    assert [line["sku"] for line in c.get(f"/orders/{order['id']}").json()["lines"]] == ["A-1"]
    assert c.get(f"{base}/{second['id']}").status_code == 404


def test_lines_inside_a_group_and_moves_between_groups(orders):
    c = orders.client
    order = c.post("/orders", json={"customer": {"name": "Bo"}, "lines": [
        {"id": "bundle-1", "sku": "BUNDLE", "lines": [{"id": "l-1", "sku": "X"}]},
        {"id": "l-2", "sku": "Y"}]}).json()
    base = f"/orders/{order['id']}/lines"
    inside = c.post(base, json={"sku": "Z", "bundleId": "bundle-1", "position": 0})
    assert inside.status_code == 201, inside.text
    bundle = c.get(f"/orders/{order['id']}").json()["lines"][0]
    assert [line["sku"] for line in bundle["lines"]] == ["Z", "X"]
    assert c.get(f"{base}/l-1").json()["sku"] == "X", "items inside a group are addressable"
    assert c.get(f"{base}/bundle-1").status_code == 404, "a group is not an item"

    moved = c.patch(f"{base}/l-2", json={"moveTo": {"bundleId": "bundle-1", "index": 1}})
    assert moved.status_code == 200, moved.text
    lines = c.get(f"/orders/{order['id']}").json()["lines"]
    assert [line["sku"] for line in lines] == ["BUNDLE"]
    assert [line["sku"] for line in lines[0]["lines"]] == ["Z", "Y", "X"]
    assert c.get(f"{base}/l-2").json()["bundleId"] == "bundle-1"

    before = c.get(f"/orders/{order['id']}").json()
    refused = c.patch(f"{base}/l-2", json={"quantity": 9, "moveTo": {"bundleId": "no-such-bundle"}})
    assert refused.status_code == 404 and "no-such-bundle" in refused.json()["detail"]
    assert c.get(f"/orders/{order['id']}").json() == before, "a refused move changes nothing"
    unknown_group = c.post(base, json={"sku": "Q", "bundleId": "nope"})
    assert unknown_group.status_code == 404 and unknown_group.json()["errors"][0]["field"] == "bundleId"


def test_unknown_parent_is_a_404_naming_it(orders):
    refused = orders.client.post("/orders/missing/lines", json={"sku": "A"})
    assert refused.status_code == 404 and "missing" in refused.json()["detail"]
    assert orders.client.patch("/orders/missing/lines/x", json={"sku": "A"}).status_code == 404


def test_declared_filters_reach_inside_items(orders):
    c = orders.client
    c.post("/orders", json={"customer": {"name": "Ada Lovelace"}, "lines": [{"id": "1", "sku": "A-1"}]})
    c.post("/orders", json={"customer": {"name": "Bob"}, "lines": [{"id": "2", "sku": "B-2"}, {"id": "3", "sku": "A-1"}]})
    c.post("/orders", json={"customer": {"name": "Carla"}, "lines": []})
    assert sorted(o["customer"]["name"] for o in c.get("/orders", params={"sku": "A-1"}).json()) == ["Ada Lovelace", "Bob"]
    assert [o["customer"]["name"] for o in c.get("/orders", params={"customer": "LOVE"}).json()] == ["Ada Lovelace"]
    assert c.get("/orders", params={"sku": "A-1", "customer": "bob"}).json()[0]["customer"]["name"] == "Bob"
    assert c.get("/orders", params={"sku": "nothing"}).json() == []
