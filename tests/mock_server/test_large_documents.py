"""Large documents start fast: each object is walked once while loading, openapi-core's twin is built on the first
request, and a document of megabytes says what start-up is doing."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from mock_server.loading import loader, oaswalk
from mock_server.loading.spec import load_spec
from tests.conftest import TESTS_DIR
from tests.mock_server.test_loading import PETSTORE, cli_server  # noqa: F401  (fixture)

SPLIT = TESTS_DIR / "fixtures" / "loading" / "split" / "openapi.yaml"
BOOKS = TESTS_DIR / "fixtures" / "semantics" / "books.yaml"


def test_a_document_is_walked_once_while_it_is_bundled_and_checked(monkeypatch):
    looked_below: Counter[int] = Counter()
    real_children = oaswalk.children

    def counting(kind: str, node: Any) -> Any:
        looked_below[id(node)] += 1
        return real_children(kind, node)

    monkeypatch.setattr(loader, "children", counting)  # the bundler's walk
    monkeypatch.setattr(oaswalk, "children", counting)  # any other walk of the document
    for path in (PETSTORE, SPLIT):
        looked_below.clear()
        spec = load_spec(path)
        assert spec.operations and looked_below
        assert max(looked_below.values()) == 1, f"{path.name}: an object was looked below more than once"
    assert any("maxLenght" in issue.place for issue in load_spec(PETSTORE).warnings)  # the checks ran in that one walk


def test_openapi_cores_twin_is_built_on_the_first_request_not_at_start_up(serve):
    running = serve(specs=(BOOKS,), seed=1)
    spec = running.app.specs[0]
    assert "openapi" not in vars(spec)  # start-up did not build it
    created = running.client.post("/books", json={"title": "Dune", "pages": 412})
    assert created.status_code == 201, created.text
    assert "openapi" not in vars(spec)  # a valid JSON body is settled by the compiled check
    refused = running.client.post("/books", json={"title": "Dune", "pages": "many"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "pages"
    assert "openapi" in vars(spec)  # the first request only openapi-core can settle built it
    assert spec.doc.get("servers") != [{"url": "/"}]  # openapi-core's servers were rewritten on a copy
    patch = {"Content-Type": "application/merge-patch+json"}  # a `+json` type openapi-core is taught to read
    assert running.client.patch("/books/1", content=b'{"pages": 413}', headers=patch).json()["pages"] == 413
    with_charset = {"Content-Type": "application/merge-patch+json; charset=utf-8"}  # parameters change nothing
    assert running.client.patch("/books/1", content=b'{"pages": 414}', headers=with_charset).json()["pages"] == 414
    refused = running.client.patch("/books/1", content=b'{"pages": 0}', headers=patch)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "pages"


def test_a_document_of_megabytes_says_what_start_up_is_doing(cli_server, tmp_path):  # noqa: F811
    doc = {"openapi": "3.0.3", "info": {"title": "big", "version": "1", "description": "x" * 5_100_000},
           "paths": {f"/things{n}": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
               "schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "const": n}}}}}}}}}
            for n in range(50)}}
    big = tmp_path / "big.json"
    big.write_text(json.dumps(doc))
    server = cli_server("--spec", str(big), "--no-auth")
    progress = [line for line in server.startup if line.startswith("flowmock: ")]
    assert progress[0] == f"flowmock: reading {big} (5.1 MB): a large document takes about a second per 5 MB to read and check"
    assert progress[1].startswith(f"flowmock: {big}: 50 operations read and checked in ")
    assert progress[1].endswith("s; building routes and resources")
    import httpx

    assert httpx.get(server.url + "/things7").json() == {"n": 7}
