"""The accountability rules as pure functions of a case's events, on the real 2026 calendar.

Dates used below (State Council arrangement for 2026):
* a case dispatched Mon 09-28 with 5 working days is due Sat 10-10 (a make-up working day after the
  National Day week 10-01..10-07); it lapses at 24:00 of 10-10, and the Art. 11(1) mark (the 10th
  working day past it) is Fri 10-23, passed at 24:00: 10-24 00:00;
* a case due Tue 04-21 has its mark on Fri 05-08 (Labour Day 05-01..05-05 off); had its due date
  moved to 04-28, the mark would be 05-14 (Sat 05-09 is a make-up working day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from accountability.rules import OverdueFact, Withdrawal, evaluate_case, overdue_facts, rule_11_2
from cases import delays, handling, revisits, supervision
from cases.calendar import TZ
from cases.case import Case
from cases.events import OverdueMarkPassed
from cases.timefacts import record_due_facts
from tests.builders import AGENT, CALENDAR, CENTER, POLICY, dispatch, handler, new_case, signed_case, urge
from tests.conftest import later

MARK = datetime(2026, 10, 24, tzinfo=TZ)  # end of the 10th working day past the due date Sat 10-10


def drafts(case: Case, clause: str) -> list:
    return [d for d in evaluate_case(case).drafts if d.clause == clause]


def withdrawals(case: Case, clause: str) -> list[Withdrawal]:
    return [w for w in evaluate_case(case).withdrawals if w.key.startswith(f"{clause}|")]


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


def twice_urged() -> Case:
    case = signed_case()
    urge(case, at(10, 12))
    urge(case, at(10, 14), "written_letter")
    return case


def kinds(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.pending_events]


# ------------------------------------------------------------------ 11(1)


def test_11_1_not_on_the_10th_working_day_past_the_deadline_but_after_it() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK - timedelta(seconds=1), now=None)
    assert drafts(case, "11(1)") == []
    record_due_facts(case, until=MARK, now=None)
    (draft,) = drafts(case, "11(1)")
    assert draft.subject.unit == "U1" and draft.subject.staff is None
    assert draft.staff_concerned == ("U1-handler", "U1-leader")  # who signed; the leader both urgings were addressed to
    # 1 Accepted, 2 Dispatched, 3 Signed, 4 lapse (10-11 00:00), 5 Art. 6(3), 6 and 7 the urgings,
    # 8 and 9 their own lapses (10-15, 10-17), 10 the mark (10-24 00:00)
    assert [b.version for b in draft.basis] == [4, 6, 7, 10] and {b.case_id for b in draft.basis} == {case.id}
    assert draft.description == (
        f"第十一条第（一）项：办件{case.number}（第1轮）承办单位U1经两次催办（第1次短信督办、第2次书面通知督办），"
        "至2026年10月23日仍超过办理时限（2026年10月10日）10个工作日，且未报告说明正当理由。"
    )
    assert not draft.needs_harm and draft.suggestions == ()


def test_11_1_concerns_whoever_each_urging_was_addressed_to() -> None:
    case = signed_case()
    urge(case, at(10, 12), addressee="U1-deputy")
    urge(case, at(10, 14), "written_letter", addressee="U1-director")
    record_due_facts(case, until=MARK, now=None)
    (draft,) = drafts(case, "11(1)")
    assert draft.staff_concerned == ("U1-handler", "U1-deputy", "U1-director")


def test_11_1_needs_two_urgings_in_the_round() -> None:
    case = signed_case()
    urge(case, at(10, 12))
    record_due_facts(case, until=MARK, now=None)
    assert drafts(case, "11(1)") == []
    urge(case, MARK + timedelta(hours=9))  # the second urging, after the mark, completes it
    assert len(drafts(case, "11(1)")) == 1


def test_11_1_counts_only_the_urgings_addressed_to_the_lead_unit() -> None:
    case = dispatch(new_case(), co=("U2",))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    urge(case, at(10, 12), unit="U2")
    urge(case, at(10, 14), "written_letter", unit="U2")
    record_due_facts(case, until=MARK, now=None)
    assert drafts(case, "11(1)") == []  # urging the co-unit twice does not make the lead unit twice urged
    (withdrawal,) = withdrawals(case, "11(1)")
    assert "承办单位U1被催办0次" in withdrawal.reason
    urge(case, MARK + timedelta(hours=9), unit="U1")
    assert drafts(case, "11(1)") == []  # once is not twice
    urge(case, MARK + timedelta(hours=10), "phone", unit="U1")
    (draft,) = drafts(case, "11(1)")
    assert draft.subject.unit == "U1"
    assert "第3次短信督办、第4次电话督办" in draft.description
    assert [b.version for b in draft.basis if b.version in (case.urgings[0].version, case.urgings[1].version)] == []


def test_11_1_withdrawn_by_an_accepted_justification_not_by_a_rejected_one() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK, now=None)
    delays.report_justification(case, reason="court", now=MARK + timedelta(days=1), actor=handler("U1"))
    delays.decide_justification(case, 1, accepted=False, reason="no", now=MARK + timedelta(days=2), actor=CENTER)
    assert len(drafts(case, "11(1)")) == 1 and withdrawals(case, "11(1)") == []
    delays.report_justification(case, reason="court ruling attached", now=MARK + timedelta(days=3), actor=handler("U1"))
    delays.decide_justification(case, 2, accepted=True, reason="fair", now=MARK + timedelta(days=4), actor=CENTER)
    assert drafts(case, "11(1)") == []
    (withdrawal,) = withdrawals(case, "11(1)")
    assert withdrawal.key == f"11(1)|{case.id}|1" and "2026年10月28日中心采纳了承办单位报告的正当理由（第2次说明）" in withdrawal.reason


def test_urgings_of_an_earlier_round_do_not_count() -> None:
    case = signed_case()
    urge(case, later(1))
    urge(case, later(2))
    handling.reply(case, content="x", outcome="resolved", now=later(3), actor=handler("U1"))
    revisits.redo(case, reason="again", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(4), actor=CENTER)
    record_due_facts(case, until=datetime(2026, 11, 30, tzinfo=TZ), now=None)
    assert case.current_round.deadline.mark_passed_at is not None
    assert drafts(case, "11(1)") == []


def test_a_redone_case_keeps_the_findings_of_every_round() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK, now=None)
    handling.reply(case, content="late", outcome="resolved", now=MARK + timedelta(hours=10), actor=handler("U1"))
    revisits.redo(case, reason="unsatisfied", working_days=3, policy=POLICY, calendar=CALENDAR, now=at(10, 26), actor=CENTER)
    urge(case, at(11, 2))
    urge(case, at(11, 3), "phone")
    record_due_facts(case, until=datetime(2026, 11, 30, tzinfo=TZ), now=None)
    assert [d.key.split("|")[2] for d in drafts(case, "11(1)")] == ["1", "2"]
    assert [d.key.split("|")[2] for d in drafts(case, "11(8)")] == ["1", "2"]
    months = overdue_facts(case)
    assert sorted(months) == [("U1", "2026-10")] and [f.round for f in months[("U1", "2026-10")]] == [1, 2]  # round 2 due 10-29


def test_the_withdrawals_of_every_round_stand() -> None:
    case = signed_case()
    record_due_facts(case, until=MARK, now=None)  # round 1: marked, never urged
    handling.reply(case, content="late", outcome="resolved", now=at(10, 26), actor=handler("U1"))
    revisits.redo(case, reason="unsatisfied", working_days=3, policy=POLICY, calendar=CALENDAR, now=at(10, 26, 11), actor=CENTER)
    urge(case, at(11, 2))
    record_due_facts(case, until=datetime(2026, 11, 30, tzinfo=TZ), now=None)  # round 2: marked, urged once
    assert [w.key.split("|")[2] for w in withdrawals(case, "11(1)")] == ["1", "2"]


def test_a_lapse_in_a_later_round_counts_though_the_first_was_met() -> None:
    case = signed_case()
    handling.reply(case, content="in time", outcome="resolved", now=at(9, 29), actor=handler("U1"))
    revisits.redo(case, reason="unsatisfied", working_days=3, policy=POLICY, calendar=CALENDAR, now=at(9, 30), actor=CENTER)
    record_due_facts(case, until=at(10, 31), now=None)
    ((key, (counted,)),) = overdue_facts(case).items()
    assert key == ("U1", "2026-10") and counted.round == 2 and counted.due_date == date(2026, 10, 10)  # 10-08, 10-09, 10-10


# ------------------------------------------------------------------ a late extension


def late_approval_case(dispatched: datetime, approved: datetime, *, requested: datetime, days: int = 5) -> Case:
    case = new_case(dispatched)
    dispatch(case, dispatched, working_days=5)
    handling.sign(case, now=dispatched + timedelta(hours=1), actor=handler("U1"))
    delays.request_extension(case, working_days=days, reason="survey", now=requested, actor=handler("U1"))
    record_due_facts(case, until=approved, now=None)
    delays.decide_extension(case, 1, approved=True, reason="late", calendar=CALENDAR, now=approved, actor=CENTER)
    return case


def test_an_approval_after_the_lapse_but_before_the_mark_does_not_move_the_mark() -> None:
    case = late_approval_case(at(4, 14), at(4, 23), requested=at(4, 20))
    deadline = case.current_round.deadline
    assert deadline.lapsed_due_date == date(2026, 4, 21) and deadline.due_date == date(2026, 4, 28)  # the new date shows
    assert deadline.overdue_mark_date == date(2026, 5, 8)  # counted from the lapsed due date, not 05-14
    record_due_facts(case, until=datetime(2026, 5, 31, tzinfo=TZ), now=None)
    marks = [e for e in case.pending_events if isinstance(e, OverdueMarkPassed)]
    assert [(m.mark_date, m.at) for m in marks] == [(date(2026, 5, 8), datetime(2026, 5, 9, tzinfo=TZ))]
    assert kinds(case).count("HandlingDeadlineLapsed") == 1  # the new date passing is no second lapse


def test_an_approval_after_the_mark_leaves_the_finding_as_it_was() -> None:
    case = signed_case()
    delays.request_extension(case, working_days=5, reason="survey", now=at(10, 9), actor=handler("U1"))
    urge(case, at(10, 12))
    urge(case, at(10, 14), "written_letter")
    record_due_facts(case, until=MARK, now=None)
    (before,) = drafts(case, "11(1)")
    delays.decide_extension(case, 1, approved=True, reason="late", calendar=CALENDAR, now=at(10, 26), actor=CENTER)
    record_due_facts(case, until=datetime(2026, 11, 30, tzinfo=TZ), now=None)
    assert kinds(case).count("OverdueMarkPassed") == 1
    assert drafts(case, "11(1)") == [before]  # same basis, same description, the lapsed due date 10-10
    assert case.current_round.deadline.due_date == date(2026, 10, 16)


def test_a_late_approval_counts_in_the_month_of_the_lapsed_due_date_and_is_not_a_justification() -> None:
    case = late_approval_case(at(3, 24, 9), at(4, 2, 9), requested=at(3, 30, 9))
    assert case.current_round.deadline.due_date == date(2026, 4, 8)
    ((key, (counted,)),) = overdue_facts(case).items()
    assert key == ("U1", "2026-03") and counted.due_date == date(2026, 3, 31) and not counted.justified


def test_an_extension_approved_before_the_deadline_means_no_lapse_of_the_old_date() -> None:
    case = new_case(at(3, 24, 9))
    dispatch(case, at(3, 24, 9))
    handling.sign(case, now=at(3, 24), actor=handler("U1"))
    delays.request_extension(case, working_days=5, reason="survey", now=at(3, 30, 9), actor=handler("U1"))
    delays.decide_extension(case, 1, approved=True, reason="ok", calendar=CALENDAR, now=at(3, 31, 9), actor=CENTER)
    assert case.current_round.deadline.overdue_mark_date == date(2026, 4, 22)  # moved with the due date 04-08
    record_due_facts(case, until=datetime(2026, 4, 8, 23, 0, tzinfo=TZ), now=None)
    assert overdue_facts(case) == {}


# ------------------------------------------------------------------ 11(2)


def fact(due: date, *, justified: bool = False, number: str | None = None) -> OverdueFact:
    case_id = UUID(int=(40 - due.day) * 1000 + due.month)  # ids that sort against the due dates
    return OverdueFact(case_id=case_id, number=number or f"N{due:%m%d}", round=1, due_date=due, lapse_version=4, justified=justified)


def test_11_2_five_unjustified_in_a_month_not_four() -> None:
    four = [fact(date(2026, 10, d)) for d in (9, 10, 12, 13)]
    verdict = rule_11_2("U1", "2026-10", four)
    assert isinstance(verdict, Withdrawal) and verdict.reason == "第十一条第（二）项不再成立：U1于2026年10月无正当理由逾期办件为4件，不足5件。"
    assert verdict.key == "11(2)|U1|2026-10"
    five = [*four, fact(date(2026, 10, 31))]
    draft = rule_11_2("U1", "2026-10", five)
    assert not isinstance(draft, Withdrawal)
    assert (draft.clause, draft.period, draft.subject.unit, draft.subject.staff, draft.key) == ("11(2)", "2026-10", "U1", None, "11(2)|U1|2026-10")
    assert [b.case_id for b in draft.basis] == sorted((f.case_id for f in five), key=str)  # a stable order, by case
    assert draft.description == (
        "第十一条第（二）项：U1于2026年10月无正当理由逾期办件累计5件（达到5件以上，含5件）：N1009、N1010、N1012、N1013、N1031。"
    )


def test_11_2_justified_cases_do_not_count_and_a_case_counts_once() -> None:
    facts = [fact(date(2026, 10, d)) for d in (9, 10, 12, 13)] + [fact(date(2026, 10, 14), justified=True)]
    assert isinstance(rule_11_2("U1", "2026-10", facts), Withdrawal)
    twice = facts[0].model_copy(update={"round": 2, "due_date": date(2026, 10, 20)})
    assert isinstance(rule_11_2("U1", "2026-10", [*facts, twice]), Withdrawal)  # one case, two rounds: one case
    assert not isinstance(rule_11_2("U1", "2026-10", [*facts, fact(date(2026, 10, 30))]), Withdrawal)


def test_a_deadline_due_on_the_last_day_of_a_month_counts_in_that_month() -> None:
    case = new_case(at(3, 24, 9))
    dispatch(case, at(3, 24, 9))
    assert case.current_round.deadline.due_date == date(2026, 3, 31)
    record_due_facts(case, until=datetime(2026, 4, 1, 0, 0, tzinfo=TZ), now=None)
    facts = overdue_facts(case)
    assert list(facts) == [("U1", "2026-03")]
    assert facts[("U1", "2026-03")][0].due_date == date(2026, 3, 31)


def test_an_accepted_justification_marks_the_overdue_fact_justified() -> None:
    case = signed_case()
    record_due_facts(case, until=at(10, 12), now=None)
    delays.report_justification(case, reason="court", now=at(10, 12), actor=handler("U1"))
    (before,) = overdue_facts(case)[("U1", "2026-10")]
    delays.decide_justification(case, 1, accepted=True, reason="fair", now=at(10, 13), actor=CENTER)
    (after,) = overdue_facts(case)[("U1", "2026-10")]
    assert not before.justified and after.justified and after.justification_version == case.justifications[0].decision.version


# ------------------------------------------------------------------ 11(3), 11(4), 11(5), 11(8)


def test_11_8_a_supervision_deadline_lapsed_unmet() -> None:
    case = signed_case()
    urge(case, at(9, 30, 15))
    assert drafts(case, "11(8)") == []
    record_due_facts(case, until=at(10, 10, 0), now=None)
    (draft,) = drafts(case, "11(8)")
    urging = case.urgings[0]
    assert urging.due_date == date(2026, 10, 9)  # 2 working days after 09-30: 10-08, 10-09
    assert [b.version for b in draft.basis] == [urging.version, urging.lapse_version]
    assert (draft.subject.unit, draft.staff_concerned) == ("U1", ("U1-handler", "U1-leader"))
    assert draft.description == f"第十一条第（八）项：热线督办件{case.number}未按督办要求处理：第1次短信督办（要求2026年10月9日前办结）逾期未办结。"


def test_11_8_on_a_leader_case_and_not_when_the_urging_was_met() -> None:
    case = dispatch(new_case(flags=("leader_involved",)))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    urge(case, later(1))
    record_due_facts(case, until=later(20), now=None)
    assert drafts(case, "11(8)")[0].description == (
        f"第十一条第（八）项：领导调度件{case.number}未按督办要求处理：第1次短信督办（要求2026年10月8日前办结）逾期未办结。"
    )
    met = signed_case()
    urge(met, later(1))
    handling.reply(met, content="x", outcome="resolved", now=later(1, 2), actor=handler("U1"))
    record_due_facts(met, until=later(20), now=None)
    assert drafts(met, "11(8)") == []


def test_11_8_one_finding_per_unit_whose_basis_grows_with_each_lapse() -> None:
    case = dispatch(new_case(), co=("U2",))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    urge(case, at(10, 12))
    urge(case, at(10, 16), unit="U2")
    urge(case, at(10, 19), "phone")
    record_due_facts(case, until=at(10, 31), now=None)
    by_unit = {d.subject.unit: d for d in drafts(case, "11(8)")}
    assert sorted(by_unit) == ["U1", "U2"]
    assert by_unit["U1"].description.endswith("第1次短信督办（要求2026年10月14日前办结）、第3次电话督办（要求2026年10月21日前办结）逾期未办结。")
    assert [b.version for b in by_unit["U1"].basis] == sorted(
        v for u in case.urgings if u.unit == "U1" for v in (u.version, u.lapse_version)
    )
    assert by_unit["U2"].staff_concerned == ("U2-leader",)  # U2 never signed; its leader was urged


def test_11_3_an_emergency_not_responded_in_time_needs_the_harm() -> None:
    case = dispatch(new_case(urgency="emergency"))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    record_due_facts(case, until=later(hours=3), now=None)
    (draft,) = drafts(case, "11(3)")
    assert draft.needs_harm and (draft.subject.unit, draft.staff_concerned) == ("U1", ("U1-handler",))
    assert draft.description == f"第十一条第（三）项（待核实后果）：紧急类办件{case.number}要求于2026-09-28 11:00前响应，承办单位未能及时响应。"
    assert [b.version for b in draft.basis] == [2, case.current_round.response.lapse_version]
    responded = dispatch(new_case(urgency="emergency"))
    handling.respond(responded, note="on site", now=later(hours=1), actor=handler("U1"))
    record_due_facts(responded, until=later(hours=3), now=None)
    assert drafts(responded, "11(3)") == []


def joint(*, co: tuple[str, ...] = ("U2",)) -> Case:
    case = dispatch(new_case(), co=co)
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    handling.sign(case, now=later(hours=2), actor=handler("U2"))
    return case


def test_11_4_a_co_unit_that_did_not_cooperate_in_a_joint_case_that_went_overdue() -> None:
    case = joint()
    supervision.record_cooperation_issue(case, unit="U2", note="did not come", now=later(2), actor=handler("U1"))
    supervision.record_cooperation_issue(case, unit="U2", note="did not come again", now=later(3), actor=handler("U1"))
    assert drafts(case, "11(4)") == []  # not overdue yet
    record_due_facts(case, until=later(14), now=None)
    (draft,) = drafts(case, "11(4)")
    lapse = case.current_round.deadline.lapse_version
    assert (draft.subject.unit, draft.staff_concerned, draft.needs_harm) == ("U2", ("U2-handler",), True)
    assert [b.version for b in draft.basis] == sorted([case.cooperation_issues[0].version, case.cooperation_issues[1].version, lapse])


def test_11_4_the_lead_unit_that_passed_the_buck_in_a_joint_case() -> None:
    buck = dispatch(new_case(), co=("U2",))
    handling.return_dispatch(buck, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(buck, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    record_due_facts(buck, until=later(14), now=None)
    (lead,) = drafts(buck, "11(4)")
    assert (lead.subject.unit, lead.subject.staff, lead.staff_concerned, lead.needs_harm) == ("U1", None, ("U1-handler",), True)
    assert "牵头单位U1无正当理由退回推诿" in lead.description


def test_11_4_two_rejected_returns_by_two_handlers_are_one_finding_concerning_both() -> None:
    case = dispatch(new_case(), co=("U2",))
    for hour, staff in ((1, "U1-handler"), (3, "U1-other")):
        handling.return_dispatch(case, reason="not ours", now=later(1, hour), actor=Actor_reply(staff))
        handling.decide_return(case, len(case.returns), accepted=False, reason="yours", now=later(1, hour + 1), actor=CENTER)
    record_due_facts(case, until=later(14), now=None)
    (draft,) = drafts(case, "11(4)")
    assert draft.staff_concerned == ("U1-handler", "U1-other")
    assert len(draft.basis) == 5  # two returns, two decisions, the lapse


def test_11_4_not_for_a_return_granted_after_the_lapse_nor_one_rejected_in_an_earlier_round() -> None:
    late = joint()
    record_due_facts(late, until=later(14), now=None)
    handling.return_dispatch(late, reason="not ours", now=later(14, 1), actor=handler("U1"))
    handling.decide_return(late, 1, accepted=True, reason="right", now=later(14, 2), actor=CENTER)
    assert late.rounds[0].deadline.lapse_version is not None and drafts(late, "11(4)") == []
    earlier = dispatch(new_case(), co=("U2",))
    handling.return_dispatch(earlier, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(earlier, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    handling.sign(earlier, now=later(1, 2), actor=handler("U1"))
    handling.reply(earlier, content="x", outcome="resolved", now=later(2), actor=handler("U1"))
    revisits.redo(earlier, reason="again", working_days=1, policy=POLICY, calendar=CALENDAR, now=later(3), actor=CENTER)
    record_due_facts(earlier, until=later(20), now=None)
    assert earlier.current_round.deadline.lapse_version is not None and drafts(earlier, "11(4)") == []


def test_11_4_not_for_a_granted_return_another_round_or_a_single_unit() -> None:
    granted = dispatch(new_case(), co=("U2",))
    handling.return_dispatch(granted, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(granted, 1, accepted=True, reason="right", now=later(1, 1), actor=CENTER)
    dispatch(granted, later(2), lead="U3", co=("U2",))
    record_due_facts(granted, until=later(20), now=None)
    assert granted.current_round.deadline.lapsed_at is not None and drafts(granted, "11(4)") == []
    earlier = joint()
    supervision.record_cooperation_issue(earlier, unit="U2", note="absent", now=later(1), actor=handler("U1"))
    handling.reply(earlier, content="x", outcome="resolved", now=later(2), actor=handler("U1"))
    revisits.redo(earlier, reason="again", working_days=1, policy=POLICY, calendar=CALENDAR, now=later(3), actor=CENTER)
    record_due_facts(earlier, until=later(20), now=None)
    assert earlier.current_round.deadline.lapsed_at is not None and drafts(earlier, "11(4)") == []
    single = dispatch(new_case())
    handling.return_dispatch(single, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(single, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    record_due_facts(single, until=later(14), now=None)
    assert drafts(single, "11(4)") == []  # not a joint case


def test_11_5_a_reply_that_does_not_match_the_facts() -> None:
    case = signed_case()
    handling.reply(case, content="fixed", outcome="resolved", now=later(1), actor=Actor_reply("U1-replier"))
    revisits.revisit(case, satisfied=True, reply_matches_facts=False, note="nothing was done", satisfaction=None, now=later(2), actor=AGENT)
    (draft,) = drafts(case, "11(5)")
    assert (draft.subject.unit, draft.staff_concerned, draft.needs_harm) == ("U1", ("U1-handler", "U1-replier"), True)
    assert [b.version for b in draft.basis] == [case.current_round.reply.version, case.revisits[0].version]
    matching = signed_case()
    handling.reply(matching, content="fixed", outcome="resolved", now=later(1), actor=handler("U1"))
    revisits.revisit(matching, satisfied=False, reply_matches_facts=True, note="unhappy but true", satisfaction=None, now=later(2), actor=AGENT)
    assert drafts(matching, "11(5)") == []


def Actor_reply(staff: str):  # noqa: ANN201, N802 - another handler of U1
    from foundation.actors import Actor

    return Actor(staff=staff, unit="U1", roles=("unit_handler",))


# ------------------------------------------------------------------ 12(1)


def _eleven_one(case: Case) -> None:
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    urge(case, at(10, 12))
    urge(case, at(10, 14))
    record_due_facts(case, until=MARK, now=None)


def _eleven_three(case: Case) -> None:
    record_due_facts(case, until=later(hours=3), now=None)


def _eleven_five(case: Case) -> None:
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U1"))
    revisits.revisit(case, satisfied=True, reply_matches_facts=False, note="", satisfaction=None, now=later(2), actor=AGENT)


@pytest.mark.parametrize(("clause", "steps"), [("11(1)", _eleven_one), ("11(3)", _eleven_three), ("11(5)", _eleven_five), ("11(8)", _eleven_one)])
@pytest.mark.parametrize(("confidential", "unclear", "expected"), [(True, True, ("12(1)",)), (True, False, ()), (False, True, ())])
def test_12_1_is_suggested_for_an_unclear_confidential_request(clause: str, steps, confidential: bool, unclear: bool, expected: tuple) -> None:  # noqa: ANN001
    case = dispatch(new_case(confidential=confidential, unclear=unclear, urgency="emergency"))
    steps(case)
    (draft, *_) = drafts(case, clause)
    assert draft.suggestions == expected
