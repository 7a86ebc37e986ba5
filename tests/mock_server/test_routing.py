"""Routing across specs: root and prefix, literal segments first, conflicts reported and shadowed."""
from __future__ import annotations

from pathlib import Path

from mock_server.request_path.routing import Match, MethodNotAllowed, NoRoute, Router
from mock_server.loading.spec import load_spec

SPEC = """
openapi: 3.0.3
info: {{title: {title}, version: "1"}}
paths:
  /things:
    get: {{operationId: list{title}, responses: {{"200": {{description: ok}}}}}}
  /things/{{id}}:
    get:
      operationId: get{title}
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
  /things/search:
    post: {{operationId: search{title}, responses: {{"200": {{description: ok}}}}}}
"""


def specs(tmp_path: Path, *titles: str):
    out = []
    for title in titles:
        path = tmp_path / f"{title.lower()}.yaml"
        path.write_text(SPEC.format(title=title))
        out.append(load_spec(path))
    return out


def test_root_and_prefix_routes_and_literal_segments_win(tmp_path):
    router = Router(specs(tmp_path, "Alpha"))
    match = router.match("GET", "/things/42")
    assert isinstance(match, Match) and match.operation.operation_id == "getAlpha" and match.path_params == {"id": "42"}
    prefixed = router.match("GET", "/alpha/things/42")
    assert isinstance(prefixed, Match) and prefixed.spec_path == "/things/42"
    literal = router.match("POST", "/things/search")
    assert isinstance(literal, Match) and literal.operation.operation_id == "searchAlpha"
    assert router.match("GET", "/things/search") == MethodNotAllowed(("POST",))
    assert isinstance(router.match("GET", "/other"), NoRoute)


def test_three_specs_sharing_the_root_all_route_and_conflicts_are_reported(tmp_path):
    router = Router(specs(tmp_path, "Alpha", "Beta", "Gamma"))
    assert [(c.method, c.path, c.kept, c.shadowed) for c in router.conflicts][:2] == [
        ("GET", "/things", "alpha", "beta"), ("GET", "/things/{id}", "alpha", "beta")]
    assert router.match("GET", "/things").operation.operation_id == "listAlpha"
    assert router.match("GET", "/beta/things").operation.operation_id == "listBeta"
    assert router.match("GET", "/gamma/things/1").operation.operation_id == "getGamma"


def test_conflict_is_announced_in_the_banner(serve, tmp_path):
    paths = []
    for title in ("Alpha", "Beta"):
        path = tmp_path / f"{title.lower()}.yaml"
        path.write_text(SPEC.format(title=title))
        paths.append(path)
    running = serve(specs=tuple(paths), seed=1)
    assert "GET /things is claimed by alpha and beta; beta serves it under /beta only" in running.app.banner("http://x")
    assert running.client.get("/beta/things").status_code == 200


def test_a_thousand_operations_each_answer_their_own_paths(serve, tmp_path):
    from benchmarks.many_operations import write_many_operations_spec

    spec = write_many_operations_spec(tmp_path / "many.json", 1000)
    running = serve(specs=(spec,), seed=1)
    assert sum(len(s.operations) for s in running.app.specs) == 1000
    router = running.app.router
    for n in range(200):  # every operation, straight from the router: operation, parameters, spec path
        r = f"R{n:03d}"
        item = router.match("GET", f"/many/r{n:03d}/items/it-{n}")
        assert isinstance(item, Match) and item.operation.operation_id == f"get{r}Item" and item.path_params == {"itemId": f"it-{n}"}
        part = router.match("GET", f"/many/many/r{n:03d}/items/i{n}/parts/p{n}")
        assert isinstance(part, Match) and part.operation.operation_id == f"get{r}Part"
        assert part.path_params == {"itemId": f"i{n}", "partId": f"p{n}"} and part.spec_path == f"/r{n:03d}/items/i{n}/parts/p{n}"
        assert router.match("DELETE", f"/many/r{n:03d}/items/x").operation.operation_id == f"delete{r}Item"
        assert router.match("GET", f"/many/r{n:03d}/items/search").operation.operation_id == f"search{r}"
        assert router.match("GET", f"/many/r{n:03d}/items/").operation.operation_id == f"list{r}"
    client = running.client
    for n in range(0, 200, 9):  # and over HTTP, a sample of every shape
        base, r = f"/many/r{n:03d}/items", f"R{n:03d}"
        assert client.get(base).json() == {"op": f"list{r}"}
        assert client.get(f"{base}/search").json() == {"op": f"search{r}"}, "a literal segment wins over {itemId}"
        assert client.get(f"{base}/a%20b").json() == {"op": f"get{r}Item"}
        assert client.get(f"/many{base}/x/").json() == {"op": f"get{r}Item"}, "prefixed, with a trailing slash"
        assert client.delete(f"{base}/x").json() == {"op": f"delete{r}Item"}
        assert client.get(f"{base}/x/parts/y").json() == {"op": f"get{r}Part"}
        refused = client.post(f"{base}/x")
        assert refused.status_code == 405 and refused.headers["allow"] == "DELETE, GET"
        assert client.post(f"{base}/search").headers["allow"] == "GET"
        assert client.get(f"{base}/x/parts").status_code == 404
    assert client.get("/many/r200/items").status_code == 404


def test_segments_mixing_text_and_parameters_and_repeated_names(tmp_path):
    path = tmp_path / "files.yaml"
    ok = '{responses: {"200": {description: ok}}}'
    path.write_text(f"""
openapi: 3.0.3
info: {{title: Files, version: "1"}}
paths:
  /files/{{name}}.json: {{get: {{operationId: jsonFile, {ok[1:-1]}}}}}
  /files/{{name}}: {{get: {{operationId: anyFile, {ok[1:-1]}}}}}
  /v{{major}}.{{minor}}/files: {{get: {{operationId: versioned, {ok[1:-1]}}}}}
""")
    router = Router([load_spec(path, validate=False)])
    assert router.match("GET", "/files/report.json").operation.operation_id == "anyFile", "as before: the shorter template sorts first"
    assert router.match("GET", "/files/report").path_params == {"name": "report"}
    versioned = router.match("GET", "/v2.10/files/")
    assert versioned.operation.operation_id == "versioned" and versioned.path_params == {"major": "2", "minor": "10"}
    assert isinstance(router.match("GET", "/v2/files"), NoRoute)


def test_a_path_asked_again_gets_the_same_answer_with_parameters_of_its_own(tmp_path):
    router = Router(specs(tmp_path, "Alpha"))
    first = router.match("GET", "/things/42")
    assert isinstance(first, Match)
    first.path_params["id"] = "changed by a caller"
    again = router.match("GET", "/things/42")
    assert isinstance(again, Match) and again.path_params == {"id": "42"} and again.operation.operation_id == "getAlpha"
    assert isinstance(router.match("HEAD", "/things/42"), Match)  # HEAD falls back to GET, remembered or not
    assert isinstance(router.match("HEAD", "/things/42"), Match)
    assert isinstance(router.match("DELETE", "/things/42"), MethodNotAllowed)
    assert isinstance(router.match("DELETE", "/things/42"), MethodNotAllowed)
    assert isinstance(router.match("GET", "/nothing/here"), NoRoute)
    long_id = "x" * 300  # longer than the remembered paths: routed every time, with the same answer
    assert [router.match("GET", f"/things/{long_id}").path_params for _ in range(2)] == [{"id": long_id}] * 2  # type: ignore[union-attr]


def test_remembered_paths_are_bounded(tmp_path):
    router = Router(specs(tmp_path, "Alpha"))
    for n in range(10_000):
        match = router.match("GET", f"/things/{n}")
        assert isinstance(match, Match) and match.path_params == {"id": str(n)}
    assert len(router._recent) <= 4096
