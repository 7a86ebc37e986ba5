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
