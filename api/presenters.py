"""From domain objects to response bodies, with requester data shown by role."""

from __future__ import annotations

from typing import Any

from accountability.clauses import CLAUSE_TEXT, EFFECT_TEXT
from accountability.finding import Finding
from accountability.measures import KIND_TEXT, MEASURES, SCOPE_TEXT
from foundation.actors import Actor
from foundation.application import Recorded
from cases.case import Case
from cases.events import CaseEvent
from cases.privacy import requester_for
from cases.values import Requester
from api.schemas import CaseOut, FindingOut, HistoryEvent, UrgingOut

ENVELOPE = {"originator_id", "originator_version", "timestamp", "actor"}


def case_answer(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 200, present_case(recorded.aggregate, actor)


def created_case_answer(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 201, present_case(recorded.aggregate, actor)


def finding_answer(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 200, present_finding(recorded.aggregate)


def created_finding_answer(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 201, present_finding(recorded.aggregate)


def present_case(case: Case, actor: Actor) -> dict[str, Any]:
    current = case.rounds[-1] if case.rounds else None
    return CaseOut(
        id=str(case.id),
        number=case.number,
        status=case.status,
        version=case.version,
        channel=case.channel,
        category=case.category,
        summary=case.summary,
        content=case.content,
        urgency=case.urgency,
        flags=list(case.flags),
        confidential=case.confidential,
        unclear=case.unclear,
        requester=requester_for(case.requester, confidential=case.confidential, roles=actor.roles),
        accepted_at=case.accepted_at,
        lead_unit=current.lead_unit if current else None,
        co_units=list(current.co_units) if current else [],
        round=case.round_number,
        deadline=_deadline(case),
        overdue=case.overdue,
        supervision={
            "required": case.supervised,
            "grounds": sorted({g.ground for g in case.grounds}),
            "details": [g.model_dump(mode="json") for g in case.grounds],
            "unmet": [u.n for u in case.unmet_supervision()],
        },
        urgings=[_urging(u) for u in case.urgings],
        extension_requests=_dump(case.extension_requests),
        justifications=_dump(case.justifications),
        returns=_dump(case.returns),
        signatures=_dump(current.signatures) if current else [],
        reply=current.reply.model_dump(mode="json") if current and current.reply else None,
        revisits=_dump(case.revisits),
        rounds=[_round(r) for r in case.rounds],
        redo_attributions=_dump(case.redo_attributions),
        contributions=_dump(case.contributions),
        rectification_proposals=_dump(case.rectifications),
        escalations=_dump(case.escalations),
        tracking=case.city_tracking.model_dump(mode="json") if case.city_tracking else None,
        cooperation_issues=_dump(case.cooperation_issues),
        superior_feedback=_dump(case.superior_feedback),
        response_deadline=current.response.model_dump(mode="json") if current and current.response else None,
        closed_at=case.closed_at,
        allowed_actions=case.allowed_actions(),
    ).model_dump(mode="json")


def _deadline(case: Case) -> dict[str, Any]:
    if not case.rounds:
        return {}
    current = case.rounds[-1]
    deadline = current.deadline
    out: dict[str, Any] = {
        "due_date": deadline.due_date,
        "rule": deadline.rule,
        "working_days": deadline.working_days,
        "lapses_at": deadline.lapses_at,
        "lapsed_at": deadline.lapsed_at,
        "provisional": deadline.provisional,
        "calendar_version": deadline.calendar_version,
        "overdue_mark_date": deadline.overdue_mark_date,
    }
    if current.response is not None:
        out["due_at"] = current.response.due_at
        out["response_rule"] = current.response.rule
    return out


def _urging(urging: Any) -> UrgingOut:
    state = "met" if urging.met_at else "lapsed" if urging.lapsed_at else "pending"
    return UrgingOut(
        **urging.model_dump(include=set(UrgingOut.model_fields) - {"state", "signed_by"}),
        state=state,
        signed_by=[s.model_dump() for s in urging.signed_by],
    )


def _round(handling_round: Any) -> dict[str, Any]:
    return handling_round.model_dump(mode="json", exclude={"signatures"})


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def present_history(case: Case, events: list[tuple[int, CaseEvent]], actor: Actor) -> list[dict[str, Any]]:
    return [
        HistoryEvent(
            version=event.originator_version,
            type=type(event).__name__,
            recorded_at=event.timestamp,
            actor=event.actor.model_dump(mode="json"),
            data=_data(event, case, actor),
            position=position,
        ).model_dump(mode="json")
        for position, event in events
    ]


def _data(event: CaseEvent, case: Case, actor: Actor) -> dict[str, Any]:
    data = event.model_dump(mode="json", exclude=ENVELOPE)
    if "requester" in data:
        requester = Requester.model_validate(data["requester"])
        data["requester"] = requester_for(requester, confidential=case.confidential, roles=actor.roles)
    return data


def present_finding(finding: Finding) -> dict[str, Any]:
    latest = finding.sanctions[-1] if finding.sanctions else None
    return FindingOut(
        id=str(finding.id),
        clause=finding.clause,
        article=CLAUSE_TEXT.get(finding.clause, ""),
        subject=finding.subject.model_dump(),
        staff_concerned=list(finding.staff_concerned),
        status=finding.status,
        basis=[ref.model_dump(mode="json") for ref in finding.basis],
        period=finding.period,
        raised_by=finding.raised_by,
        raised_at=finding.raised_at,
        description=finding.description,
        needs_harm=finding.needs_harm,
        harm=finding.harm,
        suggestions=list(finding.suggestions),
        measures=[_measure(code) for code in finding.measures],
        responsibility={"scope": latest.scope, "kind": latest.kind} if latest else None,
        sanctions=[_sanction(s) for s in finding.sanctions],
        appeals=[a.model_dump(mode="json") for a in finding.appeals],
        mitigations=[{**m.model_dump(mode="json"), "effect_text": EFFECT_TEXT[m.effect]} for m in finding.mitigations],
        decisions=[record.model_dump(mode="json") for record in finding.records],
        allowed_actions=finding.allowed_actions(),
        version=finding.version,
    ).model_dump(mode="json")


def _measure(code: str) -> dict[str, Any]:
    info = MEASURES[code]
    return {"code": code, "article": info.article, "name": info.name, "severity": info.severity}


def _sanction(sanction: Any) -> dict[str, Any]:
    """A sanction as imposed and as in force, with the Art. 12 lightening or reduction beside it."""
    return {
        **sanction.model_dump(mode="json", exclude={"measures", "imposed", "mitigations"}),
        "measures": [_measure(code) for code in sanction.measures],
        "imposed": [_measure(code) for code in sanction.imposed],
        "mitigations": [{"ground": m.ground, "effect": m.effect, "effect_text": EFFECT_TEXT[m.effect]} for m in sanction.mitigations],
        "responsibility_text": f"{SCOPE_TEXT[sanction.scope]}、{KIND_TEXT[sanction.kind]}",
    }
