"""Workflow Definitions API rules over real HTTP (strict responses): limits, flow ids, closing reasons, flow templates."""
from __future__ import annotations

import pytest

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.config import ServerConfig
from mock_server.errors import ConfigError
from mock_server.loading.spec import bundled_spec_paths
from tests.mock_server.behaviours.test_domain_rules import example

DEFINITIONS, TEMPLATES, REASONS = "/v1/workflows/definitions", "/v2/flows/templates", "/v1/workflows/closing-reasons"
FLOWS = "/v1/automation/flows"


@pytest.fixture
def server(serve):
    return serve(seed=31)


def definition(name: str = "Onboarding", flow: list | None = None) -> dict:
    return {"name": name, "flow": flow if flow is not None else [{"name": "Check", "order": 1, "type": "STEP"}]}


def template(name: str, automation_id: str = "auto-1", **extra) -> dict:
    """A flow template: trigger → manual task → automation task → decision (two branches) → two closing tasks."""
    body = {
        "name": name,
        "trigger": {"id": "trg", "type": "automation", "automation_id": automation_id},
        "phases": [{"id": "ph-1", "name": "Prepare"}, {"id": "ph-2", "name": "Finish"}],
        "tasks": [
            {"id": "t-manual", "name": "Call customer", "task_type": "MANUAL", "phase_id": "ph-1"},
            {"id": "t-auto", "name": "Send offer", "task_type": "AUTOMATION", "phase_id": "ph-1",
             "automation_config": {"flow_id": automation_id},
             "requirements": [{"task_id": "t-manual", "when": "TASK_FINISHED"}]},
            {"id": "t-decide", "name": "Accepted?", "task_type": "DECISION", "phase_id": "ph-2", "trigger_mode": "manual",
             "conditions": [{"id": "c-yes", "branch_name": "Yes", "logical_operator": "AND", "statements": [
                 {"id": "s-1", "source": {"origin": "trigger"}, "operator": "equals", "values": ["yes"]}]}],
             "due_date_config": {"duration": 2, "unit": "days", "type": "TASK_FINISHED", "task_id": "t-auto"}},
            {"id": "t-won", "name": "Celebrate", "task_type": "MANUAL", "phase_id": "ph-2"},
            {"id": "t-lost", "name": "Archive", "task_type": "MANUAL", "phase_id": "ph-2"},
        ],
        "edges": [
            {"id": "e-0", "from_id": "trg", "to_id": "t-manual"},
            {"id": "e-1", "from_id": "t-manual", "to_id": "t-auto"},
            {"id": "e-2", "from_id": "t-auto", "to_id": "t-decide"},
            {"id": "e-3", "from_id": "t-decide", "to_id": "t-won", "condition_id": "c-yes"},
            {"id": "e-4", "from_id": "t-decide", "to_id": "t-lost", "none_met": True},
        ],
    }
    return {**body, **extra}


def create_reason(c, title: str, status: str = "ACTIVE") -> str:
    created = c.post(REASONS, json={"title": title, "status": status})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def create_flow(c, name: str = "Send offer") -> dict:
    created = c.post(FLOWS, json={**example("automation", "createFlow"), "flow_name": name})
    assert created.status_code == 201, created.text
    return created.json()


# ---- limits ----
def test_limit_counts_stored_definitions_and_refuses_creating_beyond_it(serve):
    c = serve(seed=2, capacities=(("createDefinition", 2),)).client
    assert c.get("/v1/workflows/limits/max-allowed").json() == {"currentNoOfWorkflows": 0, "maxAllowed": 2}
    first = c.post(DEFINITIONS, json=definition("One")).json()
    assert c.post(DEFINITIONS, json=definition("Two")).status_code == 201
    assert c.get("/v1/workflows/limits/max-allowed").json() == {"currentNoOfWorkflows": 2, "maxAllowed": 2}
    refused = c.post(DEFINITIONS, json=definition("Three"))
    assert refused.status_code == 409, refused.text
    assert "Limit reached: 2 of at most 2 definitions exist" in refused.json()["detail"]
    assert refused.json()["type"] == "https://flowmock.dev/problems/limit-reached"
    assert [d["name"] for d in c.get(DEFINITIONS).json()] == ["One", "Two"], "a refused create stores nothing"
    assert c.delete(f"{DEFINITIONS}/{first['id']}").status_code == 204
    assert c.get("/v1/workflows/limits/max-allowed").json()["currentNoOfWorkflows"] == 1
    assert c.post(DEFINITIONS, json=definition("Three")).status_code == 201


def test_default_limit_is_the_specs_capacity(server):
    limits = server.client.get("/v1/workflows/limits/max-allowed").json()
    assert limits == {"currentNoOfWorkflows": 0, "maxAllowed": 250}


def test_capacity_option_is_checked_at_start_up(capsys):
    with pytest.raises(ConfigError, match="no served operation has the operationId 'createDefinitions'"):
        create_app(ServerConfig(capacities=(("createDefinitions", 3),)))
    assert main(["serve", "--capacity", "createDefinition"]) == 2
    assert "--capacity must look like OPERATION_ID=N" in capsys.readouterr().err


# ---- flow item ids ----
def test_sections_and_steps_get_ids_when_the_client_sends_none(server):
    c = server.client
    flow = [{"name": "Prepare", "order": 1, "type": "SECTION", "steps": [
                {"name": "Collect documents", "order": 1, "type": "STEP"},
                {"id": "keep-me", "name": "Check documents", "order": 2, "type": "STEP"}]},
            {"name": "Sign", "order": 2, "type": "STEP"}]
    created = c.post(DEFINITIONS, json=definition("Contract", flow))
    assert created.status_code == 201, created.text
    body = created.json()
    section, step = body["flow"]
    ids = [section["id"], *(s["id"] for s in section["steps"]), step["id"]]
    assert all(ids) and len(set(ids)) == 4 and section["steps"][1]["id"] == "keep-me"
    assert c.get(f"{DEFINITIONS}/{body['id']}").json()["flow"] == body["flow"]

    updated_flow = [*body["flow"], {"name": "Archive", "order": 3, "type": "STEP"}]
    updated = c.put(f"{DEFINITIONS}/{body['id']}", json=definition("Contract", updated_flow)).json()
    assert [i["id"] for i in updated["flow"][:2]] == [section["id"], step["id"]], "existing ids are kept"
    assert updated["flow"][2]["id"] and updated["flow"][2]["id"] not in ids

    execution = c.post("/v1/workflows/executions", json={"workflowId": body["id"]}).json()
    pointed = [i.get("definitionId") for item in execution["flow"] for i in [item, *(item.get("steps") or [])]]
    assert set(pointed) == {*ids, updated["flow"][2]["id"]}, "each execution item points back at its definition item"


# ---- closing reasons ----
def test_catalogue_lists_active_reasons_unless_inactive_ones_are_asked_for(server):
    c = server.client
    moved, price = create_reason(c, "Customer moved"), create_reason(c, "Price too high")
    old = create_reason(c, "Legacy reason", "INACTIVE")
    assert {r["id"] for r in c.get(REASONS).json()["reasons"]} == {moved, price}
    assert {r["id"] for r in c.get(REASONS, params={"includeInactive": "false"}).json()["reasons"]} == {moved, price}
    assert {r["id"] for r in c.get(REASONS, params={"includeInactive": "true"}).json()["reasons"]} == {moved, price, old}
    assert c.patch(f"{REASONS}/{price}", json={"status": "INACTIVE"}).status_code == 204
    assert [r["id"] for r in c.get(REASONS).json()["reasons"]] == [moved]


def test_a_workflows_closing_reasons_are_stored_checked_and_resolved(server):
    c = server.client
    moved, price = create_reason(c, "Customer moved"), create_reason(c, "Price too high")
    old = create_reason(c, "Legacy reason", "INACTIVE")
    workflow = c.post(DEFINITIONS, json=definition()).json()
    path = f"{DEFINITIONS}/{workflow['id']}/closing-reasons"
    assert c.get(path).json() == {"reasons": []}

    assert c.patch(path, json={"reasons": [{"id": moved}, {"id": old}, {"id": moved}]}).status_code == 204
    resolved = c.get(path).json()["reasons"]
    assert [(r["id"], r["title"], r["status"]) for r in resolved] == [(moved, "Customer moved", "ACTIVE"),
                                                                     (old, "Legacy reason", "INACTIVE")]
    assert c.get(f"{DEFINITIONS}/{workflow['id']}").json()["closingReasons"] == [{"id": moved}, {"id": old}]

    refused = c.patch(path, json={"reasons": [{"id": price}, {"id": "no-such-reason"}]})
    assert refused.status_code == 404, refused.text
    assert "'no-such-reason'" in refused.json()["detail"]
    assert refused.json()["errors"] == [{"location": "body", "field": "reasons[1].id",
                                         "message": "unknown closing reason 'no-such-reason'"}]
    assert [r["id"] for r in c.get(path).json()["reasons"]] == [moved, old], "a refused update changes nothing"

    assert c.delete(f"/v2/workflows/closing-reasons/{moved}").status_code == 204
    assert [r["id"] for r in c.get(path).json()["reasons"]] == [old], "a reason deleted from the catalogue drops out"
    assert c.patch(path, json={"reasons": []}).status_code == 204
    assert c.get(path).json() == {"reasons": []}


def test_closing_reasons_of_an_unknown_definition_are_404(server):
    c = server.client
    reason = create_reason(c, "Customer moved")
    missing = f"{DEFINITIONS}/nope/closing-reasons"
    for response in (c.get(missing), c.patch(missing, json={"reasons": [{"id": reason}]})):
        assert response.status_code == 404 and "'nope'" in response.json()["detail"]


# ---- duplicate ----
def test_duplicate_gives_new_ids_throughout_and_a_distinct_name(server):
    c = server.client
    source = c.post(TEMPLATES, json=template("Sales")).json()
    copied = c.post(f"{TEMPLATES}/{source['id']}/duplicate")
    assert copied.status_code == 201, copied.text
    dup = copied.json()
    assert dup["id"] != source["id"] and dup["name"] == "Sales (copy)"
    assert [t["name"] for t in dup["tasks"]] == [t["name"] for t in source["tasks"]]
    old_ids = {x["id"] for key in ("phases", "tasks", "edges") for x in source[key]} | {source["trigger"]["id"], "c-yes"}
    new_ids = {x["id"] for key in ("phases", "tasks", "edges") for x in dup[key]} | {dup["trigger"]["id"]}
    assert new_ids.isdisjoint(old_ids) and len(new_ids) == 13

    tasks = {t["name"]: t for t in dup["tasks"]}
    phases = {p["name"]: p["id"] for p in dup["phases"]}
    by_id = {t["id"]: t["name"] for t in dup["tasks"]} | {dup["trigger"]["id"]: "trigger"}
    assert [(by_id[e["from_id"]], by_id[e["to_id"]]) for e in dup["edges"]] == [
        ("trigger", "Call customer"), ("Call customer", "Send offer"), ("Send offer", "Accepted?"),
        ("Accepted?", "Celebrate"), ("Accepted?", "Archive")]
    assert tasks["Call customer"]["phase_id"] == phases["Prepare"] and tasks["Archive"]["phase_id"] == phases["Finish"]
    decision = tasks["Accepted?"]
    assert dup["edges"][3]["condition_id"] == decision["conditions"][0]["id"] != "c-yes"
    assert decision["due_date_config"]["task_id"] == tasks["Send offer"]["id"]
    assert tasks["Send offer"]["requirements"][0]["task_id"] == tasks["Call customer"]["id"]
    assert tasks["Send offer"]["automation_config"] == {"flow_id": "auto-1"}, "automations are shared, not copied"
    assert c.get(f"{TEMPLATES}/{dup['id']}").json() == dup
    assert c.get(f"{TEMPLATES}/{source['id']}").json() == source, "the source is unchanged"

    second = c.post(f"{TEMPLATES}/{source['id']}/duplicate").json()
    assert second["name"] == "Sales (copy 2)"
    assert {t["id"] for t in second["tasks"]}.isdisjoint({t["id"] for t in dup["tasks"]})
    assert c.post(f"{TEMPLATES}/missing/duplicate").status_code == 404


# ---- export / import ----
def test_export_bundles_the_automation_flows_the_template_references(server):
    c = server.client
    offer, welcome = create_flow(c, "Send offer"), create_flow(c, "Welcome")
    body = template("Sales", automation_id=offer["id"])
    body["additional_triggers"] = [{"id": "trg-2", "type": "automation", "automation_id": welcome["id"]},
                                   {"type": "automation", "automation_id": "deleted-flow"}]
    created = c.post(TEMPLATES, json=body).json()
    exported = c.get(f"{TEMPLATES}/{created['id']}/export")
    assert exported.status_code == 200, exported.text
    bundle = exported.json()
    assert bundle.pop("_resolved_automations") == {offer["id"]: c.get(f"{FLOWS}/{offer['id']}").json(),
                                                   welcome["id"]: c.get(f"{FLOWS}/{welcome['id']}").json()}
    assert bundle == created, "the rest of the export is the template itself"


def test_import_creates_the_automations_and_the_template_with_new_ids(server):
    c = server.client
    offer = create_flow(c, "Send offer")
    source = c.post(TEMPLATES, json=template("Sales", automation_id=offer["id"])).json()
    export = c.get(f"{TEMPLATES}/{source['id']}/export").json()
    flows_before = len(c.get(FLOWS).json()["results"])

    imported = c.post(f"{TEMPLATES}/import", json=export)
    assert imported.status_code == 201, imported.text
    flow, mappings = imported.json()["flow"], imported.json()["_id_mappings"]
    assert mappings["flow_id"] == {"old": source["id"], "new": flow["id"]} and flow["id"] != source["id"]
    assert imported.headers["Location"].endswith(f"{TEMPLATES}/{flow['id']}")
    assert mappings["task_ids"] == {old["id"]: new["id"] for old, new in zip(source["tasks"], flow["tasks"], strict=True)}
    assert set(mappings["task_ids"].values()).isdisjoint(mappings["task_ids"])
    new_flow_id = mappings["automation_ids"][offer["id"]]
    assert list(mappings["automation_ids"]) == [offer["id"]] and new_flow_id != offer["id"]
    stored_flow = c.get(f"{FLOWS}/{new_flow_id}")
    assert stored_flow.status_code == 200 and {**stored_flow.json(), "id": offer["id"]} == offer
    assert len(c.get(FLOWS).json()["results"]) == flows_before + 1
    assert flow["trigger"]["automation_id"] == new_flow_id
    assert next(t for t in flow["tasks"] if t["task_type"] == "AUTOMATION")["automation_config"]["flow_id"] == new_flow_id
    names = {t["id"]: t["name"] for t in flow["tasks"]}
    assert (names[flow["edges"][1]["from_id"]], names[flow["edges"][1]["to_id"]]) == ("Call customer", "Send offer")
    assert c.get(f"{TEMPLATES}/{flow['id']}").json() == flow
    assert c.get(f"{TEMPLATES}/{source['id']}").json() == source, "the exported template is untouched"


def test_import_with_an_incomplete_automation_is_refused_and_stores_nothing(server):
    c = server.client
    export = {**template("Sales"), "_resolved_automations": {"auto-1": {"flow_name": "Send offer", "triggers": []}}}
    refused = c.post(f"{TEMPLATES}/import", json=export)
    assert refused.status_code == 400, refused.text
    assert "_resolved_automations" in refused.text and "actions" in refused.text
    assert c.get(TEMPLATES).json()["results"] == [] and c.get(FLOWS).json()["results"] == []


def test_without_the_automation_api_export_bundles_nothing_and_import_of_automations_is_refused(serve):
    definitions_only = next(p for p in bundled_spec_paths() if p.stem == "workflow-definitions")
    c = serve(seed=3, specs=(definitions_only,)).client
    created = c.post(TEMPLATES, json=template("Sales")).json()
    assert c.get(f"{TEMPLATES}/{created['id']}/export").json()["_resolved_automations"] == {}
    bundled = {**template("Sales"), "_resolved_automations": {"auto-1": {"flow_name": "F", "triggers": [], "actions": []}}}
    refused = c.post(f"{TEMPLATES}/import", json=bundled)
    assert refused.status_code == 400 and "does not serve the Automation API" in refused.json()["detail"]
    assert len(c.get(TEMPLATES).json()["results"]) == 1
    assert c.post(f"{TEMPLATES}/import", json={**template("Sales"), "_resolved_automations": {}}).status_code == 201


# ---- list and search ----
@pytest.fixture
def catalogue(server):
    """Four templates with different names, triggers and enabled flags, created in this order."""
    c = server.client
    made = [
        template("Sales pipeline", trigger={"type": "manual", "entity_schema": "opportunity"}, enabled=True),
        template("Solar INSTALLATION", automation_id="auto-7", enabled=False),
        template("Onboarding", trigger={"type": "journey_submission", "journey_id": "j-1"}, enabled=True,
                 additional_triggers=[{"type": "automation", "automation_id": "auto-9"}]),
        template("Complaint handling", trigger={"type": "manual", "entity_schema": "ticket"}),
    ]
    return server, [c.post(TEMPLATES, json=t).json() for t in made]


def test_search_filters_by_every_field_of_the_seed(catalogue):
    server, (sales, solar, onboarding, complaint) = catalogue
    c = server.client

    def names(**criteria):
        found = c.post(f"{TEMPLATES}:search", json=criteria)
        assert found.status_code == 200, found.text
        assert found.json()["hits"] == len(found.json()["results"])
        return {t["name"] for t in found.json()["results"]}

    assert names(name="installation") == {"Solar INSTALLATION"}
    assert names(name="IN") == {"Solar INSTALLATION", "Onboarding", "Complaint handling", "Sales pipeline"}
    assert names(name="pipe") == {"Sales pipeline"}
    assert names(trigger_type="manual") == {"Sales pipeline", "Complaint handling"}
    assert names(trigger_type="automation") == {"Solar INSTALLATION", "Onboarding"}, "additional triggers count"
    assert names(trigger_type="journey_submission") == {"Onboarding"}
    assert names(enabled=False) == {"Solar INSTALLATION"}
    assert names(enabled=True) == {"Sales pipeline", "Onboarding", "Complaint handling"}, "no enabled flag counts as enabled"
    assert names(definition_id=onboarding["id"]) == {"Onboarding"}
    assert names(name="o", trigger_type="manual", enabled=True) == {"Complaint handling"}
    assert names(name="nothing like it") == set()


def test_search_sorts_and_pages(catalogue):
    server, created = catalogue
    c = server.client
    order = [t["name"] for t in created]

    def page(**body):
        return c.post(f"{TEMPLATES}:search", json=body).json()

    assert [t["name"] for t in page(sort_by="created_at", sort_order="asc")["results"]] == order
    assert [t["name"] for t in page(sort_by="created_at", sort_order="desc")["results"]] == order[::-1]
    assert [t["name"] for t in page()["results"]] == order[::-1], "default: most recently updated first"
    assert c.put(f"{TEMPLATES}/{created[0]['id']}", json=template("Sales pipeline")).status_code == 200
    assert page()["results"][0]["name"] == "Sales pipeline"
    assert page(sort_by="updated_at", sort_order="asc")["results"][-1]["name"] == "Sales pipeline"

    second = page(sort_by="created_at", sort_order="asc", **{"from": 1, "size": 2})
    assert second["hits"] == 4 and [t["name"] for t in second["results"]] == order[1:3]
    assert page(sort_by="created_at", sort_order="asc", **{"from": 4, "size": 2}) == {"hits": 4, "results": []}
    for bad, raw in (({"from": -1}, None), ({"size": 2.5}, None), ({"size": 1}, '{"size": Infinity}')):
        refused = c.post(f"{TEMPLATES}:search", json=bad) if raw is None else \
            c.post(f"{TEMPLATES}:search", content=raw, headers={"Content-Type": "application/json"})
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == next(iter(bad))


def test_list_filters_by_trigger_type_source_and_schema(catalogue):
    server, _ = catalogue
    c = server.client

    def names(**query):
        listed = c.get(TEMPLATES, params=query)
        assert listed.status_code == 200, listed.text
        return {t["name"] for t in listed.json()["results"]}

    assert len(names()) == 4
    assert names(trigger_type="manual") == {"Sales pipeline", "Complaint handling"}
    assert names(trigger_source_id="auto-7") == {"Solar INSTALLATION"}
    assert names(trigger_source_id="j-1") == {"Onboarding"}
    assert names(trigger_source_id="auto-9") == {"Onboarding"}
    assert names(trigger_schema="ticket") == {"Complaint handling"}
    assert names(trigger_type="manual", trigger_schema="opportunity") == {"Sales pipeline"}


@pytest.mark.flowmock(capacity="createDefinition=1")
def test_the_pytest_plugin_sets_the_limit_as_the_readme_says(flowmock_server):
    import httpx

    with httpx.Client(base_url=flowmock_server.url, headers={"Authorization": "Bearer t"}) as c:
        assert c.get("/v1/workflows/limits/max-allowed").json()["maxAllowed"] == 1
        assert c.post(DEFINITIONS, json=definition("Only")).status_code == 201
        assert c.post(DEFINITIONS, json=definition("One too many")).status_code == 409


def test_a_full_template_collection_refuses_duplicates_and_imports_without_leftovers(serve):
    c = serve(seed=4, capacities=(("createFlowTemplate", 1),)).client
    offer = create_flow(c, "Send offer")
    source = c.post(TEMPLATES, json=template("Sales", automation_id=offer["id"])).json()
    assert c.post(f"{TEMPLATES}/{source['id']}/duplicate").status_code == 409
    export = c.get(f"{TEMPLATES}/{source['id']}/export").json()
    refused = c.post(f"{TEMPLATES}/import", json=export)
    assert refused.status_code == 409 and "Limit reached" in refused.json()["detail"]
    assert [t["id"] for t in c.get(TEMPLATES).json()["results"]] == [source["id"]]
    assert [f["id"] for f in c.get(FLOWS).json()["results"]] == [offer["id"]], "no automation was imported"


def test_each_tenant_has_its_own_count_against_the_limit(serve):
    running = serve(seed=6, isolate_by="token", capacities=(("createDefinition", 1),))
    alice, bob = ({"Authorization": f"Bearer {name}"} for name in ("alice", "bob"))
    c = running.client
    assert c.post(DEFINITIONS, json=definition("Alice's"), headers=alice).status_code == 201
    assert c.post(DEFINITIONS, json=definition("Alice's second"), headers=alice).status_code == 409
    assert c.get("/v1/workflows/limits/max-allowed", headers=bob).json() == {"currentNoOfWorkflows": 0, "maxAllowed": 1}
    assert c.post(DEFINITIONS, json=definition("Bob's"), headers=bob).status_code == 201
