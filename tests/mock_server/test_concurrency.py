"""50 clients at once: no errors, no lost or mixed-up updates, shared and isolated (bounded: 50 × 4 rounds)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

CLIENTS, ROUNDS = 50, 4  # 200 definitions: under the default limit of 250


def _client_session(url: str, index: int) -> list[str]:
    """Create, update and re-read this client's own definitions; returns what went wrong."""
    problems: list[str] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer client-{index}"}, timeout=60) as c:
        for round_ in range(ROUNDS):
            name = f"client {index} round {round_}"
            created = c.post("/v1/workflows/definitions", json={"name": name, "flow": []})
            if created.status_code != 201:
                problems.append(f"create {created.status_code}")
                continue
            ident = created.json()["id"]
            renamed = c.put(f"/v1/workflows/definitions/{ident}", json={"name": name + " (updated)", "flow": []})
            if renamed.status_code != 200:
                problems.append(f"update {renamed.status_code}")
            read = c.get(f"/v1/workflows/definitions/{ident}")
            if read.status_code != 200 or read.json().get("name") != name + " (updated)":
                problems.append(f"read back {read.status_code} {read.text[:80]}")
    return problems


@pytest.mark.parametrize("isolate_by", [None, "token"])
def test_fifty_clients_at_once_lose_and_mix_nothing(serve, isolate_by):
    server = serve(seed=5, isolate_by=isolate_by)
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        problems = [p for found in pool.map(lambda i: _client_session(server.url, i), range(CLIENTS)) for p in found]
    assert problems == []
    if isolate_by is None:
        names = {d["name"] for d in server.client.get("/v1/workflows/definitions").json()}
        assert {f"client {i} round {r} (updated)" for i in range(CLIENTS) for r in range(ROUNDS)} <= names
    else:
        for index in (0, CLIENTS - 1):
            own = httpx.get(server.url + "/v1/workflows/definitions", headers={"Authorization": f"Bearer client-{index}"}).json()
            assert sorted(d["name"] for d in own) == sorted(f"client {index} round {r} (updated)" for r in range(ROUNDS))
