"""``create_app(build)``: the FastAPI application around the services the composition root builds.

The services are built (and their followers started) in the lifespan, by the ``build`` function the
composition root passes in (``hotline.web.create_app``), or given ready-made (tests, the CLI).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import problems
from api.routers import case_actions, cases, findings, operations, reference, reports, spot_checks, supervision
from api.services import Services

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


def create_app(build: Callable[[], Services] | None = None, *, services: Services | None = None, max_body_bytes: int = 1024 * 1024) -> FastAPI:
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
    )
    problems.install(app)
    for router in (operations.router, reference.router, cases.router, case_actions.router, supervision.router, findings.router):
        app.include_router(router)
    for router in (reports.router, spot_checks.router):
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    return app


class BodyLimit:
    """Refuse request bodies over the limit with 413 (problem+json), before any handler reads them."""

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
        received = 0
        refused = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            if refused:
                await self._refuse(send)

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


class _TooLarge(Exception):
    pass
