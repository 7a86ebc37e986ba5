"""Every security scheme kind over HTTP: API keys in header, query and cookie, Basic, Digest, Bearer, OAuth2, OpenID Connect."""
from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import TESTS_DIR

SECURE = TESTS_DIR / "fixtures" / "loading" / "security.yaml"
OK = {"ok": True}


@pytest.fixture
def anyone(serve):
    return serve(specs=(SECURE,), seed=1)


@pytest.fixture
def listed(serve):
    return serve(specs=(SECURE,), seed=1, accept_tokens=frozenset({"key-1", "tok-1", "ann:s3cret", "pw-only"}))


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    ("operation", "challenge", "asked"),
    [
        ("header-key", 'ApiKey realm="flowmock", in="header", name="X-API-Key"', "an API key in header 'X-API-Key'"),
        ("query-key", 'ApiKey realm="flowmock", in="query", name="api_key"', "an API key in query 'api_key'"),
        ("cookie-key", 'ApiKey realm="flowmock", in="cookie", name="session"', "an API key in cookie 'session'"),
        ("basic", 'Basic realm="flowmock"', "HTTP Basic credentials"),
        ("digest", 'Digest realm="flowmock", qop="auth", algorithm=MD5, nonce="flowmock-nonce"', "HTTP Digest credentials"),
        ("bearer", 'Bearer realm="flowmock"', "a bearer token"),
        ("oauth", 'Bearer realm="flowmock"', "a bearer token"),
        ("oidc", 'Bearer realm="flowmock"', "a bearer token"),
    ],
)
def test_no_credentials_get_401_with_the_scheme_s_own_challenge(anyone, operation, challenge, asked):
    answer = httpx.get(f"{anyone.url}/whoami/{operation}")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == challenge
    assert answer.json()["detail"].startswith(f"Missing credentials: send {asked}")


def test_any_credential_of_the_right_kind_passes_without_accept_tokens(anyone):
    get = httpx.Client(base_url=anyone.url).get
    assert get("/whoami/header-key", headers={"X-API-Key": "anything"}).json() == OK
    assert get("/whoami/query-key", params={"api_key": "anything"}).json() == OK
    assert get("/whoami/cookie-key", headers={"Cookie": "session=anything"}).json() == OK
    assert get("/whoami/basic", headers=basic("bob", "x")).json() == OK
    assert get("/whoami/digest", auth=httpx.DigestAuth("bob", "x")).json() == OK
    for operation in ("bearer", "oauth", "oidc"):
        assert get(f"/whoami/{operation}", headers={"Authorization": "Bearer anything"}).json() == OK
    # the wrong kind is not enough: a bearer token where an API key is required, a key in the wrong place
    assert get("/whoami/header-key", headers={"Authorization": "Bearer anything"}).status_code == 401
    assert get("/whoami/query-key", headers={"api_key": "anything"}).status_code == 401
    assert get("/whoami/basic", headers={"Authorization": "Basic not-base64!"}).json()["errors"][0]["message"] == \
        "Basic credentials must be base64 of 'user:password'"


def test_alternatives_need_one_and_combinations_need_all(anyone):
    get = httpx.Client(base_url=anyone.url).get
    assert get("/whoami/either", headers={"X-API-Key": "k"}).json() == OK
    assert get("/whoami/either", headers=basic("bob", "x")).json() == OK
    neither = get("/whoami/either")
    assert neither.status_code == 401
    assert neither.headers["www-authenticate"] == 'ApiKey realm="flowmock", in="header", name="X-API-Key", Basic realm="flowmock"'
    assert "an API key in header 'X-API-Key' or HTTP Basic credentials" in neither.json()["detail"]
    half = get("/whoami/both", headers={"X-API-Key": "k"})
    assert half.status_code == 401 and half.json()["errors"] == [{"location": "header", "field": "Authorization", "message": "missing"}]
    assert get("/whoami/both", headers={"X-API-Key": "k", "Authorization": "Bearer t"}).json() == OK
    assert get("/whoami/optional").json() == OK and get("/whoami/public").json() == OK


def test_accept_tokens_applies_to_every_credential_kind(listed):
    get = httpx.Client(base_url=listed.url).get
    assert get("/whoami/header-key", headers={"X-API-Key": "key-1"}).json() == OK
    refused = get("/whoami/header-key", headers={"X-API-Key": "key-2"})
    assert refused.status_code == 401 and "X-API-Key: this API key is not accepted" in refused.json()["detail"]
    assert get("/whoami/query-key", params={"api_key": "key-1"}).json() == OK
    assert get("/whoami/query-key", params={"api_key": "nope"}).status_code == 401
    assert get("/whoami/cookie-key", headers={"Cookie": "session=key-1"}).json() == OK
    assert get("/whoami/cookie-key", headers={"Cookie": "session=nope"}).status_code == 401
    assert get("/whoami/basic", headers=basic("ann", "s3cret")).json() == OK  # user:password listed
    assert get("/whoami/basic", headers=basic("zoe", "pw-only")).json() == OK  # the password alone listed
    wrong = get("/whoami/basic", headers=basic("ann", "guess"))
    assert wrong.status_code == 401 and "the Basic credentials of user 'ann' are not accepted" in wrong.json()["detail"]
    assert get("/whoami/digest", auth=httpx.DigestAuth("ann", "s3cret")).json() == OK  # the digest response is verified
    wrong_digest = get("/whoami/digest", auth=httpx.DigestAuth("ann", "guess"))
    assert wrong_digest.status_code == 401 and "Digest credentials of user 'ann' are not accepted" in wrong_digest.json()["detail"]
    for operation in ("bearer", "oauth", "oidc"):
        assert get(f"/whoami/{operation}", headers={"Authorization": "Bearer tok-1"}).json() == OK
        assert get(f"/whoami/{operation}", headers={"Authorization": "Bearer tok-2"}).status_code == 401


def test_no_auth_lets_every_operation_through(serve):
    server = serve(specs=(SECURE,), seed=1, auth=False)
    for operation in ("header-key", "basic", "digest", "both"):
        assert httpx.get(f"{server.url}/whoami/{operation}").json() == OK


def test_an_undefined_scheme_is_warned_and_read_as_a_bearer_token(serve, tmp_path):
    spec = tmp_path / "api.yaml"
    spec.write_text(SECURE.read_text().replace("security: [{oidc: []}]", "security: [{oidcc: []}]"))
    server = serve(specs=(spec,), seed=1)
    assert [(w.place, w.problem) for w in server.app.specs[0].warnings] == [
        ("paths./whoami/oidc.get.security[0].oidcc",
         "security scheme 'oidcc' is not defined in components.securitySchemes: read as a bearer token (did you mean 'oidc'?)")]
    assert httpx.get(f"{server.url}/whoami/oidc").headers["www-authenticate"] == 'Bearer realm="flowmock"'
    assert httpx.get(f"{server.url}/whoami/oidc", headers={"Authorization": "Bearer t"}).json() == OK
