"""Builders for tests: actors, a unit registry, and cases at a given point of their life (no I/O)."""

from __future__ import annotations

from cases import handling, intake, supervision
from datetime import datetime
from uuid import uuid4

from foundation.actors import Actor
from cases.calendar import WorkingCalendar
from cases.case import Case
from cases.values import Requester
from cases.policy import CategoryRule, PolicyTable
from cases.units import UnitRegistry
from tests.conftest import START

ADMIN = Actor(staff="admin-1", unit="C", roles=("admin",))
CENTER = Actor(staff="center-1", unit="C", roles=("center",))
AGENT = Actor(staff="agent-1", unit="C", roles=("agent",))
CITY = Actor(staff="gov-1", unit="GOV", roles=("city_gov",))
CALENDAR = WorkingCalendar()
POLICY = PolicyTable(
    default_working_days=5,
    categories={
        "environment": CategoryRule(working_days=5, emergency_response_hours=2),
        "water": CategoryRule(working_days=3, urgent_working_days=2, emergency_response_hours=1),
    },
)
REQUESTER = Requester(name="张三", phone="13812345678", id_number="360702199001011234", address="江西省赣州市章贡区红旗大道1号")


def handler(unit: str = "U1") -> Actor:
    return Actor(staff=f"{unit}-handler", unit=unit, roles=("unit_handler",))


def leader(unit: str = "U1") -> Actor:
    return Actor(staff=f"{unit}-leader", unit=unit, roles=("unit_leader",))


def registry(now: datetime = START) -> UnitRegistry:
    reg = UnitRegistry.open(now=now, actor=ADMIN)
    reg.register(unit_id="C", name="中心", kind="center", parent_id=None, superior_id=None, now=now, actor=ADMIN)
    for unit in ("U1", "U2", "U3"):
        reg.register(unit_id=unit, name=f"unit {unit}", kind="member", parent_id=None, superior_id=None, now=now, actor=ADMIN)
        reg.add_staff(unit_id=unit, staff_id=f"{unit}-leader", name="leader", position=None, responsible_leader=True, now=now, actor=ADMIN)
        reg.add_staff(unit_id=unit, staff_id=f"{unit}-handler", name="handler", position=None, responsible_leader=False, now=now, actor=ADMIN)
    reg.register(unit_id="U1-IN", name="internal", kind="internal", parent_id="U1", superior_id=None, now=now, actor=ADMIN)
    reg.register(unit_id="N1", name="non-member", kind="non_member", parent_id=None, superior_id="U3", now=now, actor=ADMIN)
    return reg


REGISTRY = registry()


def new_case(
    now: datetime = START,
    *,
    urgency: str = "normal",
    flags: tuple[str, ...] = (),
    confidential: bool = False,
    unclear: bool = False,
    category: str = "environment",
) -> Case:
    return intake.accept(
        uuid4(),
        number="2026092800001",
        channel="phone",
        category=category,
        summary="noise at night",
        content="construction noise after 22:00",
        urgency=urgency,  # type: ignore[arg-type]
        requester=REQUESTER,
        confidential=confidential,
        unclear=unclear,
        flags=list(flags),  # type: ignore[arg-type]
        now=now,
        actor=AGENT,
    )


def dispatch(case: Case, now: datetime = START, *, lead: str = "U1", co: tuple[str, ...] = (), working_days: int | None = None, response_hours: int | None = None) -> Case:
    handling.dispatch(case, 
        lead_unit=lead,
        co_units=list(co),
        working_days=working_days,
        response_hours=response_hours,
        registry=REGISTRY,
        policy=POLICY,
        calendar=CALENDAR,
        now=now,
        actor=CENTER,
    )
    return case


def signed_case(now: datetime = START, **kwargs: object) -> Case:
    case = dispatch(new_case(now), now, **kwargs)  # type: ignore[arg-type]
    handling.sign(case, now=now, actor=handler(case.current_round.lead_unit))
    return case


def urge(case: Case, now: datetime, method: str = "sms", *, unit: str | None = None, actor: Actor = CENTER, **kwargs: object) -> None:
    supervision.urge(
        case,
        method=method,
        unit=unit or case.current_round.lead_unit,
        note="hurry",
        due_date=kwargs.get("due_date"),  # type: ignore[arg-type]
        signed_by=kwargs.get("signed_by", []),  # type: ignore[arg-type]
        instruction=kwargs.get("instruction"),  # type: ignore[arg-type]
        leader=kwargs.get("leader"),  # type: ignore[arg-type]
        addressee=kwargs.get("addressee"),  # type: ignore[arg-type]
        received_at=kwargs.get("received_at"),  # type: ignore[arg-type]
        registry=REGISTRY,
        calendar=CALENDAR,
        now=now,
        actor=actor,
    )


def event_types(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.pending_events]
