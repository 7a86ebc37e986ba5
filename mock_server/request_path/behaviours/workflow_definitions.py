"""Workflow Definitions API rules: the definitions limit, flow item ids, closing reasons, flow template copies and search."""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

from mock_server.request_path.behaviours import Default
from mock_server.request_path.behaviours.flow_template_ids import renew_template_ids
from mock_server.request_path.behaviours.support import new_id, require, stored
from mock_server.request_path.capacity import declared_capacity
from mock_server.request_path.crud import Call, Outcome
from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.resources import Action
from mock_server.request_path.store import bucket_key

DEFINITIONS = "/v1/workflows/definitions"
TEMPLATES = "/v2/flows/templates"
REASONS = "/v1/workflows/closing-reasons"
AUTOMATION_API, AUTOMATION_FLOWS = "automation", "/v1/automation/flows"
_REASON_FIELDS = ("title", "status", "lastUpdateTime", "creationTime")


# ---- definitions (v1) ----
def get_max_allowed_limit(call: Call, default: Default) -> Outcome:
    """The number of stored definitions and the most the organisation may hold."""
    count = sum(1 for _ in call.state.objects(call.spec.name, DEFINITIONS))
    limit = declared_capacity(call.spec.by_id["createDefinition"])
    return Outcome(200, {"currentNoOfWorkflows": count, "maxAllowed": limit or 0})


def create_definition(call: Call, default: Default) -> Outcome:
    """Sections and steps sent without an id get one (the engine refuses a create beyond the capacity)."""
    return default(_with_flow_ids(call))


def update_definition(call: Call, default: Default) -> Outcome:
    """Sections and steps sent without an id get one; those with an id keep it."""
    return default(_with_flow_ids(call))


def _with_flow_ids(call: Call) -> Call:
    """The call with an id on every section and step of the body's `flow` (top level and inside sections)."""
    body = copy.deepcopy(call.body) if isinstance(call.body, dict) else {}
    items = [i for i in body.get("flow") or [] if isinstance(i, dict)]
    steps = [s for i in items if i.get("type") == "SECTION" for s in i.get("steps") or [] if isinstance(s, dict)]
    for part in [*items, *steps]:
        if not part.get("id"):
            part["id"] = new_id(call)
    return dataclasses.replace(call, body=body)


# ---- closing reasons ----
def get_all_closing_reasons(call: Call, default: Default) -> Outcome:
    """The catalogue: ACTIVE reasons only, unless `includeInactive=true`."""
    outcome = default(call)
    include_inactive = str(dict(call.query).get("includeInactive", "false")).lower() in ("true", "1")
    if not include_inactive and isinstance(outcome.body, dict):
        outcome.body["reasons"] = [r for r in outcome.body.get("reasons", []) if r.get("status") == "ACTIVE"]
    return outcome


def get_workflow_closing_reasons(call: Call, default: Default) -> Outcome:
    """The definition's reasons, each resolved from the catalogue (reasons deleted from the catalogue are left out)."""
    definition = require(call, DEFINITIONS, call.path_params.get("definitionId"), "definitionId", "workflow definition")
    reasons = []
    for ref in definition.get("closingReasons") or []:
        found = call.state.find(call.spec.name, REASONS, str(ref.get("id")))
        if isinstance(found, dict):
            reasons.append({"id": found.get("id", ref.get("id")), **{k: found[k] for k in _REASON_FIELDS if k in found}})
    return Outcome(200, {"reasons": reasons})


def set_workflow_closing_reasons(call: Call, default: Default) -> Outcome:
    """Replace the definition's reasons; every id must be in the catalogue (a 404 naming the unknown ones otherwise)."""
    definition = require(call, DEFINITIONS, call.path_params.get("definitionId"), "definitionId", "workflow definition")
    ids = [str(r.get("id")) for r in (call.body or {}).get("reasons", [])]
    unknown = [(i, ident) for i, ident in enumerate(ids) if call.state.find(call.spec.name, REASONS, ident) is None]
    if unknown:
        names = ", ".join(f"'{ident}'" for _, ident in unknown)
        raise HttpProblem(404, "Not Found", f"No closing reason with id {names} exists in the catalogue (see getAllClosingReasons)",
                          [FieldError("body", f"reasons[{i}].id", f"unknown closing reason '{ident}'") for i, ident in unknown],
                          type="https://flowmock.dev/problems/unknown-reference")
    definition["closingReasons"] = [{"id": ident} for ident in dict.fromkeys(ids)]
    definition["lastUpdateTime"] = call.now_iso
    call.state.tick()
    return Outcome(204, None)


# ---- flow templates (v2) ----
def duplicate_flow_template(call: Call, default: Default) -> Outcome:
    """A copy with new ids throughout (references follow) and a name no other template has."""
    source = require(call, TEMPLATES, call.path_params.get("flowId"), "flowId", "flow template")
    outcome = default(call)
    duplicate = stored(call, TEMPLATES, outcome)
    taken = {t.get("name") for t in call.state.objects(call.spec.name, TEMPLATES) if t is not duplicate}
    duplicate["name"] = _distinct_name(str(source.get("name", "")), taken)
    renew_template_ids(duplicate, lambda: new_id(call))
    outcome.body = copy.deepcopy(duplicate)
    return outcome


def _distinct_name(name: str, taken: set[Any]) -> str:
    """`NAME (copy)`, else `NAME (copy 2)`, ...: the first one no other template has."""
    candidate, n = f"{name} (copy)", 2
    while candidate in taken:
        candidate, n = f"{name} (copy {n})", n + 1
    return candidate


def export_flow_template(call: Call, default: Default) -> Outcome:
    """The template plus `_resolved_automations`: each automation flow its triggers and tasks reference, by id."""
    outcome = default(call)
    if isinstance(outcome.body, dict):
        outcome.body["_resolved_automations"] = _resolved_automations(call, outcome.body)
    return outcome


def _automation_refs(template: dict[str, Any]) -> list[str]:
    """Automation flow ids referenced by the template's triggers and automation tasks, in order, once each."""
    refs: list[Any] = [t.get("automation_id") for t in [template.get("trigger"), *(template.get("additional_triggers") or [])]
                       if isinstance(t, dict)]
    refs += [(t.get("automation_config") or {}).get("flow_id") for t in template.get("tasks") or [] if isinstance(t, dict)]
    return list(dict.fromkeys(str(r) for r in refs if r))


def _resolved_automations(call: Call, template: dict[str, Any]) -> dict[str, Any]:
    """Each referenced automation flow that the Automation API stores, by id."""
    if AUTOMATION_API not in call.served:
        return {}
    found = {ref: call.state.find(AUTOMATION_API, AUTOMATION_FLOWS, ref) for ref in _automation_refs(template)}
    return {ref: copy.deepcopy(flow) for ref, flow in found.items() if isinstance(flow, dict)}


def import_flow_template(call: Call, default: Default) -> Outcome:
    """Create the bundled automation flows and the template, all with new ids; answer the template and the id mappings."""
    template = copy.deepcopy(call.body) if isinstance(call.body, dict) else {}
    bundled = template.pop("_resolved_automations", None) or {}
    _check_bundled(call, bundled)
    automation_ids = {old: new_id(call) for old in bundled}
    _point_at_automations(template, automation_ids)
    old_flow_id = template.pop("id", None)
    for stamp in ("created_at", "updated_at"):  # an import is a new template
        template.pop(stamp, None)
    task_ids = renew_template_ids(template, lambda: new_id(call))["tasks"]
    create = dataclasses.replace(call, op=call.spec.by_id["createFlowTemplate"], action=Action("create", TEMPLATES), body=template)
    created = default(create)  # first, so a refused template (a full collection) leaves no automation behind
    for old, new in automation_ids.items():
        call.state.bucket(bucket_key(AUTOMATION_API, AUTOMATION_FLOWS))[new] = {**copy.deepcopy(bundled[old]), "id": new}
    flow_id = {"new": created.body["id"], **({"old": str(old_flow_id)} if old_flow_id is not None else {})}
    return Outcome(201, {"flow": created.body, "_id_mappings": {"flow_id": flow_id, "task_ids": task_ids,
                                                                 "automation_ids": automation_ids}}, created.headers)


def _check_bundled(call: Call, bundled: dict[str, Any]) -> None:
    """Bundled automations need the Automation API (their shape is checked by request validation)."""
    if bundled and AUTOMATION_API not in call.served:
        raise HttpProblem(400, "Bad Request", f"The export bundles {len(bundled)} automation flow(s) but this server does not "
                          "serve the Automation API, so they cannot be created",
                          [FieldError("body", "_resolved_automations", "Automation API not served")])


def _point_at_automations(template: dict[str, Any], automation_ids: dict[str, str]) -> None:
    """Triggers and automation tasks that named a bundled automation name its imported copy."""
    for trigger in [template.get("trigger"), *(template.get("additional_triggers") or [])]:
        if isinstance(trigger, dict) and str(trigger.get("automation_id")) in automation_ids:
            trigger["automation_id"] = automation_ids[str(trigger["automation_id"])]
    for task in template.get("tasks") or []:
        config = task.get("automation_config") if isinstance(task, dict) else None
        if isinstance(config, dict) and str(config.get("flow_id")) in automation_ids:
            config["flow_id"] = automation_ids[str(config["flow_id"])]


# ---- listing and search ----
def list_flow_templates(call: Call, default: Default) -> Outcome:
    """Every template whose trigger (or an additional trigger) matches `trigger_type`, `trigger_source_id`, `trigger_schema`."""
    query = dict(call.query)
    found = [t for t in call.state.objects(call.spec.name, TEMPLATES) if _matches(t, query)]
    return Outcome(200, {"hits": len(found), "results": copy.deepcopy(found)})


def search_flow_templates(call: Call, default: Default) -> Outcome:
    """Filter (name substring, definition id, trigger type, enabled), sort (`sort_by`, `sort_order`) and page (`from`, `size`)."""
    body = call.body if isinstance(call.body, dict) else {}
    start, size = int(body.get("from") or 0), int(body.get("size") or 0)  # whole and >= 0: the spec says so
    found = [t for t in call.state.objects(call.spec.name, TEMPLATES) if _matches(t, body)]
    sort_by = body.get("sort_by") or "updated_at"
    found.sort(key=lambda t: str(t.get(sort_by) or ""), reverse=(body.get("sort_order") or "desc") == "desc")
    window = found[start: start + size] if size else found[start:]
    return Outcome(200, {"hits": len(found), "results": copy.deepcopy(window)})


def _matches(template: dict[str, Any], criteria: dict[str, Any]) -> bool:
    """Whether a template passes every given criterion (unknown or empty criteria are ignored)."""
    triggers = [t for t in [template.get("trigger"), *(template.get("additional_triggers") or [])] if isinstance(t, dict)]
    checks = {
        "name": lambda v: str(v).lower() in str(template.get("name", "")).lower(),
        "definition_id": lambda v: str(template.get("id")) == str(v),
        "trigger_type": lambda v: any(t.get("type") == v for t in triggers),
        "trigger_source_id": lambda v: any(v in (t.get("automation_id"), t.get("journey_id")) for t in triggers),
        "trigger_schema": lambda v: any(t.get("entity_schema") == v for t in triggers),
        "enabled": lambda v: template.get("enabled", True) is (v if isinstance(v, bool) else str(v).lower() == "true"),
    }
    return all(check(criteria[key]) for key, check in checks.items() if criteria.get(key) not in (None, ""))


BEHAVIOURS = {
    "getMaxAllowedLimit": get_max_allowed_limit,
    "createDefinition": create_definition,
    "updateDefinition": update_definition,
    "getAllClosingReasons": get_all_closing_reasons,
    "getWorkflowClosingReasons": get_workflow_closing_reasons,
    "setWorkflowClosingReasons": set_workflow_closing_reasons,
    "duplicateFlowTemplate": duplicate_flow_template,
    "exportFlowTemplate": export_flow_template,
    "importFlowTemplate": import_flow_template,
    "listFlowTemplates": list_flow_templates,
    "searchFlowTemplates": search_flow_templates,
}
