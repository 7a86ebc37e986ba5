"""A small, hand-written event stream for report and summary tests."""
from __future__ import annotations

from contracts.events import CheckFailed, ContractEvent, DocumentedOperation, Exchange, RunError, SpecFinished, SpecStarted

GET = DocumentedOperation("GET /things/{id}", "GET", "/things/{id}", "getThing", ("200", "404"))
POST = DocumentedOperation("POST /things", "POST", "/things", "createThing", ("201", "400"))
DELETE = DocumentedOperation("DELETE /things/{id}", "DELETE", "/things/{id}", "deleteThing", ("204",))
URL = "http://127.0.0.1:9/things"
CURL = "curl -X GET -H \"Authorization: Bearer $CONTRACT_TOKEN\" http://127.0.0.1:9/things/1"


def failure(op: str = GET.label, check: str = "response_schema_conformance", status: int = 200) -> CheckFailed:
    return CheckFailed("things", op, check, "Response violates schema", "'name' is a required property <b>",
                       "high", "fuzzing", status, CURL, (), '{"id": 1}')


def events() -> list[ContractEvent]:
    """One spec, three documented operations (one never exercised), two findings, one run error."""
    return [
        SpecStarted("things", "Things API", "specs/things.yaml", "http://127.0.0.1:9", 7, (GET, POST, DELETE),
                    ("not_a_server_error", "response_schema_conformance"), ("examples", "fuzzing")),
        Exchange("things", GET.label, "examples", "GET", URL + "/1", 200),
        Exchange("things", GET.label, "fuzzing", "GET", URL + "/2", 404),
        Exchange("things", GET.label, "fuzzing", "GET", URL + "/3", 200),
        Exchange("things", POST.label, "fuzzing", "POST", URL, 500),
        Exchange("things", POST.label, "fuzzing", "POST", URL, None),
        Exchange("things", "PATCH /things/{id}", "fuzzing", "PATCH", URL + "/1", 405),
        failure(),
        failure(),
        failure(POST.label, "not_a_server_error", 500),
        RunError("things", "Stateful tests", "Network Error: connection refused"),
        RunError("things", "Stateful tests", "Network Error: connection refused"),
        SpecFinished("things", 1.5, "completed", ("examples", "fuzzing")),
    ]


def clean_events() -> list[ContractEvent]:
    """A run with no finding."""
    return [
        SpecStarted("things", "Things API", "specs/things.yaml", "http://127.0.0.1:9", 7, (GET,), ("not_a_server_error",), ("examples",)),
        Exchange("things", GET.label, "examples", "GET", URL + "/1", 200),
        SpecFinished("things", 0.2, "completed", ("examples",)),
    ]
