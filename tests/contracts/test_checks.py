"""contracts.checks: the check catalogue and how selections resolve."""
from __future__ import annotations

import pytest

from contracts.checks import DEFAULT_CHECKS, DESCRIPTIONS, KNOWN_CHECKS, PHASES, select_checks, select_phases
from contracts.errors import ContractConfigError

ISSUE_CHECKS = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance", "use_after_free",
    "ensure_resource_availability", "ignored_auth",
}


def test_default_checks_are_the_issue_list_plus_read_after_delete():
    assert set(DEFAULT_CHECKS) == ISSUE_CHECKS | {"read_after_delete"}


def test_every_schemathesis_check_is_known():
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    assert {c.__name__ for c in CHECKS.get_all() if hasattr(c, "__name__")} - {"read_after_delete"} <= set(KNOWN_CHECKS)


def test_every_check_has_a_description():
    assert all(DESCRIPTIONS[name] for name in KNOWN_CHECKS)


def test_select_defaults_and_excludes():
    assert select_checks() == DEFAULT_CHECKS
    chosen = select_checks(None, ["ignored_auth,use_after_free"])
    assert "ignored_auth" not in chosen and "use_after_free" not in chosen and "not_a_server_error" in chosen


def test_select_all_and_explicit():
    assert select_checks(["all"]) == KNOWN_CHECKS
    assert select_checks(["not_a_server_error", "not_a_server_error"]) == ("not_a_server_error",)


@pytest.mark.parametrize("include, exclude", [(["nope"], []), (None, ["nope"]), (["not_a_server_error"], ["not_a_server_error"])])
def test_bad_selections_are_config_errors(include, exclude):
    with pytest.raises(ContractConfigError):
        select_checks(include, exclude)


def test_phases():
    assert select_phases(None) == PHASES
    assert select_phases(["stateful", "examples"]) == ("examples", "stateful")
    with pytest.raises(ContractConfigError, match="unknown phase"):
        select_phases(["examples", "chaos"])
    with pytest.raises(ContractConfigError):
        select_phases([""])


def test_a_delete_marked_as_an_update_is_not_a_removal():
    from contracts.checks import deletes

    assert deletes({"operationId": "deleteThing"})
    assert deletes({"x-flowmock-action": "delete"})
    assert not deletes({"x-flowmock-action": "update"})  # e.g. DELETE /executions/{id} cancels the execution
