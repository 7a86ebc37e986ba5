"""XML request bodies read by their schema's `xml` hints, and one create stored alike whatever media type it came in."""
from __future__ import annotations

import time

import pytest

from tests.conftest import TESTS_DIR

BOOKS = TESTS_DIR / "fixtures" / "semantics" / "books.yaml"
XML = {"Content-Type": "application/xml"}
DUNE = (b'<?xml version="1.0"?>\n<bk:book xmlns:bk="http://example.com/books" isbn="978-0441013593">'
        b"<bk:title>Dune</bk:title><bk:pages>412</bk:pages><bk:Price>9.99</bk:Price>"
        b"<bk:authors><bk:author>Frank Herbert</bk:author></bk:authors><bk:tag>sf</bk:tag><bk:tag>classic</bk:tag></bk:book>")
STORED = {"isbn": "978-0441013593", "title": "Dune", "pages": 412, "price": 9.99, "authors": ["Frank Herbert"],
          "tags": ["sf", "classic"], "available": True}


@pytest.fixture
def api(serve):
    return serve(specs=(BOOKS,), seed=1).client


def test_an_xml_body_is_read_with_its_hints_validated_and_stored(api):
    created = api.post("/books", content=DUNE, headers=XML)
    assert created.status_code == 201, created.text
    assert created.json() == {"id": 1, **STORED}  # attribute, wrapped and unwrapped arrays, renamed element, default
    assert api.get("/books/1").json() == created.json()


@pytest.mark.parametrize(("body", "field", "message"), [
    (b"<book><title>Dune</title><pages>many</pages></book>", "pages", "'many' is not an integer"),
    (b"<book><title>Dune</title><pages>0</pages></book>", "pages", "less than the minimum of 1"),
    (b"<book><title>Dune</title></book>", "pages", "'pages' is a required property"),
    (b"<book><title>Dune</title><pages>3</pages><colour>red</colour></book>", "", "'colour' was unexpected"),
])
def test_an_xml_body_that_breaks_its_schema_is_a_400_naming_the_field(api, body, field, message):
    refused = api.post("/books", content=body, headers=XML)
    assert refused.status_code == 400, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == field and message in error["message"], error
    assert api.get("/books/1").status_code == 404  # nothing was stored


def test_malformed_xml_is_a_400_saying_where(api):
    refused = api.post("/books", content=b"<book><title>Dune</book>", headers=XML)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "malformed XML: mismatched tag (line 1, column 20)"


def test_an_entity_bomb_is_refused_at_once(api):
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE book [<!ENTITY lol0 "lol">{laughs}]><book><title>&lol9;</title></book>'.encode()
    started = time.monotonic()
    refused = api.post("/books", content=bomb, headers=XML)
    assert time.monotonic() - started < 5
    assert refused.status_code == 400
    assert "document type declaration (DTD) is not accepted" in refused.json()["errors"][0]["message"]
    external = b'<?xml version="1.0"?><!DOCTYPE book [<!ENTITY x SYSTEM "file:///etc/passwd">]><book><title>&x;</title></book>'
    assert api.post("/books", content=external, headers=XML).status_code == 400


def test_every_documented_request_media_type_is_stored_the_same_way(api):
    as_json = api.post("/books", json={k: v for k, v in STORED.items() if k != "available"})
    as_xml = api.post("/books", content=DUNE, headers=XML)
    as_form = api.post("/books", data={"isbn": "978-0441013593", "title": "Dune", "pages": "412", "price": "9.99",
                                       "authors": "Frank Herbert", "tags": ["sf", "classic"]})
    for number, created in enumerate((as_json, as_xml, as_form), start=1):
        assert created.status_code == 201, created.text
        assert created.json() == {"id": number, **STORED}
        assert api.get(f"/books/{number}").json() == created.json()


def test_an_operation_documenting_only_xml_stores_it_with_its_schema_defaults(api):
    created = api.post("/shelves", content=b'<shelf code="A1"><label>Fiction</label></shelf>', headers={"Content-Type": "text/xml"})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert api.get(location).json() == {"id": location.rsplit("/", 1)[-1], "label": "Fiction", "capacity": 20, "code": "A1"}
    as_json = api.post("/shelves", json={"label": "Fiction"})
    assert as_json.status_code == 415  # only XML is documented
