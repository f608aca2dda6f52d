"""Supervision (Art. 5-7, 17) on the case aggregate."""

from cases import escalation, handling, supervision
from cases.timefacts import record_due_facts
from datetime import date, datetime, timedelta

import pytest

from cases.calendar import TZ
from foundation.errors import Forbidden, InvalidInput, NotAllowedNow
from cases.values import SignedShare
from tests.builders import CALENDAR, CENTER, CITY, REGISTRY, dispatch, handler, new_case, signed_case, urge
from tests.conftest import later


def fields(refusal: InvalidInput) -> list[str]:
    return [e.field for e in refusal.errors]


@pytest.mark.parametrize(("method", "article"), [("sms", "7(1)"), ("phone", "7(1)"), ("wechat", "7(1)"), ("written_letter", "7(2)")])
def test_computed_methods_are_due_two_working_days_after_receipt(method: str, article: str) -> None:
    case = signed_case()
    urge(case, datetime(2026, 9, 30, 10, tzinfo=TZ), method)
    urging = case.urgings[0]
    assert (urging.article, urging.due_date) == (article, date(2026, 10, 9))
    assert urging.rule.startswith(f"Art. {article}: finish within 2 working days of receipt on 2026-09-30")
    assert urging.addressee == "U1-leader"  # the unit's responsible leader


def test_computed_methods_refuse_a_due_date() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "sms", due_date=date(2026, 10, 20))
    assert fields(refused.value) == ["due_date"]


def test_a_later_receipt_counts_from_the_receipt() -> None:
    case = signed_case()
    urge(case, datetime(2026, 9, 29, 10, tzinfo=TZ), "written_letter", received_at=datetime(2026, 9, 30, 9, tzinfo=TZ))
    assert case.urgings[0].due_date == date(2026, 10, 9)
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(2), "sms", received_at=later(1))
    assert fields(refused.value) == ["received_at"]


def test_onsite_coordination_needs_the_signed_sheet_and_an_agreed_date() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "onsite_coordination")
    assert fields(refused.value) == ["due_date", "signed_by"]
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "onsite_coordination", due_date=date(2026, 10, 16), signed_by=[SignedShare(unit="U2", share="assist")])
    assert fields(refused.value) == ["signed_by"]  # the urged unit did not sign
    urge(
        case,
        later(1),
        "onsite_coordination",
        due_date=date(2026, 10, 16),
        signed_by=[SignedShare(unit="U1", share="lead the fix"), SignedShare(unit="U2", share="enforcement")],
    )
    urging = case.urgings[0]
    assert (urging.article, urging.due_date, urging.calendar_version) == ("7(3)", date(2026, 10, 16), None)
    assert [s.share for s in urging.signed_by] == ["lead the fix", "enforcement"]


def test_leader_dispatch_needs_the_instruction_and_makes_it_a_6_1_case() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "leader_dispatch", due_date=date(2026, 10, 15))
    assert fields(refused.value) == ["instruction"]
    urge(case, later(1), "leader_dispatch", due_date=date(2026, 10, 15), instruction="solve within a week", leader="Vice Mayor Wang")
    assert case.urgings[0].article == "7(4)"
    assert case.has_ground("6(1)")


def test_a_due_date_in_the_past_is_refused() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(5), "leader_dispatch", due_date=date(2026, 9, 29), instruction="x")
    assert fields(refused.value) == ["due_date"]


def test_the_urged_unit_must_be_on_the_case() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), unit="U3")
    assert fields(refused.value) == ["unit"]
    assert case.urgings == ()


def test_no_urging_before_dispatch_or_after_reply() -> None:
    case = new_case()
    with pytest.raises(NotAllowedNow):
        supervision.urge(case, method="sms", unit="U1", note="", due_date=None, signed_by=[], instruction=None, leader=None, addressee=None, received_at=None, registry=REGISTRY, calendar=CALENDAR, now=later(1), actor=CENTER)


def test_6_5_is_recorded_by_hand_with_a_reason_and_other_grounds_are_not() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput):
        supervision.supervise(case, "6(3)", "because", now=later(1), actor=CENTER)
    with pytest.raises(InvalidInput) as refused:
        supervision.supervise(case, "6(5)", " ", now=later(1), actor=CENTER)
    assert fields(refused.value) == ["reason"]
    supervision.supervise(case, "6(5)", "media attention", now=later(1), actor=CITY)
    assert case.grounds[-1].ground == "6(5)" and case.grounds[-1].by == CITY.staff


def test_article_5_chain_reminder_refusal_escalation_tracking() -> None:
    case = signed_case()
    with pytest.raises(NotAllowedNow):  # no unit is overdue or passing the buck yet
        escalation.propose_rectification(case, unit="U1", proposal="fix it", kind="rectification", now=later(1), actor=CENTER)
    with pytest.raises(NotAllowedNow):
        escalation.escalate(case, reason="x", now=later(14), actor=CENTER)
    with pytest.raises(InvalidInput) as refused:  # U1 is overdue by now, U2 is not
        escalation.propose_rectification(case, unit="U2", proposal="fix it", kind="rectification", now=later(14), actor=CENTER)
    assert fields(refused.value) == ["unit"]
    escalation.propose_rectification(case, unit="U1", proposal="fix it", kind="rectification", now=later(14), actor=CENTER)
    with pytest.raises(NotAllowedNow):
        escalation.escalate(case, reason="no refusal yet", now=later(14, 1), actor=CENTER)
    escalation.refuse_rectification(case, 1, note="the unit refuses", now=later(15), actor=CENTER)
    escalation.escalate(case, reason="refused", now=later(15, 1), actor=CENTER)
    assert case.escalations[0].rectification == 1 and case.escalations[0].unit == "U1"
    escalation.order_tracking(case, note="supervision office tracks it", now=later(16), actor=CITY)
    assert case.city_tracking is not None and "tracking" not in case.allowed_actions()


def test_a_buck_passing_unit_gets_a_rectification_proposal() -> None:
    case = signed_case()
    handling.return_dispatch(case, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(case, 1, accepted=False, reason="yours", now=later(1, 1), actor=CENTER)
    assert case.passed_buck("U1") and not case.passed_buck("U2") and not case.was_overdue("U1")
    with pytest.raises(InvalidInput):
        escalation.propose_rectification(case, unit="U2", proposal="x", kind="reminder", now=later(1, 2), actor=CENTER)
    escalation.propose_rectification(case, unit="U1", proposal="stop passing the buck", kind="reminder", now=later(1, 2), actor=CENTER)
    proposal = case.rectifications[0]
    assert (proposal.n, proposal.unit, proposal.kind, proposal.round, proposal.version) == (1, "U1", "reminder", 1, case.version)


def test_joint_case_non_cooperation_and_contribution() -> None:
    case = dispatch(new_case(), co=("U2",))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    with pytest.raises(Forbidden):
        supervision.record_cooperation_issue(case, unit="U2", note="x", now=later(1), actor=handler("U2"))
    with pytest.raises(InvalidInput) as refused:
        supervision.record_cooperation_issue(case, unit="U3", note="x", now=later(1), actor=handler("U1"))
    assert fields(refused.value) == ["unit"]
    supervision.record_cooperation_issue(case, unit="U2", note="did not show up on site", now=later(1), actor=handler("U1"))
    assert case.cooperation_issues[0].unit == "U2"
    urge(case, later(2), unit="U2")
    with pytest.raises(Forbidden):
        supervision.contribute(case, note="lead cannot contribute", now=later(2, 1), actor=handler("U1"))
    supervision.contribute(case, note="enforcement done", now=later(2, 2), actor=handler("U2"))
    assert case.urgings[0].met_at == later(2, 2)


def test_art_17_feedback_to_a_non_member_units_superior() -> None:
    case = signed_case(lead="N1")
    with pytest.raises(NotAllowedNow):
        escalation.notify_superior(case, note="x", registry=REGISTRY, now=later(1), actor=CENTER)  # no supervision yet
    urge(case, later(1))
    escalation.notify_superior(case, note="supervision result", registry=REGISTRY, now=later(2), actor=CENTER)
    assert (case.superior_feedback[0].unit, case.superior_feedback[0].superior) == ("N1", "U3")
    member = signed_case()
    urge(member, later(1))
    with pytest.raises(NotAllowedNow):
        escalation.notify_superior(member, note="x", registry=REGISTRY, now=later(2), actor=CENTER)


def test_unmet_supervision_is_listed_after_its_lapse() -> None:
    case = signed_case()
    urge(case, later(1))
    record_due_facts(case, until=later(1) + timedelta(days=20), now=None)
    assert [u.n for u in case.unmet_supervision()] == [1]
    assert case.urgings[0].lapse_version is not None


def test_dates_far_ahead_are_refused_not_computed() -> None:
    case = signed_case()
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "sms", received_at=datetime(9999, 12, 31, tzinfo=TZ))
    assert fields(refused.value) == ["received_at"]
    with pytest.raises(InvalidInput) as refused:
        urge(case, later(1), "leader_dispatch", due_date=date(2030, 1, 1), instruction="x")
    assert fields(refused.value) == ["due_date"]


def test_art_17_feedback_can_follow_the_archiving() -> None:
    case = signed_case(lead="N1")
    urge(case, later(1))
    handling.reply(case, content="done", outcome="resolved", now=later(2), actor=handler("N1"))
    handling.close(case, now=later(3), actor=CENTER)
    assert case.allowed_actions() == ["superior-feedback"]
    escalation.notify_superior(case, note="supervision met in time", registry=REGISTRY, now=later(4), actor=CENTER)
    assert case.superior_feedback[0].superior == "U3"
