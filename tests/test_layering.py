"""Architecture rules, checked on the import statements of every module (like WireMock's archunit tests)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first; a module may import its own layer and the layers before it, never a later one.
# recording and datasets sit side by side: recording may read data sets (harvest writes fixtures), never the reverse.
LAYERS = [
    ("basics", ("mock_server.config", "mock_server.errors", "mock_server.redaction")),
    ("loading", ("mock_server.loading",)),
    ("request_path", ("mock_server.request_path",)),
    ("datasets", ("mock_server.datasets",)),
    ("recording", ("mock_server.recording",)),
    ("assembly", ("mock_server.app", "mock_server.admin", "mock_server.server", "mock_server.cli", "mock_server.fixtures_cli",
                  "mock_server.banner", "mock_server.help_format", "mock_server.listen", "mock_server")),
]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(package: str) -> dict[str, set[str]]:
    found = {str(p.relative_to(ROOT)): imports_of(p) for p in (ROOT / package).rglob("*.py")}
    assert found, f"no modules under {package}: the rule below would check nothing"
    return found


def layer_of(module: str) -> int:
    """The index in LAYERS of a dotted module name (the most specific prefix wins)."""
    best, best_len = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def dotted(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in modules("mock_server") if layer_of(dotted(m)) < 0]
    assert not unplaced


def test_imports_point_down_the_layers():
    """The request path never imports recording, data sets or the assembly; loading never imports the request path."""
    upward = {}
    for path, imps in modules("mock_server").items():
        own = layer_of(dotted(path))
        bad = sorted(i for i in imps if i.startswith("mock_server") and layer_of(i) > own)
        if bad:
            upward[path] = bad
    assert not upward


def test_the_layer_rule_catches_an_upward_import():
    assert layer_of("mock_server.recording.replay") > layer_of(dotted("mock_server/request_path/engine.py"))
    assert layer_of("mock_server.app") > layer_of(dotted("mock_server/datasets/dataset.py"))
    assert layer_of("mock_server.request_path.engine") > layer_of(dotted("mock_server/loading/spec.py"))


def test_app_and_admin_do_not_import_each_other():
    assert "mock_server.app" not in imports_of(ROOT / "mock_server/admin.py")


def test_mock_server_never_imports_contracts():
    offenders = {m: sorted(i for i in imps if i.startswith("contracts")) for m, imps in modules("mock_server").items()}
    assert not {m: i for m, i in offenders.items() if i}


def test_leaves_import_nothing_internal():
    for leaf in ("mock_server/config.py", "mock_server/errors.py", "mock_server/redaction.py"):
        internal = {i for i in imports_of(ROOT / leaf) if i.startswith("mock_server") and i != "mock_server.errors"}
        assert not internal, (leaf, internal)


def test_behaviours_know_nothing_of_the_web_framework_or_the_app():
    banned = ("connexion", "starlette", "uvicorn", "flask", "mock_server.app", "mock_server.request_path.engine", "mock_server.cli")
    for module, imps in modules("mock_server/request_path/behaviours").items():
        assert not [i for i in imps if i.startswith(banned)], module


def test_the_generic_engine_names_none_of_our_apis():
    ours = ("workflow-definitions", "workflow-executions", "workspace-workflows", "/v1/automation", "/v1/workflows")
    domain = ("mock_server/request_path/behaviours", "mock_server/datasets/world")
    generic = [p for p in (ROOT / "mock_server").rglob("*.py")
               if p.name != "cli.py" and not str(p.relative_to(ROOT)).startswith(domain)]
    assert len(generic) > 40
    for path in generic:
        text = path.read_text()
        assert not [name for name in ours if name in text], path
