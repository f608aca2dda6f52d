"""Health and the simulated clock."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CommandDep, ServicesDep, respond, roles
from api.schemas import ClockIn
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
    services = cmd.services
    if not services.clock.manual:
        raise NotFound("resource", "/v1/admin/clock (the service runs on the system clock)")
    recorded, position = services.timekeeper.advance(body.now, cmd.actor)
    return respond(200, {"now": services.clock.now().isoformat(), "recorded": recorded, "position": position})


@router.get("/v1/admin/clock", dependencies=[roles("admin")])
def read_clock(services: ServicesDep) -> Response:
    return respond(200, {"mode": "manual" if services.clock.manual else "system", "now": services.clock.now().isoformat()})
