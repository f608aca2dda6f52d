"""Health and the simulated clock."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CommandDep, HotlineDep, respond, roles
from api.schemas import ClockIn
from cases.errors import NotFound

router = APIRouter(tags=["operations"])


@router.get("/health")
def health(hotline: HotlineDep) -> Response:
    """200 once the store is reachable and the service is ready; says how far each follower is."""
    head = hotline.store.head()
    followers = hotline.followers.status()
    degraded = any(f["error"] for f in followers) or hotline.timekeeper.last_error is not None
    return respond(
        200,
        {
            "status": "degraded" if degraded else "ok",
            "store": hotline.store.target.kind,
            "head": head,
            "clock": {"mode": "manual" if hotline.clock.manual else "system", "now": hotline.clock.now().isoformat()},
            "followers": followers,
            "timekeeper_error": hotline.timekeeper.last_error,
        },
    )


@router.put("/v1/admin/clock", dependencies=[roles("admin")])
def move_clock(body: ClockIn, cmd: CommandDep) -> Response:
    """Move the simulated clock forward, recording every time-triggered fact on the way first."""
    hotline = cmd.hotline
    if not hotline.clock.manual:
        raise NotFound("resource", "/v1/admin/clock (the service runs on the system clock)")
    recorded, position = hotline.timekeeper.advance(body.now, cmd.actor)
    return respond(200, {"now": hotline.clock.now().isoformat(), "recorded": recorded, "position": position})


@router.get("/v1/admin/clock", dependencies=[roles("admin")])
def read_clock(hotline: HotlineDep) -> Response:
    return respond(200, {"mode": "manual" if hotline.clock.manual else "system", "now": hotline.clock.now().isoformat()})
