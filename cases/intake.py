"""Accepting a request (登记): the case is created, and flags that make it a 6(1) or 6(2) case are recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from foundation.actors import Actor
from cases.case import Case
from cases.events import Accepted
from cases.grounds import FLAG_GROUND, GROUND_TEXT, require_supervision
from cases.values import Flag, Requester, Urgency


def accept(
    case_id: UUID,
    *,
    number: str,
    channel: str,
    category: str,
    summary: str,
    content: str,
    urgency: Urgency,
    requester: Requester,
    confidential: bool,
    unclear: bool,
    flags: Sequence[Flag],
    now: datetime,
    actor: Actor,
) -> Case:
    """Accept a request as a new case, numbered ``number``."""
    case = Case.start(
        Accepted,
        id=case_id,
        now=now,
        actor=actor,
        number=number,
        channel=channel,
        category=category,
        summary=summary,
        content=content,
        urgency=urgency,
        requester=requester,
        confidential=confidential,
        unclear=unclear,
        flags=tuple(dict.fromkeys(flags)),
    )
    for flag in case.flags:
        ground = FLAG_GROUND[flag]
        require_supervision(case, ground, f"flagged '{flag}' at acceptance: {GROUND_TEXT[ground]}", now=now, actor=actor)
    return case
