"""Units and staff, the working-day calendar and the deadline policy (role ``admin`` to change)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.deps import ActorDep, CommandDep, Consistent, ServicesDep, respond, roles
from api.schemas import CalendarIn, PolicyIn, StaffIn, UnitIn, UnitOut
from foundation.actors import Actor
from foundation.application import Recorded
from cases.calendar import WorkingCalendar
from projections.pages import page_of

router = APIRouter(prefix="/v1", tags=["units, calendar, policy"])
ADMIN = roles("admin")
Year = Annotated[int, Path(ge=2004, le=2100)]


def created(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    """A unit or a staff member as registered, with the registry's version."""
    return 201, {**recorded.result, "version": recorded.version}


def policy_set(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 200, {**recorded.result, "version": recorded.version}


@router.post("/units", status_code=201, response_model=UnitOut, dependencies=[ADMIN])
def register_unit(body: UnitIn, cmd: CommandDep) -> Response:
    return cmd.run(
        created, cmd.services.admin.register_unit,
        unit_id=body.id, name=body.name, kind=body.kind, parent_id=body.parent_id, superior_id=body.superior_id,
    )


@router.get("/units", dependencies=[Consistent])
def list_units(
    services: ServicesDep,
    _: ActorDep,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Units in order of their id, a page at a time."""
    units, token = page_of(services.admin.units(), lambda u: u.id, page_size=page_size, page_token=page_token, key_type=str)
    return respond(200, {"items": [u.model_dump(mode="json") for u in units], "next_page_token": token})


@router.get("/units/{unit_id}", response_model=UnitOut, dependencies=[Consistent])
def get_unit(unit_id: str, services: ServicesDep, _: ActorDep) -> Response:
    unit, staff = services.admin.unit(unit_id)
    return respond(200, {**unit.model_dump(mode="json"), "staff": [s.model_dump(mode="json") for s in staff]})


@router.post("/units/{unit_id}/staff", status_code=201, dependencies=[ADMIN])
def add_staff(unit_id: str, body: StaffIn, cmd: CommandDep) -> Response:
    return cmd.run(
        created, cmd.services.admin.add_staff, unit_id,
        staff_id=body.id, name=body.name, position=body.position, responsible_leader=body.responsible_leader,
    )


@router.put("/calendar/{year}", dependencies=[ADMIN])
def amend_calendar(year: Year, body: CalendarIn, cmd: CommandDep) -> Response:
    """Amend a year of the working-day calendar; deadlines not yet lapsed are recomputed with it."""

    def amended(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
        calendar = recorded.aggregate.working_calendar()
        return 200, {**_year(calendar, year), **recorded.result, "version": recorded.version}

    return cmd.run(amended, cmd.services.admin.amend_calendar, year, **body.model_dump())


@router.get("/calendar/{year}", dependencies=[Consistent])
def get_calendar(year: Year, services: ServicesDep, _: ActorDep) -> Response:
    """The year as the service counts it: non-working weekdays, working weekend days, and whether it is provisional."""
    return respond(200, _year(services.admin.calendar(), year))


def _year(calendar: WorkingCalendar, year: int) -> dict[str, Any]:
    arrangement = calendar.arrangement(year)
    holidays, workdays = calendar.exceptions(year)
    return {
        "year": year,
        "calendar_version": calendar.version,
        "source": arrangement.source,
        "provisional": arrangement.provisional,
        "holidays": [d.isoformat() for d in holidays],
        "workdays": [d.isoformat() for d in workdays],
    }


@router.put("/policy/deadlines", dependencies=[ADMIN])
def set_policy(body: PolicyIn, cmd: CommandDep) -> Response:
    return cmd.run(policy_set, cmd.services.admin.set_policy, body.table())


@router.get("/policy/deadlines", dependencies=[Consistent])
def get_policy(services: ServicesDep, _: ActorDep) -> Response:
    return respond(200, services.admin.policy().model_dump(mode="json"))
