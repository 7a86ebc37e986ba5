"""contracts.coverage: documented operations and status codes exercised or not."""
from __future__ import annotations

from contracts.coverage import compute_coverage, documented_key, status_matches
from contracts.events import DocumentedOperation

GET = DocumentedOperation("GET /things/{id}", "GET", "/things/{id}", "getThing", ("200", "404", "4XX", "default"))
POST = DocumentedOperation("POST /things", "POST", "/things", "createThing", ("201", "400"))


def test_status_matching():
    assert status_matches("200", 200) and not status_matches("200", 201)
    assert status_matches("4XX", 418) and status_matches("4xx", 400) and not status_matches("4XX", 500)
    assert not status_matches("default", 500)


def test_documented_key_prefers_exact_then_range_then_default():
    keys = GET.statuses
    assert documented_key(keys, 404) == "404"
    assert documented_key(keys, 409) == "4XX"
    assert documented_key(keys, 503) == "default"
    assert documented_key(POST.statuses, 500) is None


def test_compute_coverage():
    cov = compute_coverage([GET, POST], {"GET /things/{id}": {200: 3, 409: 1}, "DELETE /x": {200: 1}},
                           {"GET /things/{id}": 4})
    get, post = cov.operations
    assert get.exercised == ("200", "4XX") and get.missed == ("404", "default") and get.requests == 4
    assert not post.was_exercised and post.missed == ("201", "400")
    assert cov.operations_exercised == 1 and cov.statuses_documented == 6 and cov.statuses_exercised == 2
    assert [op.operation.label for op in cov.never_exercised] == ["POST /things"]


def test_undocumented_statuses_are_kept_apart():
    cov = compute_coverage([POST], {"POST /things": {201: 1, 500: 2}}, {})
    assert cov.operations[0].undocumented == (500,)
    assert cov.operations[0].exercised == ("201",)
