"""The create path: executions copied from a definition get ids of their own, follow the definition as it is now,
and the copy conformed once per shape (`request_path/shapes.py`) answers exactly what conforming each copy would."""
from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable

import pytest

from mock_server.app import load_specs
from mock_server.config import ServerConfig
from mock_server.request_path.conform import conform
from mock_server.request_path.generate import merge_all_of
from mock_server.request_path.shapes import ShapeMemo

DEFINITIONS, EXECUTIONS = "/v1/workflows/definitions", "/v1/workflows/executions"
FLOW = [
    {"name": "Gather information", "type": "SECTION", "order": 1, "steps": [
        {"name": 'Call the client ("first contact")', "type": "STEP", "order": 1},
        {"name": "Check availability", "type": "STEP", "order": 2}]},
    {"name": "Send catalogue", "type": "STEP", "order": 2},
]


def _steps(flow: list[dict]) -> list[dict]:
    return [s for item in flow for s in (item["steps"] if item["type"] == "SECTION" else [item])]


def _ids(execution: dict) -> list[str]:
    sections = [item["id"] for item in execution["flow"] if item["type"] == "SECTION"]
    return [execution["id"], *sections, *(s["id"] for s in _steps(execution["flow"]))]


@pytest.fixture
def server(serve):
    return serve(seed=7, fixtures_dir=None)


def test_executions_of_one_definition_each_get_ids_of_their_own(server):
    c = server.client
    definition = c.post(DEFINITIONS, json={"name": "Lead qualification", "flow": FLOW}).json()
    executions = []
    for _ in range(4):
        created = c.post(EXECUTIONS, json={"workflowId": definition["id"]})
        assert created.status_code == 201, created.text
        executions.append(created.json())
    every_id = [i for e in executions for i in _ids(e)]
    assert len(every_id) == len(set(every_id)) == 4 * 5, "no two executions (or parts) share an id"
    assert not set(every_id) & set(_ids({"id": definition["id"], "flow": definition["flow"]}))
    for execution in executions:
        assert [i["name"] for i in execution["flow"]] == [i["name"] for i in definition["flow"]]
        assert [s["definitionId"] for s in _steps(execution["flow"])] == [s["id"] for s in _steps(definition["flow"])]
        section = execution["flow"][0]
        assert all(s["sectionId"] == section["id"] for s in section["steps"])
        assert all(s["executionId"] == execution["id"] and s["status"] == "UNASSIGNED" for s in _steps(execution["flow"]))
        assert _steps(execution["flow"])[0]["name"] == 'Call the client ("first contact")'
        assert c.get(f"{EXECUTIONS}/{execution['id']}").json() == execution, "the answer is what is stored"


def test_an_execution_follows_the_definition_as_it_is_now(server):
    c = server.client
    definition = c.post(DEFINITIONS, json={"name": "Onboarding", "flow": FLOW}).json()
    before = c.post(EXECUTIONS, json={"workflowId": definition["id"]}).json()
    edited = [*definition["flow"], {"name": "Say thanks", "type": "STEP", "order": 3}]
    edited[1] = {**edited[1], "name": "Send the catalogue"}
    assert c.put(f"{DEFINITIONS}/{definition['id']}", json={"name": "Onboarding", "flow": edited}).status_code == 200
    after = c.post(EXECUTIONS, json={"workflowId": definition["id"]}).json()
    assert [i["name"] for i in before["flow"]] == ["Gather information", "Send catalogue"]
    assert [i["name"] for i in after["flow"]] == ["Gather information", "Send the catalogue", "Say thanks"]
    assert c.get(f"{EXECUTIONS}/{before['id']}").json() == before, "an earlier execution keeps its own copy"


def test_creates_with_the_same_seed_are_byte_identical(serve):
    def session(running) -> list[bytes]:
        c = running.client
        definition = c.post(DEFINITIONS, json={"name": "Lead qualification", "flow": FLOW}).json()
        return [c.post(EXECUTIONS, json={"workflowId": definition["id"]}).content for _ in range(3)]

    first = session(serve(seed=42, fixtures_dir=None))
    assert first == session(serve(seed=42, fixtures_dir=None))
    assert len(set(first)) == 3
    assert session(serve(seed=43, fixtures_dir=None)) != first


SPEC = next(s for s in load_specs(ServerConfig()) if s.name == "workflow-executions")
FLOW_SCHEMA = merge_all_of(SPEC.doc["components"]["schemas"]["WorkflowExecution"], SPEC.resolve)["properties"]["flow"]
ODD = [1, "2", True, None, "yes", "", {"a": 1}, ["x"], 2.5, "2030-01-01"]


def _filled(schema: object) -> object:
    return "generated"


def _flow(draw: Callable[[], str], structure: int, execution: str, derived: bool = True) -> list[dict]:
    """A flow as a behaviour builds it (a pure function of its inputs), its new ids drawn with `draw`: ids pointing
    back, ids as keys and inside longer strings, values conform has to convert, drop or generate; with `derived`,
    also text made from an id (which `ShapeMemo.built` does not allow its builds)."""
    shape, flow = random.Random(structure), []
    for order in range(shape.randint(0, 4)):
        section_id = draw()
        steps = []
        for _ in range(shape.randint(0, 3)):
            step = {"id": draw(), "name": shape.choice(["Call", 'Quote "x"', "é", "100% done, %s %%"]), "type": "STEP",
                    "order": shape.choice(ODD), "enabled": shape.choice(ODD), "status": shape.choice(["UNASSIGNED", "NOPE", None]),
                    "executionId": shape.choice([execution, execution.upper() if derived else execution, "not-a-uuid",
                                                 'see "' + execution]),
                    "sectionId": shape.choice([section_id, 12]), shape.choice(["extra", "name"]): shape.choice(ODD)}
            if shape.random() < 0.3:
                step[execution] = "an id as a key"
            if shape.random() < 0.2:
                step.pop("name", None)
            steps.append(step)
        flow.append({"id": section_id, "name": f"Section {order}", "type": shape.choice(["SECTION", "STEP", 7]),
                     "order": order, "steps": steps, "definitionId": shape.choice(["4f1c8a4e-8f6b-4c8e-9a51-0f7e1d2c3b4a", 5])})
    return flow


class _Ids:
    """New uuids from a seeded generator, each also noted in `new_ids` (as the engine notes the ids it makes)."""

    def __init__(self, seed: int) -> None:
        self.rng, self.new_ids = random.Random(seed), list[str]()

    def draw(self) -> str:
        self.new_ids.append(str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))
        return self.new_ids[-1]

    def draw_many(self, count: int) -> list[str]:
        return [self.draw() for _ in range(count)]


def test_a_kept_template_gives_what_conforming_each_value_gives():
    memo = ShapeMemo()
    for structure in range(300):
        for copy_ in range(3):  # the same shape with other new ids: the first builds the template, the others reuse it
            ids = _Ids(structure * 10 + copy_)
            value = _flow(ids.draw, structure, ids.draw())
            expected = conform(SPEC, FLOW_SCHEMA, copy.deepcopy(value), _filled)
            assert memo.conform(SPEC, FLOW_SCHEMA, value, _filled, ids.new_ids) == expected
    kept = [entry for entry in memo._templates.values() if isinstance(entry[2], tuple)]
    assert len(kept) > 30, "shapes that conform without generating keep their template (and the loop reused it)"


def test_a_value_built_from_a_kept_template_is_what_building_and_conforming_it_gives():
    memo = ShapeMemo()
    for structure in range(300):
        for copy_ in range(3):
            direct, templated = _Ids(structure * 10 + copy_), _Ids(structure * 10 + copy_)
            expected = conform(SPEC, FLOW_SCHEMA, _flow(direct.draw, structure, direct.draw(), False), _filled)
            execution = templated.draw()
            found = memo.built(SPEC, FLOW_SCHEMA, _filled, templated.new_ids, templated.draw_many, _flow, structure, execution,
                               False)
            assert found == expected
            assert templated.new_ids == direct.new_ids, "as many new ids, drawn in the same order"
    kept = [entry for entry in memo._templates.values() if isinstance(entry[2], tuple)]
    assert len(kept) > 30
