"""Baseline for the benchmarks: a bare Starlette route returning fixed JSON bytes (the ceiling).

BASELINE_BODY_FILE / BASELINE_LIST_FILE: files whose exact bytes /item/{id} and /list return;
else BASELINE_BODY (JSON text, re-encoded) for /item/{id}.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _body(file_variable: str, fallback: str) -> bytes:
    """The exact bytes of the file an environment variable names, else the fallback JSON."""
    path = os.environ.get(file_variable)
    return Path(path).read_bytes() if path else json.dumps(json.loads(fallback)).encode()


BODY = _body("BASELINE_BODY_FILE", os.environ.get("BASELINE_BODY", '{"id": 1, "name": "x"}'))
LIST_BODY = _body("BASELINE_LIST_FILE", "[]")


async def item(request: Request) -> Response:
    """Return the fixed body, as a stored-object GET would."""
    return Response(BODY, media_type="application/json")


async def listing(request: Request) -> Response:
    """Return the fixed list body, as a list GET would."""
    return Response(LIST_BODY, media_type="application/json")


async def health(request: Request) -> Response:
    """Readiness probe."""
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/item/{id}", item), Route("/list", listing), Route("/__flowmock/health", health)])
