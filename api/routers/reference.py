"""Units and staff, the working-day calendar and the deadline policy (role ``admin`` to change)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.deps import ActorDep, CommandDep, Consistent, HotlineDep, respond, roles
from api.schemas import CalendarIn, StaffIn, UnitIn, UnitOut
from cases.calendar import WorkingCalendar
from cases.policy import PolicyTable

router = APIRouter(prefix="/v1", tags=["units, calendar, policy"])
ADMIN = roles("admin")
Year = Annotated[int, Path(ge=2004, le=2100)]


@router.post("/units", status_code=201, response_model=UnitOut, dependencies=[ADMIN])
def register_unit(body: UnitIn, cmd: CommandDep) -> Response:
    return cmd.run(
        lambda ctx: cmd.hotline.admin.register_unit(
            unit_id=body.id, name=body.name, kind=body.kind, parent_id=body.parent_id, superior_id=body.superior_id, ctx=ctx
        ),
        lambda recorded: (201, {**recorded.value.model_dump(mode="json"), "version": recorded.version}),
    )


@router.get("/units", dependencies=[Consistent])
def list_units(hotline: HotlineDep, _: ActorDep) -> Response:
    return respond(200, {"items": [u.model_dump(mode="json") for u in hotline.admin.units()], "next_page_token": None})


@router.get("/units/{unit_id}", response_model=UnitOut, dependencies=[Consistent])
def get_unit(unit_id: str, hotline: HotlineDep, _: ActorDep) -> Response:
    unit, staff = hotline.admin.unit(unit_id)
    return respond(200, {**unit.model_dump(mode="json"), "staff": [s.model_dump(mode="json") for s in staff]})


@router.post("/units/{unit_id}/staff", status_code=201, dependencies=[ADMIN])
def add_staff(unit_id: str, body: StaffIn, cmd: CommandDep) -> Response:
    return cmd.run(
        lambda ctx: cmd.hotline.admin.add_staff(
            unit_id,
            staff_id=body.id,
            name=body.name,
            position=body.position,
            responsible_leader=body.responsible_leader,
            ctx=ctx,
        ),
        lambda recorded: (201, {**recorded.value.model_dump(mode="json"), "version": recorded.version}),
    )


@router.put("/calendar/{year}", dependencies=[ADMIN])
def amend_calendar(year: Year, body: CalendarIn, cmd: CommandDep) -> Response:
    """Amend a year of the working-day calendar; deadlines not yet lapsed are recomputed with it."""
    hotline = cmd.hotline
    return cmd.run(
        lambda ctx: hotline.admin.amend_calendar(
            year,
            holidays=body.holidays,
            workdays=body.workdays,
            kind=body.kind,
            reason=body.reason,
            cases_with_deadlines=hotline.cases_with_deadlines,
            ctx=ctx,
        ),
        lambda recorded: (
            200,
            {
                **_year(hotline.admin.calendar(), year),
                "amendment": recorded.value.model_dump(mode="json"),
                "version": recorded.version,
                "recomputed_cases": recorded.extra.get("recomputed_cases", []),
            },
        ),
    )


@router.get("/calendar/{year}", dependencies=[Consistent])
def get_calendar(year: Year, hotline: HotlineDep, _: ActorDep) -> Response:
    """The year as the service counts it: non-working weekdays, working weekend days, and whether it is provisional."""
    return respond(200, _year(hotline.admin.calendar(), year))


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
def set_policy(body: PolicyTable, cmd: CommandDep) -> Response:
    return cmd.run(
        lambda ctx: cmd.hotline.admin.set_policy(body, ctx),
        lambda recorded: (200, {**recorded.value.model_dump(mode="json"), "version": recorded.version}),
    )


@router.get("/policy/deadlines", dependencies=[Consistent])
def get_policy(hotline: HotlineDep, _: ActorDep) -> Response:
    return respond(200, hotline.admin.policy().model_dump(mode="json"))
