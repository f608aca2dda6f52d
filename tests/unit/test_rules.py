"""The accountability rules as pure functions of a case's events and real calendar dates."""

from __future__ import annotations

from cases import delays, handling, revisits, supervision
from cases.timefacts import record_due_facts
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from accountability.rules import OverdueFact, Withdrawal, evaluate_case, overdue_facts, rule_11_2
from foundation.aggregate import project
from cases.calendar import TZ
from tests.builders import AGENT, CALENDAR, CENTER, POLICY, dispatch, handler, new_case, signed_case, urge
from tests.conftest import later

MARK = datetime(2026, 10, 24, tzinfo=TZ)  # end of the 10th working day past the due date Sat 10-10


def drafts(case, clause: str):  # noqa: ANN001, ANN201
    return [d for d in evaluate_case(case).drafts if d.clause == clause]


def twice_urged() -> object:
    case = signed_case()
    urge(case, datetime(2026, 10, 12, 10, tzinfo=TZ))
    urge(case, datetime(2026, 10, 14, 10, tzinfo=TZ), "written_letter")
    return case


def test_11_1_not_on_the_10th_working_day_past_the_deadline_but_after_it() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK - timedelta(seconds=1), now=None)
    assert drafts(case, "11(1)") == []
    record_due_facts(case, until=MARK, now=None)
    (draft,) = drafts(case, "11(1)")
    assert draft.subject.unit == "U1" and draft.subject.staff == "U1-handler"
    deadline = case.current_round.deadline
    versions = sorted([deadline.lapse_version, deadline.mark_version, case.urgings[0].version, case.urgings[1].version])
    assert [b.version for b in draft.basis] == versions and {b.case_id for b in draft.basis} == {case.id}
    assert draft.description.startswith("第十一条第（一）项：")
    assert "2026年10月10日" in draft.description and not draft.needs_harm


def test_11_1_needs_two_urgings_in_the_round() -> None:
    case = signed_case()
    urge(case, datetime(2026, 10, 12, 10, tzinfo=TZ))
    record_due_facts(case, until=MARK, now=None)
    assert drafts(case, "11(1)") == []
    urge(case, MARK + timedelta(hours=9))  # the second urging, after the mark, completes it
    assert len(drafts(case, "11(1)")) == 1


def test_11_1_withdrawn_by_an_accepted_justification_not_by_a_rejected_one() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK, now=None)
    delays.report_justification(case, reason="court", now=MARK + timedelta(days=1), actor=handler("U1"))
    delays.decide_justification(case, 1, accepted=False, reason="no", now=MARK + timedelta(days=2), actor=CENTER)
    assert len(drafts(case, "11(1)")) == 1
    delays.report_justification(case, reason="court ruling attached", now=MARK + timedelta(days=3), actor=handler("U1"))
    delays.decide_justification(case, 2, accepted=True, reason="fair", now=MARK + timedelta(days=4), actor=CENTER)
    evaluation = evaluate_case(case)
    assert [d for d in evaluation.drafts if d.clause == "11(1)"] == []
    (withdrawal,) = evaluation.withdrawals
    assert withdrawal.key == f"11(1)|{case.id}|1" and "正当理由" in withdrawal.reason


def test_urgings_of_an_earlier_round_do_not_count() -> None:
    case = signed_case()
    urge(case, later(1))
    urge(case, later(2))
    handling.reply(case, content="x", outcome="resolved", now=later(3), actor=handler("U1"))
    revisits.redo(case, reason="again", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(4), actor=CENTER)
    record_due_facts(case, until=datetime(2026, 11, 30, tzinfo=TZ), now=None)
    assert case.current_round.deadline.mark_passed_at is not None
    assert drafts(case, "11(1)") == []


def test_the_same_rule_runs_on_the_events_alone() -> None:
    case = twice_urged()
    record_due_facts(case, until=MARK, now=None)
    assert evaluate_case(project(case.pending_events)).drafts == evaluate_case(case).drafts


def fact(due: date, *, justified: bool = False) -> OverdueFact:
    return OverdueFact(case_id=uuid4(), number=f"N{due}", round=1, due_date=due, lapse_version=4, justified=justified)


def test_11_2_five_unjustified_in_a_month_not_four() -> None:
    four = [fact(date(2026, 10, d)) for d in (9, 10, 12, 13)]
    verdict = rule_11_2("U1", "2026-10", four)
    assert isinstance(verdict, Withdrawal) and "4件" in verdict.reason
    five = [*four, fact(date(2026, 10, 31))]
    draft = rule_11_2("U1", "2026-10", five)
    assert not isinstance(draft, Withdrawal)
    assert (draft.clause, draft.period, draft.subject.unit, draft.subject.staff) == ("11(2)", "2026-10", "U1", None)
    assert len(draft.basis) == 5 and "累计5件" in draft.description and "2026年10月" in draft.description


def test_11_2_justified_cases_do_not_count() -> None:
    facts = [fact(date(2026, 10, d)) for d in (9, 10, 12, 13)] + [fact(date(2026, 10, 14), justified=True)]
    assert isinstance(rule_11_2("U1", "2026-10", facts), Withdrawal)


def test_a_deadline_due_on_the_last_day_of_a_month_counts_in_that_month() -> None:
    case = new_case(datetime(2026, 3, 24, 9, tzinfo=TZ))
    dispatch(case, datetime(2026, 3, 24, 9, tzinfo=TZ))
    assert case.current_round.deadline.due_date == date(2026, 3, 31)
    record_due_facts(case, until=datetime(2026, 4, 1, 0, 0, tzinfo=TZ), now=None)
    facts = overdue_facts(case)
    assert list(facts) == [("U1", "2026-03")]
    assert facts[("U1", "2026-03")][0].due_date == date(2026, 3, 31)


def test_an_extension_approved_after_the_deadline_does_not_justify_or_move_the_month() -> None:
    case = new_case(datetime(2026, 3, 24, 9, tzinfo=TZ))
    dispatch(case, datetime(2026, 3, 24, 9, tzinfo=TZ))
    handling.sign(case, now=datetime(2026, 3, 24, 10, tzinfo=TZ), actor=handler("U1"))
    delays.request_extension(case, working_days=5, reason="survey", now=datetime(2026, 3, 30, 9, tzinfo=TZ), actor=handler("U1"))
    delays.decide_extension(case, 1, approved=True, reason="late", calendar=CALENDAR, now=datetime(2026, 4, 2, 9, tzinfo=TZ), actor=CENTER)
    assert case.current_round.deadline.due_date == date(2026, 4, 8)
    ((key, (counted,)),) = overdue_facts(case).items()
    assert key == ("U1", "2026-03") and not counted.justified


def test_an_extension_approved_before_the_deadline_means_no_lapse_of_the_old_date() -> None:
    case = new_case(datetime(2026, 3, 24, 9, tzinfo=TZ))
    dispatch(case, datetime(2026, 3, 24, 9, tzinfo=TZ))
    handling.sign(case, now=datetime(2026, 3, 24, 10, tzinfo=TZ), actor=handler("U1"))
    delays.request_extension(case, working_days=5, reason="survey", now=datetime(2026, 3, 30, 9, tzinfo=TZ), actor=handler("U1"))
    delays.decide_extension(case, 1, approved=True, reason="ok", calendar=CALENDAR, now=datetime(2026, 3, 31, 9, tzinfo=TZ), actor=CENTER)
    record_due_facts(case, until=datetime(2026, 4, 8, 23, 0, tzinfo=TZ), now=None)
    assert overdue_facts(case) == {}


def test_11_8_a_supervision_deadline_lapsed_unmet() -> None:
    case = signed_case()
    urge(case, datetime(2026, 9, 30, 15, tzinfo=TZ))
    assert drafts(case, "11(8)") == []
    record_due_facts(case, until=datetime(2026, 10, 10, tzinfo=TZ), now=None)
    (draft,) = drafts(case, "11(8)")
    urging = case.urgings[0]
    assert [b.version for b in draft.basis] == [urging.version, urging.lapse_version]
    assert "热线督办件" in draft.description and "短信督办" in draft.description


def test_11_8_on_a_leader_case_and_not_when_the_urging_was_met() -> None:
    case = dispatch(new_case(flags=("leader_involved",)))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    urge(case, later(1))
    record_due_facts(case, until=later(20), now=None)
    assert "领导调度件" in drafts(case, "11(8)")[0].description
    met = signed_case()
    urge(met, later(1))
    handling.reply(met, content="x", outcome="resolved", now=later(1, 2), actor=handler("U1"))
    record_due_facts(met, until=later(20), now=None)
    assert drafts(met, "11(8)") == []


def test_11_3_an_emergency_not_responded_in_time_needs_the_harm() -> None:
    case = dispatch(new_case(urgency="emergency"))
    record_due_facts(case, until=later(hours=3), now=None)
    (draft,) = drafts(case, "11(3)")
    assert draft.needs_harm and draft.subject.unit == "U1"
    responded = dispatch(new_case(urgency="emergency"))
    handling.respond(responded, note="on site", now=later(hours=1), actor=handler("U1"))
    record_due_facts(responded, until=later(hours=3), now=None)
    assert drafts(responded, "11(3)") == []


def test_11_4_joint_case_overdue_after_non_cooperation_or_buck_passing() -> None:
    case = dispatch(new_case(), co=("U2",))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    supervision.record_cooperation_issue(case, unit="U2", note="did not come", now=later(2), actor=handler("U1"))
    assert drafts(case, "11(4)") == []  # not overdue yet
    record_due_facts(case, until=later(14), now=None)
    (draft,) = drafts(case, "11(4)")
    assert draft.subject.unit == "U2" and draft.needs_harm
    buck = dispatch(new_case(), co=("U2",))
    handling.return_dispatch(buck, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(buck, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    record_due_facts(buck, until=later(14), now=None)
    (lead,) = drafts(buck, "11(4)")
    assert lead.subject.unit == "U1" and lead.subject.staff == "U1-handler"
    single = dispatch(new_case())
    handling.return_dispatch(single, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(single, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    record_due_facts(single, until=later(14), now=None)
    assert drafts(single, "11(4)") == []  # not a joint case


def test_11_5_a_reply_that_does_not_match_the_facts() -> None:
    case = signed_case()
    handling.reply(case, content="fixed", outcome="resolved", now=later(1), actor=handler("U1"))
    revisits.revisit(case, satisfied=True, reply_matches_facts=False, note="nothing was done", satisfaction=None, now=later(2), actor=AGENT)
    (draft,) = drafts(case, "11(5)")
    assert draft.subject.staff == "U1-handler" and draft.needs_harm
    assert [b.version for b in draft.basis] == [case.current_round.reply.version, case.revisits[0].version]


@pytest.mark.parametrize(("confidential", "unclear", "expected"), [(True, True, ("12(1)",)), (True, False, ()), (False, True, ())])
def test_12_1_is_suggested_for_an_unclear_confidential_request(confidential: bool, unclear: bool, expected: tuple) -> None:
    case = dispatch(new_case(confidential=confidential, unclear=unclear, urgency="emergency"))
    record_due_facts(case, until=later(hours=3), now=None)
    assert drafts(case, "11(3)")[0].suggestions == expected
