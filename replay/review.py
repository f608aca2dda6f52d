"""The Art. 16 review of a finding: its basis as it stood at each decision and as it stands now.

For every decision on the finding (and its raising), the cases it rests on are cut at the log
position of that decision (exactly what had been recorded when it was taken; instants can tie,
positions cannot), the rule that raised it is run again on that history, and the same is done on
the history as it stands now. A reviewer sees whether the finding held when it was decided, and
whether it still holds (e.g. a justification accepted after the sanction).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from accountability.clauses import CLAUSE_TEXT, RULE_CLAUSES
from accountability.finding import Finding
from accountability.rules import Withdrawal, evaluate_case, rule_11_2
from accountability.tally import OverdueTally, tally_id
from cases.case import Case
from foundation.store import Store
from replay.as_of import replayed, version_at_position

SKIPPED = {"basis_extended", "reassessed"}
"""The rules' own restatements and notes: not decisions a review cuts the history at."""


def review(store: Store, finding: Finding, now: datetime, *, visible: Collection[UUID] | None = None) -> dict[str, Any]:
    """The review as a reader who may see the basis cases in ``visible`` (None: every one) sees it.

    The rule runs on every basis case (the verdict is the finding's), but the events and the
    per-case detail of a case the reader may not see are left out.
    """
    case_ids = list(dict.fromkeys(ref.case_id for ref in finding.basis))
    histories = {case_id: store.positioned_events(case_id) for case_id in case_ids}
    shown = {case_id: events for case_id, events in histories.items() if visible is None or case_id in visible}
    positions = {event.originator_version: position for position, event in store.positioned_events(finding.id)}
    points = [
        {"action": r.action, "at": r.at, "by": r.by, "finding_version": r.version, "position": positions.get(r.version, 0)}
        for r in finding.records
        if r.action not in SKIPPED
    ]
    evaluated = [{**point, **_evaluate(store, finding, histories, shown, point["position"])} for point in points]
    head = store.head()
    current = {"at": now, "position": head, **_evaluate(store, finding, histories, shown, head)}
    return {
        "finding": {
            "id": str(finding.id),
            "clause": finding.clause,
            "article": CLAUSE_TEXT.get(finding.clause, ""),
            "status": finding.status,
            "key": finding.key,
            "basis": [ref.model_dump(mode="json") for ref in finding.basis],
        },
        "basis_events": _basis_events(finding, shown),
        "at_decisions": evaluated,
        "now": current,
        "still_holds": current["rule"]["holds"],
    }


def _basis_events(finding: Finding, histories: dict[UUID, list[tuple[int, Any]]]) -> list[dict[str, Any]]:
    wanted = {(ref.case_id, ref.version) for ref in finding.basis}
    out = []
    for case_id, events in histories.items():
        for position, event in events:
            if (case_id, event.originator_version) in wanted:
                data = event.model_dump(mode="json", exclude={"originator_id", "originator_version", "timestamp", "actor", "requester"})
                out.append(
                    {
                        "case_id": str(case_id),
                        "version": event.originator_version,
                        "position": position,
                        "type": type(event).__name__,
                        "recorded_at": event.timestamp,
                        "actor": event.actor.model_dump(mode="json"),
                        "data": data,
                    }
                )
    return out


def _evaluate(
    store: Store, finding: Finding, histories: dict[UUID, list[tuple[int, Any]]], shown: dict[UUID, list[tuple[int, Any]]], position: int
) -> dict[str, Any]:
    cases = []
    for case_id, events in shown.items():
        version = version_at_position(events, position)
        latest_basis = max((r.version for r in finding.basis if r.case_id == case_id), default=0)
        later = [
            {"version": e.originator_version, "type": type(e).__name__, "recorded_at": e.timestamp}
            for _, e in events
            if latest_basis < e.originator_version <= version
        ]
        cases.append({"case_id": str(case_id), "version": version, "events_after_basis": later})
    return {"cases": cases, "rule": _rule(store, finding, histories, position)}


def _rule(store: Store, finding: Finding, histories: dict[UUID, list[tuple[int, Any]]], position: int) -> dict[str, Any]:
    if finding.key is None or finding.clause not in RULE_CLAUSES:
        return {"evaluated": False, "holds": finding.status not in ("dismissed", "withdrawn"), "explanation": "人工提出的问责事项，无可重新运行的规则"}
    if finding.clause == "11(2)":
        return _rule_11_2(store, finding, position)
    for events in histories.values():
        case = replayed(events, version_at_position(events, position))
        if not isinstance(case, Case):
            continue
        evaluation = evaluate_case(case)
        draft = next((d for d in evaluation.drafts if d.key == finding.key), None)
        if draft is not None:
            return {"evaluated": True, "holds": True, "explanation": draft.description}
        withdrawal = next((w for w in evaluation.withdrawals if w.key == finding.key), None)
        if withdrawal is not None:
            return {"evaluated": True, "holds": False, "explanation": withdrawal.reason}
    return {"evaluated": True, "holds": False, "explanation": "按当时的办件记录，规则不认定此事项"}


def _rule_11_2(store: Store, finding: Finding, position: int) -> dict[str, Any]:
    if finding.period is None:
        return {"evaluated": False, "holds": False, "explanation": "第十一条第（二）项事项缺少统计月份"}
    events = store.positioned_events(tally_id(finding.subject.unit, finding.period))
    tally = replayed(events, version_at_position(events, position))
    facts = tally.facts.values() if isinstance(tally, OverdueTally) else []
    verdict = rule_11_2(finding.subject.unit, finding.period, facts)
    if isinstance(verdict, Withdrawal):
        return {"evaluated": True, "holds": False, "explanation": verdict.reason}
    return {"evaluated": True, "holds": True, "explanation": verdict.description}
