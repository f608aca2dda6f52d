"""Art. 6: the grounds on which a case must be supervised (督办), recorded once per ground and round.

6(1) leader involvement, 6(2) key/difficult/hot, 6(3) overdue and unfinished, and 6(4) still
unsatisfied after a redo by the unit's fault are recorded by the system as soon as the facts hold;
6(5) only by a person with a reason.
"""

from __future__ import annotations

from datetime import datetime

from foundation.actors import Actor
from cases.case import Case
from cases.events import SupervisionRequired
from cases.values import SupervisionGround

GROUND_TEXT: dict[str, str] = {
    "6(1)": "dispatched, instructed, assigned or answered by a city leader",
    "6(2)": "a key, difficult or hot issue raised by the public",
    "6(3)": "overdue and not finished",
    "6(4)": "still unsatisfied after a redo, by the handling unit's fault",
    "6(5)": "other need for supervision",
}
FLAG_GROUND: dict[str, str] = {"leader_involved": "6(1)", "key": "6(2)", "difficult": "6(2)", "hot": "6(2)"}


def require_supervision(
    case: Case, ground: str, reason: str, *, now: datetime, actor: Actor, at: datetime | None = None
) -> None:
    """Record an Art. 6 ground for the current round, unless it is already recorded.

    ``at`` is when the ground came to hold (a lapse's instant for 6(3)); by default, ``now``.
    """
    round_number = case.round_number
    if case.has_ground(ground, round_number):
        return
    case.trigger(
        SupervisionRequired,
        now=now,
        actor=actor,
        ground=SupervisionGround(
            ground=ground,
            article=ground,
            reason=reason or GROUND_TEXT[ground],
            round=round_number,
            at=at or now,
            by=actor.staff,
            version=case.version + 1,
        ),
    )
