"""Alternate item ids (x-flowmock-alternate-id) on a foreign spec: an item is found by its id or its second key."""
from __future__ import annotations

import pytest
import yaml

BOOKS = {
    "openapi": "3.0.3",
    "info": {"title": "Books", "version": "1.0.0"},
    "paths": {
        "/books": {
            "post": {"operationId": "createBook", "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Book"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Book"}}}}}},
        },
        "/books/{bookId}": {
            "parameters": [{"name": "bookId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "getBook", "responses": {
                "200": {"description": "the book", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Book"}}}},
                "404": {"description": "unknown"}}},
            "patch": {"operationId": "updateBook", "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"type": "object"}}}}, "responses": {
                "200": {"description": "updated", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Book"}}}},
                "404": {"description": "unknown"}}},
            "delete": {"operationId": "deleteBook", "responses": {"204": {"description": "gone"}, "404": {"description": "unknown"}}},
        },
        "/books/{bookId}/reviews": {
            "parameters": [{"name": "bookId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "listReviews", "responses": {"200": {"description": "reviews", "content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "object"}}}}}, "404": {"description": "unknown book"}}},
        },
    },
    "components": {"schemas": {"Book": {
        "type": "object", "x-flowmock-alternate-id": "isbn", "required": ["title", "isbn"],
        "properties": {"id": {"type": "integer", "readOnly": True}, "isbn": {"type": "string"}, "title": {"type": "string"}}}}},
}


@pytest.fixture
def books(serve, tmp_path):
    path = tmp_path / "books.yaml"
    path.write_text(yaml.safe_dump(BOOKS))
    return serve(specs=(path,), seed=2)


def test_an_item_is_found_by_its_alternate_id_in_every_operation(books):
    c = books.client
    book = c.post("/books", json={"title": "Dune", "isbn": "978-0441013593"})
    assert book.status_code == 201, book.text
    ident = book.json()["id"]
    assert c.get("/books/978-0441013593").json() == c.get(f"/books/{ident}").json() == book.json()
    assert c.patch("/books/978-0441013593", json={"title": "Dune (1965)"}).json()["id"] == ident
    assert c.get(f"/books/{ident}").json()["title"] == "Dune (1965)"
    assert c.get("/books/978-0441013593/reviews").status_code == 200, "a parent is found by its alternate id too"
    assert c.get("/books/978-0000000000").status_code == 404
    assert c.delete("/books/978-0441013593").status_code == 204
    assert c.get(f"/books/{ident}").status_code == 404
