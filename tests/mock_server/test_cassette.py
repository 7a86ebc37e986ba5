"""Cassette format (VCR.py both ways), filters and matchers."""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mock_server.recording.cassette import (CASSETTE_VERSION, REDACTED, Cassette, CassetteError, CassetteWriter, Interaction,
                                  Redaction, Request, Response, dumps, failed_matchers, field_key, json_difference,
                                  loads, read_cassette, scrub, scrub_request)

# What VCR.py 7 (pytest-recording) writes for one requests.get/post: sorted keys, header lists, body.string.
VCR_CASSETTE = """\
interactions:
- request:
    body: '{"name": "Lead intake", "password": "hunter2"}'
    headers:
      Accept:
      - '*/*'
      Authorization:
      - Bearer abc.def
      Content-Type:
      - application/json
    method: POST
    uri: https://api.example.com/api/v2/w/3f6c2a1e-8b4d-4e7a-9c21-5d0f7e9a1b34/workflows?verbose=1
  response:
    body:
      string: '{"id":1,"name":"Lead intake"}'
    headers:
      Content-Type:
      - application/json
      Set-Cookie:
      - sid=xyz; Path=/
    status:
      code: 201
      message: Created
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.example.com/logo.png
  response:
    body:
      string: !!binary |
        iVBORw0KGgo=
    headers:
      Content-Type: image/png
    status:
      code: 200
      message: OK
version: 1
"""


def test_reads_a_vcr_cassette_and_writes_one_vcr_can_read():
    cassette = loads(VCR_CASSETTE, "vcr.yaml")
    first, logo = cassette.interactions
    assert first.request.method == "POST" and first.request.path.endswith("/workflows")
    assert first.request.query == [("verbose", "1")]
    assert json.loads(first.request.body)["password"] == "hunter2"
    assert first.response.status == 201 and first.response.message == "Created"
    assert first.response.body == b'{"id":1,"name":"Lead intake"}'
    assert logo.response.body == b"\x89PNG\r\n\x1a\n" and logo.response.headers == {"Content-Type": ["image/png"]}

    data = yaml.safe_load(dumps(cassette))
    assert data["version"] == 1
    for item in data["interactions"]:
        # VCR.py builds Request(**item["request"]): exactly these keys, nothing else.
        assert set(item["request"]) == {"method", "uri", "body", "headers"}
        assert set(item["response"]) == {"status", "headers", "body"} and set(item["response"]["body"]) == {"string"}
        assert all(isinstance(v, list) for v in item["request"]["headers"].values())
    assert data["interactions"][1]["request"]["body"] is None
    assert isinstance(data["interactions"][1]["response"]["body"]["string"], bytes)
    assert loads(dumps(cassette)) == cassette


def test_old_vcr_python_str_tags_load_and_unknown_versions_are_refused():
    old = VCR_CASSETTE.replace("method: GET", "method: !!python/unicode 'GET'")
    assert loads(old).interactions[1].request.method == "GET"
    with pytest.raises(CassetteError, match="unsupported cassette version 2"):
        loads(VCR_CASSETTE.replace("version: 1", "version: 2"), "future.yaml")
    with pytest.raises(CassetteError, match="pre-1.0"):
        loads("- request: {}\n  response: {}\n")
    with pytest.raises(CassetteError, match="bad.yaml: YAML syntax error"):
        loads("interactions: [\n", "bad.yaml")
    with pytest.raises(CassetteError, match="not a cassette"):
        loads("just: text\n")
    assert CASSETTE_VERSION == 1


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_headers = st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True), st.lists(_text, min_size=1, max_size=2),
                           max_size=4)
_interactions = st.builds(
    Interaction,
    st.builds(Request, st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
              st.from_regex(r"https://api\.example\.com/[a-z0-9/]{0,20}(\?[a-z]=[a-z0-9%]{0,5})?", fullmatch=True),
              _headers, st.binary(max_size=40) | _text.map(str.encode)),
    st.builds(Response, st.integers(100, 599), _text, _headers, st.binary(max_size=60) | _text.map(str.encode)),
    st.none() | st.just("2025-01-01T00:00:00.000+00:00"),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_interactions, max_size=4), st.none() | st.just("https://api.example.com/v2"))
@example([Interaction(Request("GET", "https://api.example.com/"), Response(200, "x\x85", {"X": ["a\u2028b"]},
                                                                           "next\x85line".encode()))], None)
def test_a_cassette_survives_a_serialize_deserialize_round_trip(interactions, upstream):
    cassette = Cassette(interactions, upstream, ("X-Tenant",), ("cookie",))
    assert loads(dumps(cassette)) == cassette


def test_the_writer_rewrites_the_file_after_each_append(tmp_path):
    path = tmp_path / "deep" / "w.yaml"
    writer = CassetteWriter(path, Cassette(upstream="http://127.0.0.1:1"))
    writer.flush()
    assert read_cassette(path).interactions == []
    one = Interaction(Request("GET", "http://127.0.0.1:1/a"), Response(200, "OK", {}, b"{}"))
    writer.append(one)
    writer.append(one)
    assert read_cassette(path) == Cassette([one, one], upstream="http://127.0.0.1:1")
    assert [p.name for p in path.parent.iterdir()] == ["w.yaml"], "no temporary files are left behind"


def test_default_filters_redact_headers_query_json_and_form_bodies_recursively():
    request = Request(
        "POST", "https://user:pw@api.example.com/x?Access_Token=a1&page=2&client_secret=c3&flag",
        {"Authorization": ["Bearer t0k"], "Cookie": ["a=1; b=2"], "X-Api-Key": ["k"], "X-Request-Id": ["r-1"],
         "Content-Type": ["application/json"]},
        json.dumps({"name": "n", "credentials": {"password": "p", "apiKey": "k2", "nested": [{"resumeToken": "r"}]},
                    "task_token": None}).encode())
    scrubbed = scrub_request(request, Redaction())
    assert scrubbed.uri == "https://api.example.com/x?Access_Token=REDACTED&page=2&client_secret=REDACTED&flag"
    assert scrubbed.headers["Authorization"] == ["Bearer REDACTED"]
    assert scrubbed.headers["Cookie"] == ["a=REDACTED; b=REDACTED"]
    assert scrubbed.headers["X-Api-Key"] == ["REDACTED"] and scrubbed.headers["X-Request-Id"] == ["r-1"]
    assert json.loads(scrubbed.body) == {"name": "n", "task_token": None, "credentials": {
        "password": REDACTED, "apiKey": REDACTED, "nested": [{"resumeToken": REDACTED}]}}
    assert request.headers["Authorization"] == ["Bearer t0k"], "the input is not modified"

    form = Request("POST", "https://idp.example.com/token", {"Content-Type": ["application/x-www-form-urlencoded"]},
                   b"grant_type=password&username=ada&password=s3cr%21t&refresh_token=rt")
    assert scrub_request(form, Redaction()).body == b"grant_type=password&username=ada&password=REDACTED&refresh_token=REDACTED"


def test_unchanged_bodies_keep_their_exact_bytes_and_the_policy_is_configurable():
    raw = b'{ "b": 1,\n  "a": [1, 2] }'
    response = Response(200, "OK", {"Content-Type": ["application/json"]}, raw)
    interaction = Interaction(Request("GET", "/x"), response)
    assert scrub(interaction, Redaction()).response.body == raw
    policy = Redaction().adjusted(add=["b", "X-Tenant"], keep=["authorization"])
    assert "b" in policy.fields and "x-tenant" in policy.headers and "authorization" not in policy.headers
    assert json.loads(scrub(interaction, policy).response.body) == {"b": REDACTED, "a": [1, 2]}
    assert Redaction.of(Cassette(redact=("b",), keep=("authorization",))) == Redaction(("b",), ("authorization",))
    assert field_key("Access-Token") == field_key("accessToken") == field_key("access_token")
    set_cookie = Response(200, "OK", {"Set-Cookie": ["sid=abc; Path=/; Secure", "plain"]})
    assert scrub(Interaction(Request("GET", "/"), set_cookie), Redaction()).response.headers["Set-Cookie"] == [
        "sid=REDACTED; Path=/; Secure", "REDACTED"]


def _req(method="GET", uri="/a?x=1&y=2", body=b"", ctype="application/json"):
    return Request(method, uri, {"Content-Type": [ctype]} if body else {}, body)


def test_matchers_raise_reasons_naming_what_differed():
    base = _req("POST", "/a?x=1&y=2", b'{"name": "a", "tags": [1, 2]}')
    assert failed_matchers(base, _req("POST", "/a?y=2&x=1", b'{"tags":[1,2],"name":"a"}')) == []
    assert failed_matchers(base, _req("PUT", "/a?x=1&y=2", base.body)) == [("method", "method POST != PUT")]
    assert failed_matchers(base, _req("POST", "/b?x=1&y=2", base.body))[0][0] == "path"
    [(name, reason)] = failed_matchers(base, _req("POST", "/a?x=1&y=3", base.body))
    assert name == "query" and "y=2" in reason and "y=3" in reason
    [(name, reason)] = failed_matchers(base, _req("POST", "/a?x=1&y=2", b'{"name": "b", "tags": [1, 2]}'))
    assert name == "body" and reason.startswith("body differs at $.name")
    assert failed_matchers(_req(body=b"--x\r\nmultipart"), _req(body=b"--y\r\nother", ctype="multipart/form-data"),
                           ["body"]) == [], "bodies that are neither JSON nor forms are not compared"
    assert json_difference({"a": True}, {"a": 1}) == "$.a: true != 1"
    assert json_difference({"a": 1}, {"a": 1.0}) is None
    assert json_difference([1], [1, 2]) == "$: 1 items != 2 items"
    assert failed_matchers(_req("GET", "/caf%C3%A9"), _req("GET", "/café"), ["path"]) == []


_json = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b"]),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xyz"), inner, max_size=3),
                     max_leaves=8)
_requests = st.builds(_req, st.sampled_from(["GET", "POST"]), st.sampled_from(["/a", "/a?x=1", "/b?x=1&y=2", "/b?y=2&x=1"]),
                      st.none().map(lambda _: b"") | _json.map(lambda v: json.dumps(v).encode()))


@settings(max_examples=200, deadline=None)
@given(_requests, _requests)
def test_matchers_are_symmetric(r1, r2):
    assert [n for n, _ in failed_matchers(r1, r2)] == [n for n, _ in failed_matchers(r2, r1)]
    assert failed_matchers(r1, r1) == []
