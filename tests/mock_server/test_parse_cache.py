"""Parsed specs are cached across restarts, and an edited spec is always read again."""
from __future__ import annotations

from pathlib import Path

import pytest

SPEC = """
openapi: 3.0.3
info: {{title: Cached, version: "1", description: "{padding}"}}
paths:
  /greeting:
    get:
      operationId: greet
      x-flowmock-action: generate
      responses:
        "200":
          description: ok
          content: {{application/json: {{schema: {{type: object}}, example: {{text: {text}}}}}}}
"""


def write_spec(path: Path, text: str) -> Path:
    path.write_text(SPEC.format(padding="x" * 9000, text=text))  # over the 8 KB below which files are not cached
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("FLOWMOCK_CACHE_DIR", str(folder))
    monkeypatch.delenv("FLOWMOCK_NO_CACHE", raising=False)
    return folder


def test_a_restart_reads_the_cache_and_an_edited_spec_is_read_again(serve, tmp_path, cache):
    spec = write_spec(tmp_path / "cached.yaml", "hello")
    assert serve(specs=(spec,), seed=1).client.get("/greeting").json() == {"text": "hello"}
    entries = list(cache.glob("*.marshal"))
    assert len(entries) == 1
    assert serve(specs=(spec,), seed=1).client.get("/greeting").json() == {"text": "hello"}
    assert list(cache.glob("*.marshal")) == entries, "the second start read the entry the first one wrote"
    write_spec(spec, "hallo")  # same size, new content
    assert serve(specs=(spec,), seed=1).client.get("/greeting").json() == {"text": "hallo"}


def test_a_damaged_entry_is_parsed_again_and_the_cache_can_be_turned_off(serve, tmp_path, cache, monkeypatch):
    spec = write_spec(tmp_path / "cached.yaml", "hello")
    serve(specs=(spec,), seed=1)
    for entry in cache.glob("*.marshal"):
        entry.write_bytes(b"\x00not marshal")
    assert serve(specs=(spec,), seed=1).client.get("/greeting").json() == {"text": "hello"}
    monkeypatch.setenv("FLOWMOCK_NO_CACHE", "1")
    other = write_spec(tmp_path / "other.yaml", "uncached")
    before = set(cache.glob("*.marshal"))
    assert serve(specs=(other,), seed=1).client.get("/greeting").json() == {"text": "uncached"}
    assert set(cache.glob("*.marshal")) == before
