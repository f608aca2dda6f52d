"""``create_app(build)``: the FastAPI application around the services the composition root builds.

The services are built (and their followers started) in the lifespan, by the ``build`` function the
composition root passes in (``hotline.web.create_app``), or given ready-made (tests, the CLI).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from api import problems
from api.deps import Waiters, command, current_actor, printable_parameters, wait_for_position
from api.routers import audit, case_actions, cases, findings, operations, reference, reports, spot_checks, supervision
from api.services import Services
from foundation.actors import ROLES

DESCRIPTION = """
Supervision and accountability for the Ganzhou 12345 government-service hotline, under the
赣州市12345政务服务便民热线监督问责办法 (赣市府办发〔2022〕25号). Every act on a case is an
immutable event; deadlines are counted in working days on the State Council calendar.

Authenticate with `Authorization: Bearer <JWT>` (HS256; `hotline token` prints one). Errors are
`application/problem+json`. Commands answer with the resource, its `version` (also the `ETag`)
and the `position` of the last event recorded; pass `?min_position=` to a query to read your
own writes.
"""


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(
    build: Callable[[], Services] | None = None,
    *,
    services: Services | None = None,
    max_body_bytes: int = 1024 * 1024,
    max_waiters: int = 32,
) -> FastAPI:
    """Build the app around ``services``, or around what ``build()`` makes in the lifespan (then started and closed here)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        built = services if services is not None else build()  # type: ignore[misc]
        if owned:
            built.start()
        app.state.services = built
        try:
            yield
        finally:
            if owned:
                built.close()

    app = FastAPI(
        title="hotline",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(printable_parameters)],
    )
    app.state.waiters = Waiters(max_waiters)
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    _declare_problems(app)
    return app


ROUTERS = (operations.router, reference.router, cases.router, case_actions.router, supervision.router, findings.router, audit.router, reports.router, spot_checks.router)


def api_routes() -> list[APIRoute]:
    """Every route of the API (what the access matrix and the OpenAPI problem declarations read)."""
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def route_roles(method: str, path: str) -> frozenset[str]:
    """The roles the API route ``method path`` lets through (its ``roles()`` dependency), for other adapters to enforce alike.

    The console's forms act through the same application calls as these routes; they take the
    rule from here so the two edges cannot drift apart. A route without a role check: every role.
    """
    route = next(r for r in api_routes() if r.path_format == path and method in r.methods)
    allowed = [call.allowed for call in problems.dependency_calls(route.dependant) if hasattr(call, "allowed")]
    return frozenset.intersection(*allowed) if allowed else frozenset(ROLES)


def _declare_problems(app: FastAPI) -> None:
    """Declare in the OpenAPI document the problem answers each route can give (generated once, on first use)."""
    statuses = {
        (route.path_format, method.lower()): problems.problem_statuses(
            route, authenticates=current_actor, waits=wait_for_position, commands=command
        )
        for route in api_routes()
        if route.include_in_schema
        for method in route.methods
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.document(app, statuses)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodyLimit:
    """Refuse request bodies over the limit with 413 (problem+json), before any handler reads them.

    A declared ``Content-Length`` over the limit is refused at once; otherwise the body is read
    from the stream (chunked or not) up to the limit, and refused as soon as it passes it; the
    handlers then get the body read so far, in one message.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        body = bytearray()
        first: dict[str, Any] | None = None
        while first is None:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # the client went away: pass that on
                break
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": bytes(body), "more_body": False}
        pending = [first]

        async def buffered_receive() -> dict[str, Any]:
            return pending.pop() if pending else await receive()

        await self.app(scope, buffered_receive, send)

    async def _refuse(self, send: Any) -> None:
        body = orjson.dumps(
            {
                "type": "/problems/payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"request bodies are limited to {self.max_bytes} bytes",
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", problems.PROBLEM.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
