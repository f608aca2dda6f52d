"""Time-triggered facts: recorded at the instant they become true, once, and not a minute before."""

from cases import handling
from cases.timefacts import record_due_facts
from datetime import datetime, timedelta

from cases.calendar import TZ
from cases.timefacts import pending_alarms
from tests.builders import CENTER, dispatch, event_types, handler, new_case, signed_case, urge
from tests.conftest import later

LAPSE = datetime(2026, 10, 11, 0, 0, tzinfo=TZ)  # due Sat 10-10 (make-up day), lapses at its 24:00
MARK = datetime(2026, 10, 24, 0, 0, tzinfo=TZ)  # end of the 10th working day past 10-10 (Fri 10-23)


def test_handling_deadline_lapses_at_24_00_of_the_due_date_and_not_a_minute_before() -> None:
    case = signed_case()
    assert record_due_facts(case, until=LAPSE - timedelta(minutes=1), now=None) == 0
    assert record_due_facts(case, until=LAPSE, now=None) == 1
    lapse = case.pending_events[-2]
    assert type(lapse).__name__ == "HandlingDeadlineLapsed"
    assert lapse.at == LAPSE and lapse.timestamp == LAPSE
    assert lapse.due_date.isoformat() == "2026-10-10"
    assert case.overdue


def test_a_lapse_makes_it_a_6_3_case() -> None:
    case = signed_case()
    record_due_facts(case, until=LAPSE, now=None)
    assert [g.ground for g in case.grounds] == ["6(3)"]
    assert event_types(case)[-2:] == ["HandlingDeadlineLapsed", "SupervisionRequired"]


def test_the_11_1_mark_passes_after_the_10th_working_day_not_on_it() -> None:
    case = signed_case()
    record_due_facts(case, until=MARK - timedelta(seconds=1), now=None)
    assert case.current_round.deadline.mark_passed_at is None
    record_due_facts(case, until=MARK, now=None)
    assert case.current_round.deadline.mark_passed_at == MARK
    assert event_types(case)[-1] == "OverdueMarkPassed"


def test_facts_are_recorded_once() -> None:
    case = signed_case()
    assert record_due_facts(case, until=MARK, now=None) == 2
    assert record_due_facts(case, until=MARK + timedelta(days=30), now=None) == 0
    assert pending_alarms(case) == []


def test_a_reply_in_time_leaves_nothing_to_lapse() -> None:
    case = signed_case()
    handling.reply(case, content="done", outcome="resolved", now=later(1), actor=handler("U1"))
    assert pending_alarms(case) == []
    assert record_due_facts(case, until=MARK, now=None) == 0


def test_a_late_reply_first_records_the_lapse_it_came_after() -> None:
    case = signed_case()
    handling.reply(case, content="late", outcome="resolved", now=LAPSE + timedelta(hours=9), actor=handler("U1"))
    assert event_types(case)[-3:] == ["HandlingDeadlineLapsed", "SupervisionRequired", "Replied"]
    assert case.pending_events[-1].late is True
    lapse = case.pending_events[-3]
    assert lapse.at == LAPSE and lapse.actor.staff == "system:timekeeper"
    assert lapse.timestamp == LAPSE + timedelta(hours=9)  # recorded then, true since LAPSE


def test_sms_urging_on_wednesday_30_september_lapses_at_the_end_of_friday_9_october() -> None:
    case = signed_case()
    urge(case, datetime(2026, 9, 30, 15, tzinfo=TZ))
    urging = case.urgings[0]
    assert urging.due_date.isoformat() == "2026-10-09"
    assert urging.article == "7(1)"
    record_due_facts(case, until=datetime(2026, 10, 9, 23, 59, tzinfo=TZ), now=None)
    assert urging.lapsed_at is None
    record_due_facts(case, until=datetime(2026, 10, 10, 0, 0, tzinfo=TZ), now=None)
    assert case.urgings[0].lapsed_at == datetime(2026, 10, 10, 0, 0, tzinfo=TZ)
    assert [u.n for u in case.unmet_supervision()] == [1]


def test_letter_on_friday_9_october_is_due_monday_12_october() -> None:
    case = signed_case()
    urge(case, datetime(2026, 10, 9, 10, tzinfo=TZ), "written_letter")
    assert case.urgings[0].due_date.isoformat() == "2026-10-12"
    assert case.urgings[0].article == "7(2)"


def test_the_reply_meets_pending_urgings() -> None:
    case = signed_case()
    urge(case, later(1))
    handling.reply(case, content="done", outcome="resolved", now=later(2), actor=handler("U1"))
    assert case.urgings[0].met_at == later(2)
    assert event_types(case)[-1] == "SupervisionMet"


def test_emergency_response_deadline_lapses_at_its_instant() -> None:
    case = dispatch(new_case(urgency="emergency"))
    due = case.current_round.response.due_at
    record_due_facts(case, until=due - timedelta(seconds=1), now=None)
    assert case.current_round.response.lapsed_at is None
    record_due_facts(case, until=due, now=None)
    assert case.current_round.response.lapsed_at == due
    assert event_types(case)[-1] == "ResponseDeadlineLapsed"


def test_no_alarms_while_a_return_awaits_the_center_and_catch_up_after_rejection() -> None:
    case = signed_case()
    handling.return_dispatch(case, reason="not ours", now=later(1), actor=handler("U1"))
    assert pending_alarms(case) == []
    handling.decide_return(case, 1, accepted=False, reason="yours", now=LAPSE + timedelta(days=2), actor=CENTER)
    assert case.current_round.deadline.lapsed_at is None  # the rejection itself records nothing past
    assert record_due_facts(case, until=LAPSE + timedelta(days=2), now=LAPSE + timedelta(days=2)) == 1
    assert case.current_round.deadline.lapsed_at == LAPSE


def test_facts_stamped_with_the_recording_instant_when_given() -> None:
    case = signed_case()
    recorded_at = LAPSE + timedelta(hours=5)
    record_due_facts(case, until=recorded_at, now=recorded_at)
    assert case.pending_events[-2].timestamp == recorded_at
    assert case.pending_events[-2].at == LAPSE
