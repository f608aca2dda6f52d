"""Health and the simulated clock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CommandDep, ServicesDep, respond, roles
from api.schemas import ClockIn
from foundation.actors import Actor
from foundation.application import Recorded
from foundation.errors import NotFound

router = APIRouter(tags=["operations"])


@router.get("/health")
def health(services: ServicesDep) -> Response:
    """200 once the store is reachable and the service is ready; says how far each follower is."""
    head = services.store.head()
    followers = services.followers.status()
    audit = services.audit.status()
    degraded = any(f["error"] for f in followers) or services.timekeeper.last_error is not None or audit["signing_error"] is not None
    return respond(
        200,
        {
            "status": "degraded" if degraded else "ok",
            "store": services.store.target.kind,
            "head": head,
            "clock": {"mode": "manual" if services.clock.manual else "system", "now": services.clock.now().isoformat()},
            "followers": followers,
            "timekeeper_error": services.timekeeper.last_error,
            "audit": audit,
        },
    )


@router.put("/v1/admin/clock", dependencies=[roles("admin")])
def move_clock(body: ClockIn, cmd: CommandDep) -> Response:
    """Move the simulated clock forward, recording every time-triggered fact on the way first."""
    if not cmd.services.clock.manual:
        raise NotFound("resource", "/v1/admin/clock (the service runs on the system clock)")
    return cmd.run(clock_moved, cmd.services.timekeeper.advance, body.now)


def clock_moved(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 200, dict(recorded.result)


@router.get("/v1/admin/clock", dependencies=[roles("admin")])
def read_clock(services: ServicesDep) -> Response:
    return respond(200, {"mode": "manual" if services.clock.manual else "system", "now": services.clock.now().isoformat()})
