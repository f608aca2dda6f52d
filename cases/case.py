"""The case (办件 / 工单): a citizen's request from acceptance to archive, as a sequence of events.

Lifecycle::

    accepted --dispatch--> dispatched --sign (lead)--> signed --reply--> replied --close--> closed
        ^                      |                          |                 |
        +---- return-dispatch -+--------------------------+                 +--redo--> redo --reply--> replied

This module holds the case's state and what can be read from it: which actions it accepts now,
who may act on it. The commands live with their concept (``intake``, ``handling``, ``delays``,
``supervision``, ``escalation``, ``revisits``, ``timefacts``); each validates, computes, and
triggers a past-tense event from ``cases.events`` whose ``apply`` only assigns what it carries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from foundation.actors import Actor
from foundation.aggregate import Aggregate, replaced
from foundation.errors import Forbidden, NotAllowedNow, NotFound
from cases.values import (
    CityTracking,
    Contribution,
    CooperationIssue,
    Decision,
    DispatchReturn,
    Escalation,
    ExtensionRequest,
    Flag,
    HandlingRound,
    Justification,
    Rectification,
    RedoAttribution,
    Requester,
    Revisit,
    Status,
    SuperiorFeedback,
    SupervisionGround,
    Urgency,
    Urging,
)

WITH_UNIT: frozenset[str] = frozenset({"dispatched", "signed", "redo"})


class Case(Aggregate):
    number: str = ""
    channel: str = ""
    category: str = ""
    summary: str = ""
    content: str = ""
    urgency: Urgency = "normal"
    requester: Requester | None = None
    confidential: bool = False
    unclear: bool = False
    flags: tuple[Flag, ...] = ()
    accepted_at: datetime | None = None
    accepted_by: str = ""
    status: Status = "accepted"
    rounds: tuple[HandlingRound, ...] = ()
    units_ever: tuple[str, ...] = ()
    returns: tuple[DispatchReturn, ...] = ()
    extension_requests: tuple[ExtensionRequest, ...] = ()
    justifications: tuple[Justification, ...] = ()
    urgings: tuple[Urging, ...] = ()
    grounds: tuple[SupervisionGround, ...] = ()
    revisits: tuple[Revisit, ...] = ()
    redo_attributions: tuple[RedoAttribution, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    rectifications: tuple[Rectification, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    city_tracking: CityTracking | None = None
    cooperation_issues: tuple[CooperationIssue, ...] = ()
    superior_feedback: tuple[SuperiorFeedback, ...] = ()
    closed_at: datetime | None = None

    # ------------------------------------------------------------------ reading

    @property
    def round_number(self) -> int:
        """The handling round: 0 before the first dispatch; each dispatch and redo starts one."""
        return len(self.rounds)

    @property
    def current_round(self) -> HandlingRound:
        if not self.rounds:
            raise NotAllowedNow("handling", "case has not been dispatched", self.allowed_actions())
        return self.rounds[-1]

    @property
    def is_with_unit(self) -> bool:
        return self.status in WITH_UNIT

    @property
    def overdue(self) -> bool:
        """The current round's handling deadline lapsed before the reply."""
        return bool(self.rounds) and self.rounds[-1].deadline.lapsed_at is not None

    @property
    def supervised(self) -> bool:
        return bool(self.grounds)

    @property
    def pending_return(self) -> DispatchReturn | None:
        last = self.returns[-1] if self.returns else None
        return last if last is not None and last.decision is None else None

    def visible_to(self, actor: Actor) -> bool:
        """A unit sees only the cases that are or were dispatched to it."""
        return not actor.is_unit_member or actor.unit in self.units_ever

    def lead_units(self) -> list[str]:
        return list(dict.fromkeys(r.lead_unit for r in self.rounds))

    def was_overdue(self, unit: str) -> bool:
        return any(r.lead_unit == unit and r.deadline.lapsed_at is not None for r in self.rounds)

    def passed_buck(self, unit: str) -> bool:
        """The unit returned the case and the center ruled the return unjustified (推诿)."""
        return any(r.unit == unit and r.decision is not None and not r.decision.granted for r in self.returns)

    @property
    def has_supervision_result(self) -> bool:
        """Supervised (urged, or on any Art. 6 ground) and handled by a non-member unit: a result Art. 17 reports upward.

        Rounds recorded before the lead unit's kind was kept count as possibly non-member; the
        command then checks the registry.
        """
        handled_by_non_member = any(r.lead_is_non_member is not False for r in self.rounds)
        return bool((self.grounds or self.urgings) and handled_by_non_member)

    def has_ground(self, ground: str, round_number: int | None = None) -> bool:
        return any(g.ground == ground and (round_number is None or g.round == round_number) for g in self.grounds)

    def unmet_supervision(self) -> list[Urging]:
        """Supervision demands whose deadline lapsed unmet (what Art. 11(8) rests on)."""
        return [u for u in self.urgings if u.lapsed_at is not None]

    def handled_by_non_member(self, kinds: dict[str, str]) -> list[str]:
        """The lead units of the case that are non-member units (Art. 17), given each unit's kind."""
        return [u for u in self.lead_units() if kinds.get(u) == "non_member"]

    # ------------------------------------------------------------ what is allowed

    def allowed_actions(self) -> list[str]:
        """The actions the case accepts in its current state (what a 409 names)."""
        if self.status == "closed":
            return ["superior-feedback"] if self.has_supervision_result else []  # Art. 17: the result may come after archiving
        allowed = {"supervision"}
        if self.status == "accepted":
            allowed |= {"dispatch", "close"}
            if self.pending_return is not None:
                allowed.add("return-decision")
        if self.is_with_unit:
            allowed |= self._with_unit_actions()
        if self.status == "replied":
            allowed |= {"revisit", "redo", "close", "justifications"}
            if self._redo_attribution_open():
                allowed.add("redo-attribution")
        allowed |= self._decision_actions()
        return sorted(allowed)

    def _with_unit_actions(self) -> set[str]:
        current = self.current_round
        allowed = {"return-dispatch", "extension-requests", "justifications", "urgings"}
        if any(not current.signed_by(unit) for unit in current.units):
            allowed.add("sign")
        if self.status in ("signed", "redo"):
            allowed.add("reply")
        if current.co_units:
            allowed |= {"contributions", "cooperation-issues"}
        if current.response is not None and current.response.responded_at is None:
            allowed.add("respond")
        return allowed

    def _decision_actions(self) -> set[str]:
        allowed: set[str] = set()
        if any(r.decision is None for r in self.extension_requests):
            allowed.add("extension-decision")
        if any(j.decision is None for j in self.justifications):
            allowed.add("justification-decision")
        if self.rounds and any(self.was_overdue(u) or self.passed_buck(u) for u in self.units_ever):
            allowed.add("rectification-proposals")
        if any(r.refused_at is None for r in self.rectifications):
            allowed.add("rectification-refusal")
        escalated = {e.rectification for e in self.escalations}
        if any(r.refused_at is not None and r.n not in escalated for r in self.rectifications):
            allowed.add("escalations")
        if self.escalations and self.city_tracking is None:
            allowed.add("tracking")
        if self.has_supervision_result:
            allowed.add("superior-feedback")
        return allowed

    def _redo_attribution_open(self) -> bool:
        if not self.rounds or self.rounds[-1].kind != "redo":
            return False
        current = self.rounds[-1]
        latest = next((r for r in reversed(self.revisits) if r.round == current.n), None)
        attributed = any(a.round == current.n for a in self.redo_attributions)
        return latest is not None and not latest.satisfied and not attributed

    def require_allowed(self, action: str, why: str = "") -> None:
        """Refuse ``action`` (409, naming the state and what is allowed) unless the state allows it."""
        allowed = self.allowed_actions()
        if action not in allowed:
            raise NotAllowedNow(action, f"case is {self.status}", allowed, why)

    def refuse(self, action: str, state: str) -> NotAllowedNow:
        """A 409 for ``action`` in a particular ``state`` of the case, naming what is allowed now."""
        return NotAllowedNow(action, state, self.allowed_actions())

    # ------------------------------------------------------------------ who acts

    def acting_unit(self, actor: Actor, action: str, *, while_replied: bool = False) -> str:
        """The actor's unit, which must be on the case in the current round."""
        current = self.current_round
        if actor.unit is None or actor.unit not in current.units or current.returned:
            raise Forbidden(f"'{action}' is for a unit the case is with now ({', '.join(current.units)})")
        if not (self.is_with_unit or (while_replied and self.status == "replied")):
            raise self.refuse(action, f"case is {self.status}")
        return actor.unit

    def require_lead(self, actor: Actor, action: str) -> None:
        if actor.unit != self.current_round.lead_unit:
            raise Forbidden(f"only the lead unit ({self.current_round.lead_unit}) may do '{action}'")

    # ------------------------------------------------------------- decisions

    def undecided(self, records: tuple[Any, ...], number: int, action: str, what: str) -> Any:
        """Request or report ``number`` (1, 2, ...) of ``records``, still awaiting the center's decision."""
        if not 1 <= number <= len(records):
            raise NotFound(what, number)
        if records[number - 1].decision is not None:
            raise self.refuse(action, f"{what} {number} is already decided")
        return records[number - 1]

    def decision(self, *, granted: bool, reason: str, now: datetime, actor: Actor) -> Decision:
        """The center's decision, recorded by the next event of the case."""
        return Decision(granted=granted, reason=reason, at=now, staff=actor.staff, version=self.version + 1)

    # ----------------------------------------------------- replacing values (for events)

    def replace_round(self, handling_round: HandlingRound) -> None:
        self.rounds = replaced(self.rounds, handling_round.n - 1, handling_round)
