"""Spot checks (抽查, Art. 3): the city government draws a recorded, reproducible random sample of cases."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from accountability.spot_checks import MAX_SIZE, SpotCheck, SpotScope
from api.deps import CommandDep, Consistent, ServicesDep, respond, roles
from api.schemas import In
from cases.values import Status
from foundation.actors import Actor
from foundation.application import Recorded
from foundation.errors import NotFound
from projections.pages import PERIOD_PATTERN

router = APIRouter(prefix="/v1/spot-checks", tags=["spot checks"])
READERS = roles("city_gov", "center", "discipline", "auditor", "admin")


class SpotCheckIn(In):
    size: int = Field(ge=1, le=MAX_SIZE)
    seed: int | None = Field(default=None, ge=0, le=2**53, description="the same seed over the same scope draws the same sample")
    period: str | None = Field(default=None, pattern=PERIOD_PATTERN, description="month or year of acceptance")
    unit: str | None = Field(default=None, max_length=64, description="a unit the case was dispatched to")
    status: Status | None = None


def present(check: SpotCheck) -> dict[str, Any]:
    return {
        "id": str(check.id),
        "seed": check.seed,
        "size": check.size,
        "scope": check.scope.model_dump(mode="json"),
        "population": check.population,
        "as_of_position": check.as_of,
        "scope_digest": check.digest,
        "cases": [str(c) for c in check.cases],
        "drawn_at": check.drawn_at.isoformat() if check.drawn_at else None,
        "drawn_by": check.drawn_by,
        "article": "3",
        "version": check.version,
    }


def drawn(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 201, present(recorded.aggregate)


@router.post("", status_code=201, dependencies=[roles("city_gov"), Consistent])
def draw_spot_check(body: SpotCheckIn, cmd: CommandDep) -> Response:
    """Draw ``size`` cases at random from the scope (month or year of acceptance, unit, status) as the case index
    stands (pass ``min_position`` to include your latest writes); the scope, the seed and the sample are recorded."""
    scope = SpotScope(period=body.period, unit=body.unit, status=body.status)
    return cmd.run(drawn, cmd.services.oversight.draw_spot_check, size=body.size, seed=body.seed, scope=scope)


@router.get("", dependencies=[READERS, Consistent])
def list_spot_checks(
    services: ServicesDep, page_size: Annotated[int, Query(ge=1, le=500)] = 50, page_token: str | None = None
) -> Response:
    """Who drew which sample, when, from what scope (newest first)."""
    items, token = services.spot_checks.list(page_size=page_size, page_token=page_token)
    return respond(200, {"items": items, "next_page_token": token})


@router.get("/{check_id}", dependencies=[READERS, Consistent])
def get_spot_check(check_id: str, services: ServicesDep) -> Response:
    try:
        uuid = UUID(check_id)
    except ValueError:
        raise NotFound("spot check", check_id) from None
    return respond(200, present(services.oversight.spot_check(uuid)))
