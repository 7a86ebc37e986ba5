"""A small backend with auth mistakes, for the contract harness' secret handling.

    listNotes   with a valid token answers 500 and echoes the Authorization header in its error body
    getNote     refuses a request without credentials, but accepts any bearer token (invalid ones too)
    getOpen     answers 200 even without credentials
    getHealth   needs no credentials and is right, but never answers the 202 its spec documents
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SPEC = """
openapi: 3.0.3
info: {title: Echo, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /notes:
    get:
      operationId: listNotes
      responses:
        "200":
          description: the notes
          content: {application/json: {schema: {type: object, required: [items], properties: {items: {type: array, items: {type: string}}}}}}
        "401": {description: no valid token}
  /notes/{id}:
    get:
      operationId: getNote
      parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 9}}]
      responses:
        "200":
          description: one note
          content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: integer}}}}}
        "401": {description: no token}
  /open:
    get:
      operationId: getOpen
      responses:
        "200":
          description: open data
          content: {application/json: {schema: {type: object}}}
        "401": {description: no token}
  /health:
    get:
      operationId: getHealth
      security: []
      responses:
        "200":
          description: healthy
          content: {application/json: {schema: {type: object, required: [ok], properties: {ok: {type: boolean}}}}}
        "202":
          description: still starting (this backend never says so)
          content: {application/json: {schema: {type: object}}}
"""


def write_spec(directory: Path) -> Path:
    """The echo app's spec as a file."""
    path = directory / "echo.yaml"
    path.write_text(SPEC)
    return path


def _json(status: int, payload: object) -> Response:
    return Response(json.dumps(payload), status_code=status, media_type="application/json")


def create_echo_app(token: str, delay: float = 0.0) -> Starlette:
    """The app; `token` is the one valid credential; every answer waits `delay` seconds."""

    async def list_notes(request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        if authorization != f"Bearer {token}":
            return _json(401, {"error": "unauthorized"})
        return _json(500, {"error": "database down", "request": {"authorization": authorization}})

    async def get_note(request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return _json(401, {"error": "unauthorized"})
        return _json(200, {"id": int(request.path_params["id"])})

    async def get_open(request: Request) -> Response:
        return _json(200, {"open": True})

    async def get_health(request: Request) -> Response:
        return _json(200, {"ok": True})

    async def slow(request: Request, call_next: Any) -> Response:
        await asyncio.sleep(delay)
        answer: Response = await call_next(request)
        return answer

    return Starlette(middleware=[Middleware(BaseHTTPMiddleware, dispatch=slow)] if delay else [], routes=[Route("/notes", list_notes), Route("/notes/{id:int}", get_note), Route("/open", get_open),
                             Route("/health", get_health)])
