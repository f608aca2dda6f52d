"""FastAPI dependencies: the services, the principal, role checks, commands and consistency.

``Command`` turns a request into one application call with its ``Context`` (the principal, the
clock's now, ``If-Match`` and ``Idempotency-Key``) and renders the answer from the command's
outcome: the resource, its ``version`` (also as ``ETag``) and the ``position`` of the last event
recorded. A repeated request with the same key is rendered from the outcome kept with the first
one's events (the resource as it stood at that version), so it answers with the same body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from api.auth import actor_from
from api.problems import IdempotencyMismatch, TooManyRequests
from api.schemas import unprintable
from api.services import Services
from foundation.actors import UNIT_ROLES, Actor
from foundation.application import Context, IdempotencyKey, Outcome, Recorded
from foundation.errors import DomainError, Forbidden, InvalidInput, Unavailable
from foundation.recorders import IdempotencyKeyTaken, StoredOutcome

Present = Callable[[Recorded, Actor], tuple[int, dict[str, Any]]]
"""From a command's outcome (and the aggregate at its version) to the answer's status and body."""


async def printable_parameters(request: Request) -> None:
    """No control characters in the path or query parameters of any route (422 naming the parameter).

    Installed for every route (``api.app``), so a parameter added later is covered too. The cheap
    dependencies are ``async``: they do no I/O, and a plain function would cost each request a hop
    to the thread pool and back.
    """
    errors = []
    for where, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            found = unprintable(str(value))
            if found:
                errors.append({"type": "value_error", "loc": (where, name), "msg": found.replace("the text", "the value", 1), "input": value})
    if errors:
        raise RequestValidationError(errors)


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_actor(services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """The verified principal; one without any role may do nothing at all (default deny)."""
    actor = actor_from(authorization, services.settings.jwt_secret)
    if not actor.roles:
        raise Forbidden("the token carries no role; every resource needs one")
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def roles(*allowed: str) -> Any:
    """A dependency that lets through only principals holding one of ``allowed`` (``unit`` = either unit role)."""
    expanded = set(allowed)
    if "unit" in expanded:
        expanded = (expanded - {"unit"}) | UNIT_ROLES

    async def check(actor: ActorDep) -> Actor:
        if not expanded.intersection(actor.roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(sorted(expanded))}")
        return actor

    check.allowed = frozenset(expanded)  # type: ignore[attr-defined] - read by the access matrix and the docs
    return Depends(check)


class Waiters:
    """Bounds the requests waiting on ``min_position`` at once (beyond ``limit``: 429).

    Each admitted wait blocks a thread of its own pool (``limit`` threads), never one of the pool
    that serves every other request, so waiters cannot starve the service.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0
        """Waits under way (changed only on the event loop)."""
        self._threads: anyio.CapacityLimiter | None = None

    async def wait(self, services: Services, position: int) -> bool:
        if self.busy >= self.limit:
            raise TooManyRequests(f"{self.limit} requests are already waiting for min_position; try again shortly")
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(self.limit)
        self.busy += 1
        try:
            return await anyio.to_thread.run_sync(services.consistent, position, limiter=self._threads)
        finally:
            self.busy -= 1


async def wait_for_position(
    request: Request, services: ServicesDep, _: ActorDep, min_position: Annotated[int | None, Query(ge=0)] = None
) -> None:
    """``min_position``: answer only once everything derived up to that position is visible.

    Depends on the principal, so a request is authenticated (401/403) before it may wait.
    """
    if min_position is not None and not await request.app.state.waiters.wait(services, min_position):
        raise Unavailable(f"position {min_position} is not reflected yet", retry_after=1)


Consistent = Depends(wait_for_position)
"""List it after any ``roles()`` of the route: a principal is refused (401/403) before it may wait."""


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidInput("If-Match", 'send the version as an entity tag, e.g. If-Match: "3"')
    return int(value)


class Command:
    """One command request: who, when, its guards, and how its answer is rendered."""

    def __init__(self, services: Services, actor: Actor, fingerprint: str, if_match: str | None, key: str | None) -> None:
        self.services = services
        self.actor = actor
        self.expected_version = _expected_version(if_match)
        self.key = IdempotencyKey(actor.staff, key, fingerprint) if key else None

    def run(self, present: Present, call: Callable[..., Recorded], *args: Any, **kwargs: Any) -> Response:
        """Answer ``call(*args, **kwargs, ctx=...)``, or, for a repeated key, the first answer again."""
        stored = self._stored()
        if stored is not None:
            return self._replay(present, stored)
        ctx = Context(actor=self.actor, now=self.services.clock.now(), expected_version=self.expected_version, idempotency=self.key)
        try:
            recorded = call(*args, **kwargs, ctx=ctx)
        except (IdempotencyKeyTaken, DomainError):
            # A rival request with the same key committed first (and this one recorded nothing):
            # its answer stands, even where this one, deciding on the changed state, was refused.
            stored = self._stored()
            if stored is None:
                raise
            return self._replay(present, stored)
        status, body = present(recorded, self.actor)
        return respond(status, {**body, "position": recorded.position})

    def _stored(self) -> StoredOutcome | None:
        return self.services.store.outcome(self.key.principal, self.key.key) if self.key else None

    def _replay(self, present: Present, stored: StoredOutcome) -> Response:
        if self.key is None or stored.fingerprint != self.key.fingerprint:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request; use a new key")
        outcome = Outcome.unsealed(stored.outcome, stored.position)
        aggregate = None
        if outcome.aggregate_id is not None:
            aggregate = self.services.cases.load(outcome.aggregate_id, "resource", version=outcome.version)
        status, body = present(Recorded(outcome, aggregate), self.actor)
        return respond(status, {**body, "position": outcome.position}, replayed=True)


def respond(status: int, body: dict[str, Any], *, replayed: bool = False) -> Response:
    headers = {}
    if isinstance(body.get("version"), int):
        headers["ETag"] = f'"{body["version"]}"'
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _fingerprint(request: Request, body: bytes) -> str:
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body.strip() else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        digest.update(part + b"\0")
    return digest.hexdigest()


async def command(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$")] = None,
) -> Command:
    body = await request.body()
    return Command(services, actor, _fingerprint(request, body), if_match, idempotency_key)


CommandDep = Annotated[Command, Depends(command)]
