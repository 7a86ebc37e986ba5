"""Cassettes: recorded HTTP exchanges, their VCR.py-compatible YAML form, secret filters and request matchers.

The on-disk format *is* VCR.py's cassette format (version 1), so cassettes travel both ways between
flowmock and pytest-recording / VCR.py. flowmock adds keys VCR.py ignores: a top-level `flowmock`
mapping (upstream, redaction lists) and `recorded_at` on each interaction.

    version: 1
    flowmock: {upstream: https://api.example.com, redact: [X-Tenant], keep: []}
    interactions:
    - request:  {method: GET, uri: https://api.example.com/x?a=1, body: null, headers: {Accept: [application/json]}}
      response: {status: {code: 200, message: OK}, headers: {Content-Type: [application/json]}, body: {string: '{}'}}
      recorded_at: '2025-01-01T00:00:00.000+00:00'

Matchers are `(r1, r2)` functions that raise AssertionError with a reason; filters are `(request) -> request`
and `(response) -> response` functions applied in a chain before anything is written.
"""
from __future__ import annotations

from mock_server.recording.cassette._filters import (  # noqa: F401
    Redaction,
    RequestFilter,
    ResponseFilter,
    body_filter,
    header_filter,
    query_filter,
    redact_json,
    redact_query,
    redact_url,
    redacted_header_value,
    request_filters,
    response_body_filter,
    response_filters,
    response_header_filter,
    scrub,
    scrub_request,
)
from mock_server.recording.cassette._matchers import (  # noqa: F401
    DEFAULT_MATCH_ON,
    MATCHERS,
    Matcher,
    failed_matchers,
    json_difference,
    match_body,
    match_method,
    match_path,
    match_query,
    parse_json_body,
)
from mock_server.recording.cassette._model import (  # noqa: F401
    CASSETTE_VERSION,
    DEFAULT_REDACT_FIELDS,
    DEFAULT_REDACT_HEADERS,
    HOP_BY_HOP,
    NOT_JSON,
    REDACTED,
    Cassette,
    CassetteError,
    Headers,
    Interaction,
    Request,
    Response,
    field_key,
    header_value,
    media_type,
)
from mock_server.recording.cassette._serialize import (  # noqa: F401
    CassetteWriter,
    dumps,
    from_dict,
    interaction_to_dict,
    loads,
    read_cassette,
    to_dict,
    write_cassette,
)

__all__ = [
    "CASSETTE_VERSION",
    "Cassette",
    "CassetteError",
    "CassetteWriter",
    "DEFAULT_MATCH_ON",
    "DEFAULT_REDACT_FIELDS",
    "DEFAULT_REDACT_HEADERS",
    "HOP_BY_HOP",
    "Headers",
    "Interaction",
    "MATCHERS",
    "Matcher",
    "NOT_JSON",
    "REDACTED",
    "Redaction",
    "Request",
    "RequestFilter",
    "Response",
    "ResponseFilter",
    "body_filter",
    "dumps",
    "failed_matchers",
    "field_key",
    "from_dict",
    "header_filter",
    "header_value",
    "interaction_to_dict",
    "json_difference",
    "loads",
    "match_body",
    "match_method",
    "match_path",
    "match_query",
    "media_type",
    "parse_json_body",
    "query_filter",
    "read_cassette",
    "redact_json",
    "request_filters",
    "response_body_filter",
    "response_filters",
    "response_header_filter",
    "scrub",
    "scrub_request",
    "to_dict",
    "write_cassette",
]
