"""Baseline for the benchmarks: a bare Starlette route returning a fixed JSON object (the ceiling)."""
from __future__ import annotations

import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = json.dumps(json.loads(os.environ.get("BASELINE_BODY", '{"id": 1, "name": "x"}'))).encode()


async def item(request: Request) -> Response:
    """Return the fixed body, as a stored-object GET would."""
    return Response(BODY, media_type="application/json")


async def health(request: Request) -> Response:
    """Readiness probe."""
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/item/{id}", item), Route("/__flowmock/health", health)])
