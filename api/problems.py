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
