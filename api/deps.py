"""FastAPI dependencies: the composition root, the principal, role checks, commands and consistency.

``Command`` turns a request into an application call with its ``Context`` (the principal, the
clock's now, ``If-Match`` and ``Idempotency-Key``) and turns the outcome into the answer: the
resource, its ``version`` (also as ``ETag``) and the ``position`` of the last event recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.responses import Response

from api.auth import actor_from
from api.problems import IdempotencyMismatch
from cases.actors import UNIT_ROLES, Actor
from cases.errors import Forbidden, InvalidInput, Unavailable
from hotline.application import Context, IdempotencyClaim, Recorded
from hotline.bootstrap import Hotline
from hotline.store import IdempotencyKeyTaken, StoredAnswer

Render = Callable[[Recorded[Any]], tuple[int, dict[str, Any]]]


def get_hotline(request: Request) -> Hotline:
    return request.app.state.hotline


HotlineDep = Annotated[Hotline, Depends(get_hotline)]


def current_actor(hotline: HotlineDep, authorization: Annotated[str | None, Header()] = None) -> Actor:
    return actor_from(authorization, hotline.settings.jwt_secret)


ActorDep = Annotated[Actor, Depends(current_actor)]


def roles(*allowed: str) -> Any:
    """A dependency that lets through only principals holding one of ``allowed`` (``unit`` = either unit role)."""
    expanded = set(allowed)
    if "unit" in expanded:
        expanded = (expanded - {"unit"}) | UNIT_ROLES

    def check(actor: ActorDep) -> Actor:
        if not expanded.intersection(actor.roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(sorted(expanded))}")
        return actor

    return Depends(check)


def wait_for_position(hotline: HotlineDep, min_position: Annotated[int | None, Query(ge=0)] = None) -> None:
    """``min_position``: answer only once everything derived up to that position is visible."""
    if min_position is not None and not hotline.consistent(min_position):
        raise Unavailable(f"position {min_position} is not reflected yet", retry_after=1)


Consistent = Depends(wait_for_position)


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidInput("If-Match", 'send the version as an entity tag, e.g. If-Match: "3"')
    return int(value)


class Command:
    """One command request: who, when, its guards, and how to answer."""

    def __init__(self, hotline: Hotline, actor: Actor, request: Request, body: bytes, if_match: str | None, key: str | None) -> None:
        self.hotline = hotline
        self.actor = actor
        self.expected_version = _expected_version(if_match)
        self.key = key
        self.fingerprint = _fingerprint(request, body)

    def run(self, call: Callable[[Context], Recorded[Any]], render: Render) -> Response:
        claim = None
        if self.key:
            stored = self.hotline.store.answer(self.actor.staff, self.key)
            if stored is not None:
                return self._replay(stored)
            claim = IdempotencyClaim(self.actor.staff, self.key, self.fingerprint, render)
        ctx = Context(
            actor=self.actor, now=self.hotline.clock.now(), expected_version=self.expected_version, idempotency=claim
        )
        try:
            recorded = call(ctx)
        except IdempotencyKeyTaken:
            stored = self.hotline.store.answer(self.actor.staff, self.key or "")
            assert stored is not None
            return self._replay(stored)
        status, body = render(recorded)
        return respond(status, {**body, "position": recorded.position})

    def _replay(self, stored: StoredAnswer) -> Response:
        if stored.fingerprint != self.fingerprint:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request; use a new key")
        body = orjson.loads(stored.body)
        return respond(stored.status, {**body, "position": stored.position}, replayed=True)


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


async def _command(
    request: Request,
    hotline: HotlineDep,
    actor: ActorDep,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Command:
    body = await request.body()
    return Command(hotline, actor, request, body, if_match, idempotency_key)


CommandDep = Annotated[Command, Depends(_command)]
