"""RFC 9457 problem details: the one place where refusals become HTTP answers.

Every error answer is ``application/problem+json`` with ``type``, ``title``, ``status`` and
``detail``; invalid input adds ``errors: [{field, message}]``; a 409 adds the state and the
actions allowed now. Routes never catch domain errors themselves.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from foundation.errors import (
    AlreadyExists,
    Forbidden,
    InvalidInput,
    NotAllowedNow,
    NotFound,
    Unavailable,
    VersionMismatch,
)

log = logging.getLogger("hotline.api")
PROBLEM = "application/problem+json"


class Unauthorized(Exception):
    """No bearer token, or one that does not verify."""


class IdempotencyMismatch(Exception):
    """The Idempotency-Key was used before with another request body."""


class PayloadTooLarge(Exception):
    pass


class TooManyRequests(Exception):
    """Too many requests are waiting already (``min_position``); retry after a second."""

    retry_after = 1


def problem(status: int, title: str, detail: str, slug: str, *, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail, **extra}
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    field = ""
    for part in parts:
        field += f"[{part}]" if part.isdigit() else (f".{part}" if field else part)
    return field or "body"


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    expected = (error.get("ctx") or {}).get("expected")
    if expected and "expected" not in message.lower() and "should be" not in message.lower():
        message += f"; allowed: {expected}"
    return message


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": _message(e)} for e in exc.errors()]
        malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
        if malformed:
            return problem(400, "Malformed request", "the body is not valid JSON", "malformed", errors=errors)
        return problem(422, "Invalid input", "; ".join(f"{e['field']}: {e['message']}" for e in errors), "invalid-input", errors=errors)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> Response:
        errors = [e.as_dict() for e in exc.errors]
        return problem(422, "Invalid input", str(exc), "invalid-input", errors=errors)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> Response:
        return problem(404, "Not found", f"no {exc.what} {exc.ident} here", "not-found")

    @app.exception_handler(NotAllowedNow)
    async def _not_allowed(_: Request, exc: NotAllowedNow) -> Response:
        return problem(
            409, "Not allowed now", str(exc), "not-allowed-now", state=exc.state, action=exc.action, allowed_actions=exc.allowed
        )

    @app.exception_handler(AlreadyExists)
    async def _exists(_: Request, exc: AlreadyExists) -> Response:
        return problem(409, "Already exists", str(exc), "already-exists")

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> Response:
        return problem(403, "Forbidden", str(exc), "forbidden")

    @app.exception_handler(VersionMismatch)
    async def _version(_: Request, exc: VersionMismatch) -> Response:
        return problem(
            412, "Precondition failed", str(exc), "version-mismatch", headers={"ETag": f'"{exc.actual}"'}, current_version=exc.actual
        )

    @app.exception_handler(Unavailable)
    async def _unavailable(_: Request, exc: Unavailable) -> Response:
        return problem(503, "Not ready", str(exc), "unavailable", headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(TooManyRequests)
    async def _too_many(_: Request, exc: TooManyRequests) -> Response:
        return problem(429, "Too many requests", str(exc), "too-many-requests", headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> Response:
        return problem(401, "Unauthorized", str(exc), "unauthorized", headers={"WWW-Authenticate": 'Bearer realm="hotline"'})

    @app.exception_handler(IdempotencyMismatch)
    async def _idempotency(_: Request, exc: IdempotencyMismatch) -> Response:
        errors = [{"field": "Idempotency-Key", "message": str(exc)}]
        return problem(422, "Idempotency key reused", str(exc), "idempotency-key-reused", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large", 415: "Unsupported media type"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), f"http-{exc.status_code}", headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "this is a bug; it has been logged", "internal")


# ------------------------------------------------------------------ the OpenAPI document

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; every error answer of this API.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/not-found"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "invalid input: each field (dotted path, as sent) and why",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "state": {"type": "string", "description": "409: the state the resource is in"},
        "action": {"type": "string", "description": "409: the action refused"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}, "description": "409: the actions allowed now"},
        "current_version": {"type": "integer", "description": "412: the version the resource is at"},
    },
}

MEANINGS = {
    400: "Malformed request: the body is not JSON",
    401: "No bearer token, or one that does not verify",
    403: "The principal's roles may not do this (a token without any role may do nothing)",
    404: "Unknown, or not visible to the principal (the two are never told apart)",
    409: "Not allowed in the resource's current state (names the state and the actions allowed now)",
    412: "If-Match names a version the resource has moved on from; nothing recorded",
    413: "The request body is over the limit (HOTLINE_MAX_BODY_BYTES)",
    422: "Invalid input: names each field and why (also: an Idempotency-Key reused with another request)",
    429: "Too many queries are waiting on min_position; retry after Retry-After seconds",
    503: "min_position is not reflected yet after the bounded wait; retry after Retry-After seconds",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    412: {"ETag": {"schema": {"type": "string"}, "description": "the current version"}},
    429: {"Retry-After": {"schema": {"type": "integer"}}},
    503: {"Retry-After": {"schema": {"type": "integer"}}},
}


def dependency_calls(dependant: Any) -> set[Any]:
    """Every callable a route depends on, however deep."""
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= dependency_calls(sub)
    return calls


def problem_statuses(route: Any, *, authenticates: Any, waits: Any, commands: Any) -> set[int]:
    """The problem statuses a route can answer, read from what it depends on and what it takes."""
    calls = dependency_calls(route.dependant)
    statuses: set[int] = set()
    dependant = route.dependant
    params = [*dependant.query_params, *dependant.path_params, *dependant.header_params]
    for sub in dependant.dependencies:
        params += [*sub.query_params, *sub.header_params]
    if params or dependant.body_params:
        statuses.add(422)
    if dependant.path_params:
        statuses.add(404)
    if authenticates in calls:
        statuses |= {401, 403}
    if waits in calls:
        statuses |= {429, 503}
    if commands in calls:
        statuses |= {400, 404, 409, 412, 413, 422}
    if dependant.body_params:
        statuses |= {400, 413}
    return statuses


def document(app: FastAPI, statuses: dict[tuple[str, str], set[int]]) -> dict[str, Any]:
    """The app's OpenAPI document with every operation's problem answers declared (problem+json)."""
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for (path, method), codes in statuses.items():
        operation = schema["paths"][path][method]
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)
        for code in sorted(codes):
            answer: dict[str, Any] = {
                "description": MEANINGS[code],
                "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
            if code in HEADERS:
                answer["headers"] = HEADERS[code]
            responses[str(code)] = answer
    return schema
