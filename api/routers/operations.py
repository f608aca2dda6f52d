"""Health, metrics and the simulated clock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

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


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, services: ServicesDep) -> Response:
    """Prometheus text: the head of the log, each follower's position, lag and failures, and the waiters."""
    lines = [
        "# HELP hotline_head_position The position of the last event in the log.",
        "# TYPE hotline_head_position gauge",
        f"hotline_head_position {services.store.head()}",
    ]
    followers = services.followers.status()
    for name, kind, help_text, value in (
        ("hotline_follower_position", "gauge", "The last position a follower handled.", lambda f: f["position"]),
        ("hotline_follower_lag", "gauge", "Events a follower has still to handle.", lambda f: f["lag"]),
        ("hotline_follower_batches_total", "counter", "Batches a follower handled since the service started (a read model's: its group's).", lambda f: f["batches"]),
        ("hotline_follower_failures_total", "counter", "Batches a follower failed on since the service started.", lambda f: f["failures"]),
        ("hotline_follower_failing", "gauge", "1 while a follower is stuck on an event (see /health for the position).", lambda f: int(f["error"] is not None)),
        ("hotline_follower_passed_over", "gauge", "Positions an operator set aside that a follower passed over.", lambda f: len(f["passed_over"])),
    ):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        lines += [f'{name}{{follower="{f["name"]}"}} {value(f)}' for f in followers]
    waiters = request.app.state.waiters
    lines += [
        "# HELP hotline_min_position_waiters Queries waiting on min_position now.",
        "# TYPE hotline_min_position_waiters gauge",
        f"hotline_min_position_waiters {waiters.busy}",
        "# HELP hotline_command_retries_total Commands decided again after a concurrent write to the same record.",
        "# TYPE hotline_command_retries_total counter",
        f"hotline_command_retries_total {services.store.retries}",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


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
