"""The case state machine, without a database: each transition, each refusal, nothing recorded on refusal."""

from cases import delays, handling, revisits
from datetime import date

import pytest

from foundation.errors import Forbidden, InvalidInput, NotAllowedNow
from tests.builders import (
    AGENT,
    CALENDAR,
    CENTER,
    POLICY,
    REGISTRY,
    dispatch,
    event_types,
    handler,
    new_case,
    signed_case,
)
from tests.conftest import later


def test_accepting_records_the_request_and_leader_and_hot_flags_as_grounds() -> None:
    case = new_case(flags=("leader_involved", "hot", "key"))
    assert case.status == "accepted"
    assert case.number == "2026092800001"
    assert case.accepted_by == AGENT.staff
    assert sorted({g.ground for g in case.grounds}) == ["6(1)", "6(2)"]
    assert case.allowed_actions() == ["close", "dispatch", "supervision"]
    assert event_types(case) == ["Accepted", "SupervisionRequired", "SupervisionRequired"]


def test_dispatch_sets_the_handling_deadline_from_the_policy() -> None:
    case = dispatch(new_case())
    assert case.status == "dispatched" and case.round_number == 1
    deadline = case.current_round.deadline
    assert deadline.due_date == date(2026, 10, 10)
    assert deadline.rule == "5 working days from dispatch on 2026-09-28 (deadline policy, category 'environment')"
    assert case.units_ever == ("U1",)


def test_dispatch_with_working_days_and_urgent_policy() -> None:
    case = dispatch(new_case(), working_days=2)
    assert case.current_round.deadline.due_date == date(2026, 9, 30)
    assert "set at dispatch" in case.current_round.deadline.rule
    urgent = dispatch(new_case(urgency="urgent", category="water"))
    assert urgent.current_round.deadline.working_days == 2


def test_emergency_dispatch_sets_a_response_deadline_in_hours() -> None:
    case = dispatch(new_case(urgency="emergency", category="water"))
    response = case.current_round.response
    assert response is not None and response.hours == 1
    assert response.due_at == later(hours=1)
    assert "respond" in case.allowed_actions()


@pytest.mark.parametrize(
    ("lead", "co", "field"),
    [
        ("NOPE", (), "lead_unit"),
        ("C", (), "lead_unit"),
        ("U1", ("U1",), "co_units[0]"),
        ("U1", ("U2", "U2"), "co_units[1]"),
        ("U1", ("XX",), "co_units[0]"),
    ],
)
def test_dispatch_refuses_bad_units_naming_the_field(lead: str, co: tuple[str, ...], field: str) -> None:
    case = new_case()
    before = case.version
    with pytest.raises(InvalidInput) as refused:
        dispatch(case, lead=lead, co=co)
    assert refused.value.errors[0].field == field
    assert case.version == before


def test_response_hours_only_for_emergencies() -> None:
    with pytest.raises(InvalidInput) as refused:
        dispatch(new_case(), response_hours=2)
    assert refused.value.errors[0].field == "response_hours"


def test_lead_signature_moves_to_signed_and_co_units_sign_separately() -> None:
    case = dispatch(new_case(), co=("U2", "U3"))
    handling.sign(case, now=later(hours=1), actor=handler("U2"))
    assert case.status == "dispatched"
    handling.sign(case, now=later(hours=2), actor=handler("U1"))
    assert case.status == "signed"
    assert [s.unit for s in case.current_round.signatures] == ["U2", "U1"]
    assert "sign" in case.allowed_actions()  # U3 has not signed
    with pytest.raises(NotAllowedNow):
        handling.sign(case, now=later(hours=3), actor=handler("U1"))


def test_a_unit_not_on_the_case_may_not_act() -> None:
    case = dispatch(new_case())
    with pytest.raises(Forbidden):
        handling.sign(case, now=later(hours=1), actor=handler("U3"))


def test_reply_needs_the_lead_signature_and_names_what_is_allowed() -> None:
    case = dispatch(new_case())
    with pytest.raises(NotAllowedNow) as refused:
        handling.reply(case, content="done", outcome="resolved", now=later(1), actor=handler("U1"))
    assert "sign" in refused.value.allowed and "reply" not in refused.value.allowed
    assert refused.value.state == "case is dispatched"


def test_only_the_lead_unit_replies() -> None:
    case = dispatch(new_case(), co=("U2",))
    handling.sign(case, now=later(hours=1), actor=handler("U1"))
    with pytest.raises(Forbidden):
        handling.reply(case, content="done", outcome="resolved", now=later(1), actor=handler("U2"))


def test_full_life_reply_revisit_redo_reply_close() -> None:
    case = signed_case()
    handling.reply(case, content="fixed", outcome="resolved", now=later(2), actor=handler("U1"))
    assert case.status == "replied" and not case.overdue
    revisits.revisit(case, satisfied=False, reply_matches_facts=True, note="still noisy", satisfaction="unsatisfied", now=later(3), actor=AGENT)
    revisits.redo(case, reason="not fixed", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(3, 1), actor=CENTER)
    assert case.status == "redo" and case.round_number == 2
    assert case.current_round.kind == "redo"
    assert case.current_round.deadline.due_date == date(2026, 10, 13)  # 10-08, 10-09, Sat 10-10, 10-12, 10-13
    handling.reply(case, content="fixed again", outcome="resolved", now=later(12), actor=handler("U1"))
    revisits.revisit(case, satisfied=True, reply_matches_facts=True, note="", satisfaction="satisfied", now=later(13), actor=AGENT)
    handling.close(case, now=later(13, 1), actor=CENTER)
    assert case.status == "closed" and case.allowed_actions() == []
    with pytest.raises(NotAllowedNow) as refused:
        revisits.redo(case, reason="x", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(14), actor=CENTER)
    assert refused.value.allowed == []


def test_a_refused_command_records_nothing() -> None:
    case = signed_case()
    pending = len(case.pending_events)
    version = case.version
    with pytest.raises(NotAllowedNow):
        handling.close(case, now=later(1), actor=CENTER)
    with pytest.raises(Forbidden):
        handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U2"))
    assert case.version == version and len(case.pending_events) == pending


def test_satisfaction_must_agree_with_satisfied() -> None:
    case = signed_case()
    handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U1"))
    with pytest.raises(InvalidInput) as refused:
        revisits.revisit(case, satisfied=True, reply_matches_facts=True, note="", satisfaction="very_unsatisfied", now=later(2), actor=AGENT)
    assert refused.value.errors[0].field == "satisfaction"


def test_return_goes_back_to_the_center_and_a_redispatch_accepts_it() -> None:
    case = signed_case()
    handling.return_dispatch(case, reason="not ours", now=later(1), actor=handler("U1"))
    assert case.status == "accepted" and case.pending_return is not None
    assert "return-decision" in case.allowed_actions()
    dispatch(case, later(1, 2), lead="U2")
    assert case.returns[0].decision is not None and case.returns[0].decision.granted
    assert case.round_number == 2 and case.current_round.lead_unit == "U2"
    assert case.units_ever == ("U1", "U2")
    assert not case.passed_buck("U1")


def test_a_rejected_return_is_buck_passing_and_the_case_goes_back_to_the_unit() -> None:
    case = signed_case()
    handling.return_dispatch(case, reason="not ours", now=later(1), actor=handler("U1"))
    handling.decide_return(case, 1, accepted=False, reason="it is yours", now=later(1, 2), actor=CENTER)
    assert case.status == "signed"
    assert case.passed_buck("U1")
    with pytest.raises(NotAllowedNow):
        handling.decide_return(case, 1, accepted=True, reason="changed my mind", now=later(2), actor=CENTER)
    with pytest.raises(NotAllowedNow):  # no return awaits a decision
        handling.decide_return(case, 9, accepted=True, reason="", now=later(2), actor=CENTER)


def test_a_co_unit_cannot_return_the_dispatch() -> None:
    case = dispatch(new_case(), co=("U2",))
    with pytest.raises(Forbidden):
        handling.return_dispatch(case, reason="not ours", now=later(1), actor=handler("U2"))


def test_extension_approved_before_the_deadline_moves_it() -> None:
    case = signed_case()
    delays.request_extension(case, working_days=3, reason="needs survey", now=later(1), actor=handler("U1"))
    with pytest.raises(NotAllowedNow):
        delays.request_extension(case, working_days=1, reason="again", now=later(1, 1), actor=handler("U1"))
    delays.decide_extension(case, 1, approved=True, reason="ok", calendar=CALENDAR, now=later(2), actor=CENTER)
    request = case.extension_requests[0]
    assert request.decided_before_lapse is True
    assert (request.due_date_before, request.due_date_after) == (date(2026, 10, 10), date(2026, 10, 14))
    assert case.current_round.deadline.due_date == date(2026, 10, 14)
    assert "extension request 1 approved" in case.current_round.deadline.rule


def test_extension_request_after_the_lapse_is_refused() -> None:
    case = signed_case()
    with pytest.raises(NotAllowedNow) as refused:
        delays.request_extension(case, working_days=3, reason="late", now=later(14), actor=handler("U1"))
    assert "already lapsed" in str(refused.value)


def test_an_approval_after_the_lapse_does_not_undo_it() -> None:
    case = signed_case()
    delays.request_extension(case, working_days=3, reason="survey", now=later(5), actor=handler("U1"))
    delays.decide_extension(case, 1, approved=True, reason="late ok", calendar=CALENDAR, now=later(13, 5), actor=CENTER)
    assert case.extension_requests[0].decided_before_lapse is False
    assert case.current_round.deadline.lapsed_at is not None
    assert case.overdue
    assert "HandlingDeadlineLapsed" in event_types(case)


def test_justification_reported_and_decided() -> None:
    case = signed_case()
    delays.report_justification(case, reason="court ruling awaited", now=later(14), actor=handler("U1"))
    with pytest.raises(NotAllowedNow):
        delays.report_justification(case, reason="again", now=later(14, 1), actor=handler("U1"))
    delays.decide_justification(case, 1, accepted=True, reason="fair", now=later(15), actor=CENTER)
    assert case.justifications[0].decision is not None and case.justifications[0].decision.granted
    with pytest.raises(NotAllowedNow):
        delays.decide_justification(case, 1, accepted=False, reason="", now=later(16), actor=CENTER)


def test_respond_only_for_an_emergency() -> None:
    case = signed_case()
    with pytest.raises(NotAllowedNow) as refused:
        handling.respond(case, note="on our way", now=later(hours=1), actor=handler("U1"))
    assert "emergency" in str(refused.value)
    emergency = dispatch(new_case(urgency="emergency"))
    handling.respond(emergency, note="on our way", now=later(hours=1), actor=handler("U1"))
    assert emergency.current_round.response.responded_at == later(hours=1)
    assert "respond" not in emergency.allowed_actions()


def test_redo_attribution_needs_an_unsatisfied_redo_round() -> None:
    case = signed_case()
    handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U1"))
    revisits.revisit(case, satisfied=False, reply_matches_facts=True, note="", satisfaction=None, now=later(2), actor=AGENT)
    with pytest.raises(NotAllowedNow) as refused:
        revisits.attribute_redo(case, unit_at_fault=True, reason="x", now=later(2, 1), actor=CENTER)
    assert "redo round" in str(refused.value)
    revisits.redo(case, reason="again", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(2, 2), actor=CENTER)
    handling.reply(case, content="y", outcome="resolved", now=later(3), actor=handler("U1"))
    revisits.revisit(case, satisfied=False, reply_matches_facts=True, note="", satisfaction="very_unsatisfied", now=later(4), actor=AGENT)
    revisits.attribute_redo(case, unit_at_fault=True, reason="no real work done", now=later(4, 1), actor=CENTER)
    assert case.has_ground("6(4)")
    with pytest.raises(NotAllowedNow):
        revisits.attribute_redo(case, unit_at_fault=False, reason="twice", now=later(4, 2), actor=CENTER)


def test_not_at_fault_records_no_6_4_ground() -> None:
    case = signed_case()
    handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U1"))
    revisits.revisit(case, satisfied=False, reply_matches_facts=True, note="", satisfaction=None, now=later(2), actor=AGENT)
    revisits.redo(case, reason="again", working_days=None, policy=POLICY, calendar=CALENDAR, now=later(2, 2), actor=CENTER)
    handling.reply(case, content="y", outcome="resolved", now=later(3), actor=handler("U1"))
    revisits.revisit(case, satisfied=False, reply_matches_facts=True, note="", satisfaction=None, now=later(4), actor=AGENT)
    revisits.attribute_redo(case, unit_at_fault=False, reason="the request cannot be met by law", now=later(4, 1), actor=CENTER)
    assert not case.has_ground("6(4)")


def test_visibility_is_by_units_ever_on_the_case() -> None:
    case = signed_case()
    assert case.visible_to(handler("U1"))
    assert not case.visible_to(handler("U2"))
    assert case.visible_to(CENTER) and case.visible_to(AGENT)


def test_registry_rules_for_units() -> None:
    reg = REGISTRY.model_copy(deep=True)
    with pytest.raises(InvalidInput) as refused:
        reg.register(unit_id="X", name="x", kind="internal", parent_id=None, superior_id=None, now=later(), actor=CENTER)
    assert refused.value.errors[0].field == "parent_id"
    from foundation.errors import AlreadyExists

    with pytest.raises(AlreadyExists):
        reg.register(unit_id="U1", name="x", kind="member", parent_id=None, superior_id=None, now=later(), actor=CENTER)
    assert reg.ancestors("U1-IN") == ["U1"]
    assert reg.responsible_leader("U1").id == "U1-leader"
