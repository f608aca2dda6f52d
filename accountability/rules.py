"""The rules that raise findings by themselves: pure functions of a case's events (or a unit-month's).

The same functions serve the live process that raises findings and the appeal review that
re-evaluates them on the history as it stood at a decision. Each draft names its clause, its
subject, and the exact ``(case_id, version)`` events it rests on; its key makes it once per subject
and basis.

* 11(1), 11(2), 11(8): decided from events alone.
* 11(3), 11(4), 11(5): detected as candidates; a person records the harm before confirming.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from accountability.finding import BasisRef, FindingDraft, Subject
from cases.calendar import month_of
from cases.case import Case
from cases.values import HandlingRound

REVISION = 2
"""The rules' revision. 2: Art. 11(1) counts only urgings addressed to the lead unit; a late extension
leaves the lapse and the Art. 11(1) mark alone; the unit is the subject and its staff are concerned.
When it changes, the rules process evaluates every case again once (``RulesProcess.reassess``)."""

MONTHLY_THRESHOLD = 5
"""Art. 11(2): "每月累计达到5件以上（含5件）"."""
URGINGS_BEFORE_11_1 = 2
"""Art. 11(1): "经两次催办"."""

METHOD_TEXT = {
    "sms": "短信督办",
    "phone": "电话督办",
    "wechat": "微信督办",
    "written_letter": "书面通知督办",
    "onsite_coordination": "现场协调督办",
    "leader_dispatch": "领导调度督办",
}


@dataclass(frozen=True)
class Withdrawal:
    """A rule finding the facts no longer support, and why (in Chinese, with the article)."""

    key: str
    reason: str


@dataclass(frozen=True)
class Evaluation:
    drafts: tuple[FindingDraft, ...]
    withdrawals: tuple[Withdrawal, ...]


def evaluate_case(case: Case) -> Evaluation:
    """Every case-level rule on one case: what should stand, and what no longer does."""
    drafts: list[FindingDraft] = []
    withdrawals: list[Withdrawal] = []
    for handling_round in case.rounds:
        draft, withdrawal = rule_11_1(case, handling_round)
        drafts += draft
        withdrawals += withdrawal
        drafts += rule_11_3(case, handling_round)
        drafts += rule_11_4(case, handling_round)
        drafts += rule_11_5(case, handling_round)
        drafts += rule_11_8(case, handling_round)
    return Evaluation(tuple(drafts), tuple(withdrawals))


def accepted_justification(case: Case, round_n: int):  # noqa: ANN201 - a Justification or None
    return next(
        (j for j in case.justifications if j.round == round_n and j.decision is not None and j.decision.granted), None
    )


def signer(handling_round: HandlingRound, unit: str) -> str | None:
    return next((s.staff for s in handling_round.signatures if s.unit == unit), None)


def concerned(*staff: str | None) -> tuple[str, ...]:
    """The staff concerned, each once, in the order named: who signed, who replied, who was urged."""
    return tuple(dict.fromkeys(s for s in staff if s))


def _refs(case: Case, versions: Iterable[int | None]) -> tuple[BasisRef, ...]:
    return tuple(BasisRef(case_id=case.id, version=v) for v in sorted({v for v in versions if v}))


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _suggestions(case: Case) -> tuple[str, ...]:
    """Art. 12(1) may apply: the request was unclear and the requester asked for confidentiality."""
    return ("12(1)",) if case.unclear and case.confidential else ()


# ------------------------------------------------------------------ 11(1)


def rule_11_1(case: Case, handling_round: HandlingRound) -> tuple[list[FindingDraft], list[Withdrawal]]:
    """The lead unit urged at least twice in the round, more than 10 working days past the deadline, no justification.

    Only urgings addressed to the lead unit count: Art. 11(1) ("经两次催办后…仍未办结") is about the
    unit that was urged (a co-unit's own non-cooperation belongs to 11(4)).
    """
    deadline = handling_round.deadline
    unit = handling_round.lead_unit
    key = f"11(1)|{case.id}|{handling_round.n}"
    if deadline.mark_passed_at is None:
        return [], []
    urgings = [u for u in case.urgings if u.round == handling_round.n and u.unit == unit]
    if len(urgings) < URGINGS_BEFORE_11_1:
        reason = f"第十一条第（一）项不成立：办件{case.number}（第{handling_round.n}轮）承办单位{unit}被催办{len(urgings)}次，未经两次催办。"
        return [], [Withdrawal(key, reason)]
    justified = accepted_justification(case, handling_round.n)
    if justified is not None:
        reason = (
            f"第十一条第（一）项不再成立：{_day(justified.decision.at.date())}中心采纳了承办单位报告的正当理由"
            f"（第{justified.n}次说明）"
        )
        return [], [Withdrawal(key, reason)]
    first, second = urgings[0], urgings[1]
    due = deadline.lapsed_due_date or deadline.due_date
    description = (
        f"第十一条第（一）项：办件{case.number}（第{handling_round.n}轮）承办单位{unit}经两次催办（第{first.n}次"
        f"{METHOD_TEXT[first.method]}、第{second.n}次{METHOD_TEXT[second.method]}），至{_day(deadline.overdue_mark_date)}"
        f"仍超过办理时限（{_day(due)}）10个工作日，且未报告说明正当理由。"
    )
    draft = FindingDraft(
        clause="11(1)",
        key=key,
        subject=Subject(unit=unit),
        staff_concerned=concerned(signer(handling_round, unit), first.addressee, second.addressee),
        basis=_refs(case, [deadline.lapse_version, deadline.mark_version, first.version, second.version]),
        description=description,
        suggestions=_suggestions(case),
    )
    return [draft], []


# ------------------------------------------------------------------ 11(3)


def rule_11_3(case: Case, handling_round: HandlingRound) -> list[FindingDraft]:
    """An emergency case whose response deadline lapsed (a person records the harm)."""
    response = handling_round.response
    if response is None or response.lapsed_at is None:
        return []
    description = (
        f"第十一条第（三）项（待核实后果）：紧急类办件{case.number}要求于"
        f"{response.due_at.strftime('%Y-%m-%d %H:%M')}前响应，承办单位未能及时响应。"
    )
    return [
        FindingDraft(
            clause="11(3)",
            key=f"11(3)|{case.id}|{handling_round.n}",
            subject=Subject(unit=handling_round.lead_unit),
            staff_concerned=concerned(signer(handling_round, handling_round.lead_unit)),
            basis=_refs(case, [handling_round.version, response.lapse_version]),
            description=description,
            needs_harm=True,
            suggestions=_suggestions(case),
        )
    ]


# ------------------------------------------------------------------ 11(4)


def rule_11_4(case: Case, handling_round: HandlingRound) -> list[FindingDraft]:
    """A joint case that went overdue with the lead unit's unjustified return or a co-unit's non-cooperation."""
    lapse = handling_round.deadline.lapse_version
    if not handling_round.co_units or lapse is None:
        return []
    drafts = []
    for returned in case.returns:
        if returned.round == handling_round.n and returned.decision is not None and not returned.decision.granted:
            drafts.append(
                FindingDraft(
                    clause="11(4)",
                    key=f"11(4)|{case.id}|{handling_round.n}|{returned.unit}",
                    subject=Subject(unit=returned.unit),
                    staff_concerned=concerned(returned.staff),
                    basis=_refs(case, [returned.version, returned.decision.version, lapse]),
                    description=(
                        f"第十一条第（四）项（待核实）：联合办理事项{case.number}中，牵头单位{returned.unit}"
                        f"无正当理由退回推诿（{_day(returned.at.date())}退回，中心认定理由不成立），导致逾期办理。"
                    ),
                    needs_harm=True,
                )
            )
    for issue in case.cooperation_issues:
        if issue.round == handling_round.n:
            drafts.append(
                FindingDraft(
                    clause="11(4)",
                    key=f"11(4)|{case.id}|{handling_round.n}|{issue.unit}",
                    subject=Subject(unit=issue.unit),
                    staff_concerned=concerned(signer(handling_round, issue.unit)),
                    basis=_refs(case, [issue.version, lapse]),
                    description=(
                        f"第十一条第（四）项（待核实）：联合办理事项{case.number}中，协办单位{issue.unit}"
                        f"不配合牵头单位协调（{issue.note}），导致逾期办理。"
                    ),
                    needs_harm=True,
                )
            )
    return _merge_by_key(drafts)


# ------------------------------------------------------------------ 11(5)


def rule_11_5(case: Case, handling_round: HandlingRound) -> list[FindingDraft]:
    """A revisit found the reply did not match what was actually done (a person records the harm)."""
    reply = handling_round.reply
    if reply is None:
        return []
    mismatches = [r for r in case.revisits if r.round == handling_round.n and not r.reply_matches_facts]
    if not mismatches:
        return []
    revisit = mismatches[0]
    return [
        FindingDraft(
            clause="11(5)",
            key=f"11(5)|{case.id}|{handling_round.n}",
            subject=Subject(unit=reply.unit),
            staff_concerned=concerned(signer(handling_round, reply.unit), reply.staff),
            basis=_refs(case, [reply.version, revisit.version]),
            description=(
                f"第十一条第（五）项（待核实影响）：办件{case.number}（第{handling_round.n}轮）回访核实，"
                f"回复情况与实际办理结果不一致。"
            ),
            needs_harm=True,
            suggestions=_suggestions(case),
        )
    ]


# ------------------------------------------------------------------ 11(8)


def rule_11_8(case: Case, handling_round: HandlingRound) -> list[FindingDraft]:
    """A supervised (or leader-related, 6(1)) case not handled as the supervision required: an Art. 7 deadline lapsed."""
    by_unit: dict[str, list] = {}
    for urging in case.urgings:
        if urging.round == handling_round.n and urging.lapsed_at is not None:
            by_unit.setdefault(urging.unit, []).append(urging)
    leader = "领导调度件" if case.has_ground("6(1)") else "热线督办件"
    drafts = []
    for unit, lapsed in by_unit.items():
        listed = "、".join(f"第{u.n}次{METHOD_TEXT[u.method]}（要求{_day(u.due_date)}前办结）" for u in lapsed)
        drafts.append(
            FindingDraft(
                clause="11(8)",
                key=f"11(8)|{case.id}|{handling_round.n}|{unit}",
                subject=Subject(unit=unit),
                staff_concerned=concerned(signer(handling_round, unit), *(u.addressee for u in lapsed)),
                basis=_refs(case, [v for u in lapsed for v in (u.version, u.lapse_version)]),
                description=f"第十一条第（八）项：{leader}{case.number}未按督办要求处理：{listed}逾期未办结。",
                suggestions=_suggestions(case),
            )
        )
    return drafts


def _merge_by_key(drafts: list[FindingDraft]) -> list[FindingDraft]:
    """Drafts with one key (two rejected returns, two cooperation issues against one unit) are one finding."""
    merged: dict[str, FindingDraft] = {}
    for draft in drafts:
        earlier = merged.get(draft.key)
        if earlier is not None:
            basis = tuple(sorted(set(earlier.basis) | set(draft.basis), key=lambda b: b.version))
            draft = earlier.model_copy(update={"basis": basis, "staff_concerned": concerned(*earlier.staff_concerned, *draft.staff_concerned)})
        merged[draft.key] = draft
    return list(merged.values())


# ------------------------------------------------------------------ 11(2)


class OverdueFact(BaseModel):
    """One case's lapsed handling deadline, as counted for its unit and the month of its due date."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    number: str
    round: int
    due_date: date
    lapse_version: int
    justified: bool
    justification_version: int | None = None


def overdue_facts(case: Case) -> dict[tuple[str, str], list[OverdueFact]]:
    """The case's lapsed deadlines by (lead unit, month of the due date); a 03-31 deadline counts in March."""
    facts: dict[tuple[str, str], list[OverdueFact]] = {}
    for handling_round in case.rounds:
        deadline = handling_round.deadline
        if deadline.lapse_version is None:
            continue
        justified = accepted_justification(case, handling_round.n)
        due = deadline.lapsed_due_date or deadline.due_date
        month = month_of(due)
        facts.setdefault((handling_round.lead_unit, month), []).append(
            OverdueFact(
                case_id=case.id,
                number=case.number,
                round=handling_round.n,
                due_date=due,
                lapse_version=deadline.lapse_version,
                justified=justified is not None,
                justification_version=justified.decision.version if justified is not None else None,
            )
        )
    return facts


def rule_11_2(unit: str, month: str, facts: Iterable[OverdueFact]) -> FindingDraft | Withdrawal:
    """5 or more unjustified overdue cases whose due dates fall in one month: a finding on the unit for the month."""
    counted: dict[UUID, OverdueFact] = {}
    for fact in sorted(facts, key=lambda f: (f.due_date, f.round)):
        if not fact.justified and fact.case_id not in counted:
            counted[fact.case_id] = fact
    key = f"11(2)|{unit}|{month}"
    year, mon = month.split("-")
    if len(counted) < MONTHLY_THRESHOLD:
        return Withdrawal(
            key,
            f"第十一条第（二）项不再成立：{unit}于{year}年{int(mon)}月无正当理由逾期办件为{len(counted)}件，不足5件。",
        )
    numbers = "、".join(f.number for f in counted.values())
    return FindingDraft(
        clause="11(2)",
        key=key,
        subject=Subject(unit=unit),
        basis=tuple(
            sorted((BasisRef(case_id=f.case_id, version=f.lapse_version) for f in counted.values()), key=lambda b: (str(b.case_id), b.version))
        ),
        period=month,
        description=(
            f"第十一条第（二）项：{unit}于{year}年{int(mon)}月无正当理由逾期办件累计{len(counted)}件"
            f"（达到5件以上，含5件）：{numbers}。"
        ),
    )
