"""Setting up a store-backed world for application and API tests."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from foundation.actors import Actor
from cases.values import Requester
from foundation.application import Context
from hotline.bootstrap import Hotline
from tests.builders import ADMIN, AGENT, POLICY, REQUESTER
from tests.conftest import START


def ctx(actor: Actor, now: datetime = START, **kwargs: object) -> Context:
    return Context(actor=actor, now=now, **kwargs)  # type: ignore[arg-type]


def seed_units(hotline: Hotline, now: datetime = START) -> None:
    admin = hotline.admin
    admin.register_unit(unit_id="C", name="中心", kind="center", parent_id=None, superior_id=None, ctx=ctx(ADMIN, now))
    for unit in ("U1", "U2", "U3"):
        admin.register_unit(unit_id=unit, name=f"unit {unit}", kind="member", parent_id=None, superior_id=None, ctx=ctx(ADMIN, now))
        admin.add_staff(unit, staff_id=f"{unit}-leader", name="leader", position=None, responsible_leader=True, ctx=ctx(ADMIN, now))
        admin.add_staff(unit, staff_id=f"{unit}-unit_handler", name="handler", position=None, responsible_leader=False, ctx=ctx(ADMIN, now))
    admin.register_unit(unit_id="N1", name="non-member", kind="non_member", parent_id=None, superior_id="U3", ctx=ctx(ADMIN, now))
    admin.set_policy(POLICY, ctx=ctx(ADMIN, now))


def accept(hotline: Hotline, now: datetime = START, *, requester: Requester = REQUESTER, **kwargs: object) -> UUID:
    fields: dict[str, object] = {
        "channel": "phone",
        "category": "environment",
        "summary": "noise",
        "content": "construction at night",
        "urgency": "normal",
        "confidential": False,
        "unclear": False,
        "flags": [],
    }
    fields.update(kwargs)
    recorded = hotline.cases.accept(requester=requester, ctx=ctx(AGENT, now), **fields)  # type: ignore[arg-type]
    return recorded.aggregate.id


def move_clock(hotline: Hotline, to: datetime, actor: Actor = ADMIN) -> tuple[int, int]:
    """Move the simulated clock (recording every fact on the way): how many facts, and the move's position."""
    moved = hotline.timekeeper.advance(to, ctx=ctx(actor, hotline.clock.now()))
    return moved.result["recorded"], moved.position
