"""The recording proxy against a real upstream flowmock on another 127.0.0.1 port."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from starlette.middleware.gzip import GZipMiddleware

from mock_server.recording.cassette import REDACTED, Redaction, read_cassette
from mock_server.recording.record import RecordingProxy, RecordMode, open_cassette
from mock_server.errors import ConfigError
from mock_server.server import BackgroundServer, free_port
from tests.mock_server.recording import CLIENT_HEADERS, RESUME, SECRETS, TOKEN, WF, record_session


def test_proxy_forwards_unchanged_records_every_exchange_and_no_secret_reaches_the_cassette(serve, tmp_path):
    upstream = serve(seed=7, accept_tokens=frozenset({TOKEN}))  # only the real token is accepted upstream
    out = tmp_path / "cassettes" / "session.yaml"
    sent = record_session(upstream.url, out)

    text = out.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, f"secret {secret!r} leaked into the cassette"
    cassette = read_cassette(out)
    assert cassette.upstream == upstream.url
    assert len(cassette.interactions) == len(sent)
    for exchange, interaction in zip(sent, cassette.interactions):
        assert interaction.request.method == exchange.method
        assert interaction.request.path == exchange.path
        assert interaction.response.status == exchange.status
        if exchange.path != RESUME:
            assert interaction.response.body == exchange.body, "the recorded body is the bytes the client got"
        assert interaction.request.header("authorization") == f"Bearer {REDACTED}"
        assert interaction.request.header("x-api-key") == REDACTED
        assert interaction.recorded_at
    assert cassette.interactions[1].request.header("cookie") == f"session={REDACTED}; theme={REDACTED}"
    assert ("access_token", REDACTED) in cassette.interactions[4].request.query
    assert ("archived", "false") in cassette.interactions[4].request.query
    resume = cassette.interactions[5]
    assert json.loads(resume.request.body) == {"resume_token": REDACTED}
    assert cassette.interactions[0].request.body == json.dumps(sent[0].json).encode() or \
        json.loads(cassette.interactions[0].request.body) == sent[0].json, "non-secret bodies are kept"

    # The upstream got the request: the query parameter forwarded (its own journal redacts the value), the token accepted.
    listed = [e for e in upstream.app.journal.query() if e.path == WF and e.method == "GET"]
    assert listed and listed[-1].query == "archived=false&access_token=REDACTED" and listed[-1].status == 200


def test_secrets_in_responses_and_set_cookie_are_redacted_and_the_list_is_configurable(tmp_path):
    from starlette.responses import JSONResponse

    async def upstream_app(scope, receive, send):
        assert scope["type"] == "http"
        response = JSONResponse({"access_token": "at-77aa", "user": {"name": "Ada", "refreshToken": "rt-88bb"},
                                 "tenant": "acme-internal"}, headers={"Set-Cookie": "sid=ck-99cc; Path=/; HttpOnly"})
        await response(scope, receive, send)

    out = tmp_path / "c.yaml"
    redaction = Redaction().adjusted(add=["tenant"], keep=["x-api-key"])
    writer = open_cassette(out, "http://placeholder", redaction)
    with BackgroundServer(upstream_app) as upstream:
        writer.cassette.upstream = upstream.url
        with BackgroundServer(RecordingProxy(upstream.url, writer)) as proxy:
            got = httpx.get(proxy.url + "/login", headers={"X-Api-Key": "kept-key"}, timeout=30)
    assert got.json()["access_token"] == "at-77aa", "the client gets the answer unchanged"
    assert got.headers["set-cookie"] == "sid=ck-99cc; Path=/; HttpOnly"
    text = out.read_text()
    for secret in ("at-77aa", "rt-88bb", "ck-99cc", "acme-internal"):
        assert secret not in text
    interaction = read_cassette(out).interactions[0]
    assert interaction.response.header("set-cookie") == f"sid={REDACTED}; Path=/; HttpOnly"
    assert json.loads(interaction.response.body) == {"access_token": REDACTED, "tenant": REDACTED,
                                                     "user": {"name": "Ada", "refreshToken": REDACTED}}
    assert interaction.request.header("x-api-key") == "kept-key", "--keep removes a name from the defaults"
    assert read_cassette(out).redact == ("tenant",) and read_cassette(out).keep == ("x-api-key",)


def test_compressed_answers_reach_the_client_as_sent_and_are_stored_decoded(serve, tmp_path):
    upstream = serve(seed=3)
    assert upstream.client.post(WF, json={"name": "Compressible " * 20}).status_code == 201
    out = tmp_path / "gz.yaml"
    writer = open_cassette(out, upstream.url, Redaction())
    with BackgroundServer(GZipMiddleware(upstream.app.asgi, minimum_size=10)) as gz, \
            BackgroundServer(RecordingProxy(gz.url, writer)) as proxy:
        got = httpx.get(proxy.url + WF, headers={**CLIENT_HEADERS, "Accept-Encoding": "gzip"}, timeout=30)
    assert got.status_code == 200 and got.headers["content-encoding"] == "gzip"
    recorded = read_cassette(out).interactions[0].response
    assert recorded.header("content-encoding") is None
    assert recorded.body == got.content and recorded.header("content-length") == str(len(got.content))


def test_upstream_errors_pass_through_and_an_unreachable_upstream_gives_502(serve, tmp_path):
    upstream = serve(seed=1)
    out = tmp_path / "e.yaml"
    writer = open_cassette(out, upstream.url, Redaction())
    with BackgroundServer(RecordingProxy(upstream.url, writer)) as proxy:
        missing = httpx.get(proxy.url + f"{WF}/424242", headers=CLIENT_HEADERS, timeout=30)
        unauthenticated = httpx.get(proxy.url + WF, timeout=30)
    assert missing.status_code == 404 and unauthenticated.status_code == 401
    assert [i.response.status for i in read_cassette(out).interactions] == [404, 401]

    dead = f"http://127.0.0.1:{free_port()}"
    writer = open_cassette(tmp_path / "dead.yaml", dead, Redaction())
    with BackgroundServer(RecordingProxy(dead, writer, timeout=5)) as proxy:
        failed = httpx.get(proxy.url + "/x", timeout=30)
    assert failed.status_code == 502 and failed.headers["content-type"] == "application/problem+json"
    assert read_cassette(tmp_path / "dead.yaml").interactions == []


def test_append_mode_keeps_earlier_exchanges_and_overwrite_starts_afresh(serve, tmp_path):
    upstream = serve(seed=2)
    out = tmp_path / "a.yaml"
    for _ in range(2):
        writer = open_cassette(out, upstream.url, Redaction())
        with BackgroundServer(RecordingProxy(upstream.url, writer)) as proxy:
            httpx.get(proxy.url + WF, headers=CLIENT_HEADERS, timeout=30)
    assert len(read_cassette(out).interactions) == 2
    open_cassette(out, upstream.url, Redaction(), RecordMode.OVERWRITE)
    assert read_cassette(out).interactions == []
    with pytest.raises(ConfigError, match="append, overwrite"):
        RecordMode.parse("new_episodes")
    with pytest.raises(ConfigError, match="--upstream"):
        RecordingProxy("api.example.com", open_cassette(tmp_path / "x.yaml", "x", Redaction()))


def _wait_for_port(url: str, deadline: float) -> None:
    # `record` listens before it prints its banner: a request sent while it starts waits for it (one probe
    # only, so the cassette holds exactly one), a refused connection means it is not listening yet
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/__ping", timeout=max(deadline - time.monotonic(), 0.1))
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not start")


def test_cli_record_survives_being_killed_without_losing_an_exchange(serve, tmp_path):
    upstream = serve(seed=4)
    port = free_port()
    out = tmp_path / "killed.yaml"
    command = [sys.executable, "-m", "mock_server.cli", "record", "--upstream", upstream.url, "--port", str(port),
               "--out", str(out), "--redact", "X-Tenant", "--log-level", "warning", "--allowed-host", "recorder.test"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=os.getcwd())
    try:
        _wait_for_port(f"http://127.0.0.1:{port}", time.monotonic() + 30)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={**CLIENT_HEADERS, "X-Tenant": "tenant-7c1f9"},
                          timeout=30) as client:
            assert client.post(WF, json={"name": "Killed mid-session"}).status_code == 201
            assert client.get(f"{WF}/1", headers={"Host": "other.test"}).status_code == 403  # neither forwarded nor recorded
            assert client.get(f"{WF}/1", headers={"Host": "recorder.test"}).status_code == 200  # --allowed-host
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)  # reaps the process and closes its pipe
    cassette = read_cassette(out)
    seen = [(i.request.method, i.response.status) for i in cassette.interactions]
    probes = len(seen) - 2  # a loaded machine may need more than one readiness probe (each a recorded 404)
    assert probes >= 1 and seen == [("GET", 404)] * probes + [("POST", 201), ("GET", 200)], seen
    assert "tenant-7c1f9" not in out.read_text() and TOKEN not in out.read_text()
    assert cassette.interactions[probes].request.header("x-tenant") == REDACTED


async def _sized_upstream(scope, receive, send):
    """An upstream answering `/bytes/N` with N bytes of JSON string."""
    if scope["type"] != "http":
        return
    size = int(scope["path"].rsplit("/", 1)[-1])
    body = json.dumps("x" * max(0, size - 2)).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def test_an_exchange_over_the_body_limit_is_forwarded_whole_but_not_recorded(tmp_path, caplog):
    from mock_server.recording.record import RecordLimits

    out = tmp_path / "big.yaml"
    limits = RecordLimits(max_body=10_000)
    with BackgroundServer(_sized_upstream) as upstream:
        writer = open_cassette(out, upstream.url, Redaction(), limits=limits)
        proxy_app = RecordingProxy(upstream.url, writer, max_body=limits.max_body)
        with BackgroundServer(proxy_app) as proxy, caplog.at_level("WARNING", logger="mock_server.recording.record"):
            small = httpx.get(proxy.url + "/bytes/500", timeout=30)
            big = httpx.get(proxy.url + "/bytes/50000", timeout=30)
            big_request = httpx.post(proxy.url + "/bytes/10", content=b"{}" + b" " * 20_000, timeout=30)
    assert small.status_code == big.status_code == big_request.status_code == 200
    assert len(big.content) == 50_000, "the client gets the whole answer"
    recorded = read_cassette(out).interactions
    assert [i.request.uri.rsplit("/", 1)[-1] for i in recorded] == ["500"]
    assert proxy_app.skipped == 2
    assert "not recorded: GET" in caplog.text and "50000 bytes, over the 10000-byte limit (--max-recorded-body)" in caplog.text


def test_the_cassette_is_bounded_by_exchanges_and_by_bytes(tmp_path, caplog):
    from mock_server.recording.record import RecordLimits

    with BackgroundServer(_sized_upstream) as upstream:
        by_count = open_cassette(tmp_path / "count.yaml", upstream.url, Redaction(), limits=RecordLimits(max_exchanges=3))
        by_bytes = open_cassette(tmp_path / "bytes.yaml", upstream.url, Redaction(), limits=RecordLimits(max_bytes=20_000))
        with BackgroundServer(RecordingProxy(upstream.url, by_count)) as counted, \
                BackgroundServer(RecordingProxy(upstream.url, by_bytes)) as sized, \
                caplog.at_level("WARNING", logger="mock_server.recording.record"):
            for i in range(6):
                assert httpx.get(f"{counted.url}/bytes/{100 + i}", timeout=30).status_code == 200
                assert len(httpx.get(f"{sized.url}/bytes/6000", timeout=30).content) == 6000
    counted_file = read_cassette(tmp_path / "count.yaml").interactions
    assert [i.request.uri.rsplit("/", 1)[-1] for i in counted_file] == ["100", "101", "102"], "the first three are kept"
    sized_file = tmp_path / "bytes.yaml"
    assert len(read_cassette(sized_file).interactions) == 3 and sized_file.stat().st_size <= 20_000 + 200
    assert caplog.text.count("the cassette is full") == 2, "one warning per recording, not one per exchange"
    assert "--max-exchanges 3" in caplog.text
    reopened = open_cassette(tmp_path / "count.yaml", "http://127.0.0.1:1", Redaction(), limits=RecordLimits(max_exchanges=3))
    assert reopened.count == 3 and not reopened.append(counted_file[0]), "appending to a full cassette records nothing"


def test_cli_record_refuses_bad_limits(tmp_path):
    for option, value, message in [("--max-exchanges", "0", "--max-exchanges must be at least 1"),
                                   ("--max-cassette-size", "lots", "expected a size like 10MB")]:
        result = subprocess.run([sys.executable, "-m", "mock_server.cli", "record", "--upstream", "http://127.0.0.1:1",
                                 "--port", str(free_port()), "--out", str(tmp_path / "x.yaml"), option, value],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_a_request_for_another_host_name_is_neither_forwarded_nor_recorded(serve, tmp_path):
    upstream = serve(seed=2)
    out = tmp_path / "rebound.yaml"
    writer = open_cassette(out, upstream.url, Redaction())
    with BackgroundServer(RecordingProxy(upstream.url, writer)) as proxy:
        before = len(upstream.app.journal.query())
        rebound = httpx.get(proxy.url + WF, headers={**CLIENT_HEADERS, "Host": "attacker.example:4010"}, timeout=30)
        local = httpx.get(proxy.url + WF, headers={**CLIENT_HEADERS, "Host": "localhost:4010"}, timeout=30)
    assert rebound.status_code == 403 and rebound.json()["type"].endswith("host-not-allowed")
    assert "attacker.example" in rebound.json()["detail"] and "--allowed-host attacker.example" in rebound.json()["detail"]
    assert local.status_code == 200
    assert [e.path for e in upstream.app.journal.query()[before:]] == [WF], "only the loopback request was forwarded"
    assert [i.request.path for i in read_cassette(out).interactions] == [WF]


def test_record_allowed_host_lets_a_named_host_through(serve, tmp_path):
    from mock_server.request_path.exposure import HostPolicy

    upstream = serve(seed=2)
    writer = open_cassette(tmp_path / "named.yaml", upstream.url, Redaction())
    proxy_app = RecordingProxy(upstream.url, writer, hosts=HostPolicy("127.0.0.1", ["recorder.test"]))
    with BackgroundServer(proxy_app) as proxy:
        named = httpx.get(proxy.url + WF, headers={**CLIENT_HEADERS, "Host": "recorder.test"}, timeout=30)
        other = httpx.get(proxy.url + WF, headers={**CLIENT_HEADERS, "Host": "other.test"}, timeout=30)
    assert (named.status_code, other.status_code) == (200, 403)
