"""Specs as people write them load and are served; problems are warned about once, placed; unservable ones exit 2."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import AUTH, TESTS_DIR

LOADING = TESTS_DIR / "fixtures" / "loading"
PETSTORE = LOADING / "petstore-as-written.yaml"


class CliServer:
    """`flowmock serve` in a subprocess on a free port, with what it printed at start-up."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "mock_server.cli", "serve", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.startup: list[str] = []
        deadline = time.monotonic() + 60
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise AssertionError("flowmock exited during start-up:\n" + "".join(self.startup))
            found = re.search(r"Uvicorn running on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                return
            self.startup.append(line.rstrip("\n"))
        raise AssertionError("flowmock did not start in 60 s")

    def stop(self) -> None:
        """Stop the subprocess (it is ours)."""
        self.proc.terminate()
        self.proc.communicate(timeout=30)


@pytest.fixture
def cli_server() -> Iterator[type[CliServer]]:
    started: list[CliServer] = []

    def start(*args: str) -> CliServer:
        server = CliServer(*args)
        started.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in started:
        server.stop()


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_petstore_written_the_usual_way_is_served_with_each_problem_warned_once(cli_server):
    server = cli_server("--spec", str(PETSTORE))
    warnings = [line for line in server.startup if line.startswith("warning:")]
    expected = {
        "info": "missing (a title and a version)",
        "paths./pets.post.responses.201.description": "missing",
        "paths./pets/{petId}.get.parameters[0].required": "a path parameter is always required",
        "components.schemas.NewPet.required": "lists a property twice",
        "components.schemas.NewPet.properties.name.maxLenght": "did you mean 'maxLength'?",
        "paths./pets.get.parameters[0].schema.default": "'ten' is not of type 'integer'",
        "paths./pets/{petId}.get.responses.200.content.application/json.example": "id: 'one' is not of type 'integer'",
    }
    assert len(warnings) == len(expected), "\n".join(server.startup)
    for place, problem in expected.items():
        line = next(w for w in warnings if f": {place}: " in w)
        assert str(PETSTORE) in line and problem in line, line
    assert not [line for line in server.startup if "Traceback" in line]

    with httpx.Client(base_url=server.url + "/v1", headers=AUTH, timeout=30) as client:
        assert client.get("/pets").json() == []
        created = client.post("/pets", json={"name": "Rex", "country": "NO", "born": "2020-01-01"})
        assert created.status_code == 201, created.text
        pet = created.json()
        assert pet["name"] == "Rex" and pet["country"] == "NO" and isinstance(pet["id"], int)
        assert client.get(f"/pets/{pet['id']}").json() == pet
        assert client.get("/pets", params={"country": "NO"}).status_code == 200
        wrong = client.get("/pets", params={"country": "XX"})
        assert wrong.status_code == 400 and "'XX' is not one of ['GB', 'NO', 'SE']" in wrong.text
        assert client.post("/pets", content=b"", headers={"Content-Type": "application/json"}).status_code == 400
        assert client.get("/pets/abc").status_code == 400


def test_strict_spec_refuses_what_would_only_be_warned(tmp_path):
    result = run_serve("--spec", str(PETSTORE), "--strict-spec")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(PETSTORE) in result.stderr and "where:   info" in result.stderr
    assert "--strict-spec refuses every warning" in result.stderr and "and 6 more" in result.stderr


def test_every_json_pointer_form_resolves(serve):
    server = serve(specs=(LOADING / "pointers.yaml",), seed=3)
    client = server.client
    created = client.post("/companies", json={"name": "Acme"})
    assert created.status_code == 201, created.text
    company_id = created.json()["id"]
    read = client.get(f"/companies/{company_id}")  # its schema is a pointer into paths, with ~1 in the media type
    assert read.status_code == 200 and read.json()["name"] == "Acme"
    too_short = client.post("/companies", json={"name": "A"})
    assert too_short.status_code == 400 and "'A' is too short" in too_short.text
    # the path parameter is a percent-encoded pointer, the size schema a component named `a~b` (written a~0b)
    assert client.get(f"/companies/{company_id}/orders", params={"size": 5}).status_code == 200
    too_big = client.get(f"/companies/{company_id}/orders", params={"size": 500})
    assert too_big.status_code == 400 and "500 is greater than the maximum of 50" in too_big.text
    not_int = client.get("/companies/x/orders")
    assert not_int.status_code == 400 and "companyId" in not_int.text
    # the create body is an array index pointer: #/components/schemas/Order/allOf/0
    negative = client.post(f"/companies/{company_id}/orders", json={"name": "o1", "total": -3})
    assert negative.status_code == 400 and "-3 is less than the minimum of 0" in negative.text
    assert client.post(f"/companies/{company_id}/orders", json={"name": "o1", "total": 3}).status_code == 201


def test_a_spec_split_over_several_files_loads(serve):
    server = serve(specs=(LOADING / "split" / "openapi.yaml",), seed=3)
    client = server.client
    assert server.app.specs[0].warnings == ()
    created = client.post("/pets", json={"name": "Rex", "owner": {"email": "ann@example.com", "friends": [{"email": "bo@example.com"}]},
                                         "tags": ["cute"]})
    assert created.status_code == 201, created.text
    pet = created.json()
    assert client.get(f"/pets/{pet['id']}").json() == pet
    assert [p["name"] for p in client.get("/pets").json()] == ["Rex"]
    bad_tag = client.post("/pets", json={"name": "Rex", "owner": {"email": "ann@example.com"}, "tags": ["ugly"]})
    assert bad_tag.status_code == 400 and "'ugly' is not one of ['cute', 'loud']" in bad_tag.text  # schemas/pet.yaml#/definitions
    bad_friend = client.post("/pets", json={"name": "Rex", "owner": {"email": "ann@example.com", "friends": [{}]}})
    assert bad_friend.status_code == 400 and "owner.friends[0].email" in bad_friend.text  # owner.yaml refers to itself
    limit = client.get("/pets", params={"limit": 30})  # paths/pets.yaml -> ../common.yaml#/components/parameters/Limit
    assert limit.status_code == 400 and "30 is greater than the maximum of 20" in limit.text
    assert client.get("/pets/nope").status_code == 404


PETS = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet: {type: object, properties: {name: {type: string}}}
"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"api.yaml": PETS.replace("schemas/Pet'", "schemas/Pett'")},
         ["api.yaml", "paths./pets.get.responses.200.content.application/json.schema",
          "$ref '#/components/schemas/Pett' points to nothing (did you mean 'Pet'?)"]),
        ({"api.yaml": PETS.replace("{name: {type: string}}", "{name: {type: strin}}")},
         ["api.yaml", "components.schemas.Pet.properties.name.type", "unknown type 'strin' (did you mean 'string'?)"]),
        ({"api.yaml": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"},
         ["api.yaml", "paths", "no paths: the document describes no operation to serve"]),
        ({"api.yaml": PETS.replace("  /pets:\n", "  /pets:\n   bad: [\n")}, ["api.yaml", "line ", "YAML syntax error"]),
        ({"api.yaml": PETS.replace("'#/components/schemas/Pet'", "'pet.yaml'")},
         ["api.yaml", "paths./pets.get.responses.200", "pet.yaml", "file not found"]),
        ({"api.yaml": PETS.replace("'#/components/schemas/Pet'", "'models.yaml#/Pet'"), "models.yaml": "Pets: {type: object}\n"},
         ["api.yaml", "$ref 'models.yaml#/Pet' points to nothing (did you mean 'Pets'?)"]),
        ({"api.yaml": PETS.replace("'#/components/schemas/Pet'", "'https://example.com/pet.yaml'")},
         ["api.yaml", "is remote: flowmock reads local files only"]),
        ({"api.yaml": "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"}, ["Swagger 2.0 is not served"]),
    ],
    ids=["dangling-ref", "unknown-type", "no-paths", "yaml-syntax", "missing-file", "dangling-external", "remote-ref", "swagger-2"],
)
def test_an_unservable_spec_exits_2_with_one_paragraph(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_serve("--spec", str(tmp_path / "api.yaml"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4, result.stderr


def test_a_31_spec_with_nullable_and_yaml_11_words_is_served(serve, tmp_path):
    spec = tmp_path / "notes.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: Notes, version: 1.0}
paths:
  /notes:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Note'}
      responses:
        201:
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Note'}
components:
  schemas:
    Note:
      type: object
      required: [text]
      additionalProperties: no
      properties:
        id: {type: string, readOnly: true}
        text: {type: string}
        due: {type: string, format: date, nullable: true}
        done: {type: boolean, enum: [yes, no]}
""")
    server = serve(specs=(spec,))
    warning = [str(w) for w in server.app.specs[0].warnings]
    assert warning == [f"{spec}: components.schemas.Note.properties.due.nullable: `nullable` is OpenAPI 3.0: "
                       "read as type: [string, 'null'] (in 3.1 write it that way)"]
    created = server.client.post("/notes", json={"text": "buy milk", "due": None, "done": False})
    assert created.status_code == 201, created.text
    assert created.json()["due"] is None and created.json()["done"] is False
    assert server.client.post("/notes", json={"text": "x", "done": "no"}).status_code == 400
    assert server.client.post("/notes", json={"text": "x", "colour": "red"}).status_code == 400  # additionalProperties: no


def test_common_slips_are_repaired_and_served(serve, tmp_path):
    spec = tmp_path / "things.yaml"
    spec.write_text("""openapi: "3.0"
info: {title: Things, version: 2}
paths:
  /things:
    POST:
      operationId: createThing
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        201:
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /things/{thingId}:
    get:
      operationId: getThing
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /ping:
    get:
      operationId: getThing
      parameters:
        - {in: query, schema: {type: string}}
        - {name: q, in: query}
        - {name: tags, in: query, style: comma, schema: {type: array, items: {type: string}}}
        - {name: payload, in: body, schema: {type: object}}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: string, readOnly: true}
        name: {type: string, required: true}
        size: {type: integer, minimum: "1", pattern: "("}
""")
    server = serve(specs=(spec,))
    places = {w.place: w.problem for w in server.app.specs[0].warnings}
    assert places == {
        "openapi": "version '3.0' read as 3.0.3",
        "paths./things.POST": "method names are lower case: served as 'post'",
        "paths./things/{thingId}.get.parameters": "path parameter 'thingId' is not declared: served as a required string",
        "paths./ping.get.operationId": "operationId 'getThing' is used twice: this one is served as 'getThing_2'",
        "paths./ping.get.responses": "no responses documented: answers 200 with no body",
        "paths./ping.get.parameters[0]": "a parameter needs a `name` and an `in` (path, query, header, cookie): ignored",
        "paths./ping.get.parameters[1]": "no `schema` or `content`: any string is accepted",
        "paths./ping.get.parameters[2].style": "\"comma\" is not a style for this location (form, spaceDelimited, pipeDelimited, "
                                               "deepObject): the default 'form' is used",
        "paths./ping.get.parameters[3]": "a parameter needs a `name` and an `in` (path, query, header, cookie) (`in: body` and "
                                         "`in: formData` are Swagger 2: OpenAPI 3 describes a body with `requestBody`): ignored",
        "components.schemas.Thing.properties.name.required":
            "`required: true` on a property: read as listed in the parent's `required` (where OpenAPI expects it)",
        "components.schemas.Thing.properties.size.minimum": 'must be a number, found "1": ignored',
        "components.schemas.Thing.properties.size.pattern":
            'not a usable regular expression ("(": missing ), unterminated subpattern at position 0): ignored',
    }
    client = server.client
    nameless = client.post("/things", json={"size": 0})
    assert nameless.status_code == 400 and "'name' is a required property" in nameless.text
    created = client.post("/things", json={"name": "lamp", "size": 0})
    assert created.status_code == 201, created.text
    assert client.get(f"/things/{created.json()['id']}").json()["name"] == "lamp"
    assert client.get("/ping", params={"q": "anything"}).status_code == 200
    assert client.get("/ping", params=[("tags", "a"), ("tags", "b")]).status_code == 200


def test_a_path_parameter_named_like_a_python_keyword_is_served(serve, tmp_path):
    spec = tmp_path / "school.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: School, version: "1"}
paths:
  /classes:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Class'}}}}
      responses: {201: {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Class'}}}}}
  /classes/{class}:
    get:
      parameters: [{name: class, in: path, required: true, schema: {type: string}}]
      responses: {200: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Class'}}}}}
components:
  schemas:
    Class: {type: object, properties: {id: {type: string, readOnly: true}, name: {type: string}}}
""")
    client = serve(specs=(spec,)).client
    created = client.post("/classes", json={"name": "5b"}).json()
    assert client.get(f"/classes/{created['id']}").json() == created
    assert client.get("/classes/unknown").status_code == 404


def test_a_31_path_item_by_reference_is_served(serve, tmp_path):
    spec = tmp_path / "pets.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: Pets, version: "1"}
paths:
  /pets:
    $ref: '#/components/pathItems/Pets'
components:
  pathItems:
    Pets:
      get:
        operationId: listPets
        parameters: [{name: limit, in: query, schema: {type: integer, maximum: 10}}]
        responses:
          200:
            description: ok
            content: {application/json: {schema: {type: array, items: {type: string}}}}
""")
    client = serve(specs=(spec,)).client
    assert client.get("/pets").json() == []
    assert client.get("/pets", params={"limit": 11}).status_code == 400


def test_refs_to_a_root_definitions_section_resolve(serve, tmp_path):
    spec = tmp_path / "converted.yaml"  # what a Swagger 2 conversion often leaves behind
    spec.write_text("""openapi: 3.0.3
info: {title: Converted, version: "1"}
paths:
  /pets:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/definitions/Pet'}}}}
      responses:
        201: {description: ok, content: {application/json: {schema: {$ref: '#/definitions/Pet'}}}}
definitions:
  Pet: {type: object, required: [name], properties: {name: {type: string}, owner: {$ref: '#/definitions/Owner'}}}
  Owner: {type: object, required: [email], properties: {email: {type: string}}}
""")
    server = serve(specs=(spec,))
    assert server.app.specs[0].warnings == ()
    ownerless = server.client.post("/pets", json={"name": "Rex", "owner": {}})
    assert ownerless.status_code == 400 and "owner.email" in ownerless.text
    assert server.client.post("/pets", json={"name": "Rex", "owner": {"email": "a@b.c"}}).status_code == 201


def test_an_unreadable_spec_exits_2_naming_why(tmp_path):
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("openapi: 3.0.3\ninfo: {title: Café, version: '1'}\n".encode("latin-1"))
    for spec, problem in ((tmp_path, "is a directory, not a spec file"), (latin1, "not UTF-8 text")):
        result = run_serve("--spec", str(spec))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert str(spec) in result.stderr and problem in result.stderr, result.stderr
