"""Replay is exact: for any sequence of commands, the stored events alone give the live state.

Hypothesis drives random command sequences (refused ones included) on a case and on a finding,
with time moving forward between them so deadlines lapse on the way. Every event is stored (through
the real mapper, as bytes) the moment its command ends. Then:

* replaying the stored events alone gives the live state;
* restoring a snapshot taken at any point and replaying the rest gives the live state too;
* no event changed after it was stored (an event never shares a value that a later one alters);
* a refused command changes nothing that is stored (the application saves nothing of it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accountability.finding import BasisRef, Finding, Responsibility, Subject
from cases import delays, escalation, handling, revisits, supervision
from cases.timefacts import record_due_facts
from foundation.aggregate import Aggregate, Snapshot, project
from foundation.errors import DomainError
from foundation.serialization import OrjsonTranscoder, PydanticMapper
from tests.builders import AGENT, CALENDAR, CENTER, CITY, POLICY, REGISTRY, handler, leader, new_case
from tests.conftest import START

MAPPER = PydanticMapper(transcoder=OrjsonTranscoder())
UNITS = ("U1", "U2", "U3", "N1")
Step = tuple[str, dict[str, Any]]


def _case_commands(unit: str, n: int, flag: bool, days: int) -> dict[str, Callable[..., Any]]:
    """Every case command, with arguments drawn from ``unit``, ``n``, ``flag`` and ``days``."""
    others = [u for u in UNITS if u != unit][: 1 + days % 2]
    due = (START + timedelta(days=30 + days)).date()
    return {
        "dispatch": lambda c, now: handling.dispatch(
            c, lead_unit=unit, co_units=others if flag else [], working_days=days or None, response_hours=None,
            registry=REGISTRY, policy=POLICY, calendar=CALENDAR, now=now, actor=CENTER),
        "sign": lambda c, now: handling.sign(c, now=now, actor=handler(unit)),
        "return": lambda c, now: handling.return_dispatch(c, reason="not ours", now=now, actor=handler(unit)),
        "decide_return": lambda c, now: handling.decide_return(c, n, accepted=flag, reason="r", now=now, actor=CENTER),
        "respond": lambda c, now: handling.respond(c, note="on site", now=now, actor=handler(unit)),
        "reply": lambda c, now: handling.reply(c, content="done", outcome="resolved", now=now, actor=handler(unit)),
        "close": lambda c, now: handling.close(c, now=now, actor=CENTER),
        "extend": lambda c, now: delays.request_extension(c, working_days=days or 1, reason="more time", now=now, actor=handler(unit)),
        "decide_extension": lambda c, now: delays.decide_extension(
            c, n, approved=flag, reason="r", calendar=CALENDAR, now=now, actor=CENTER),
        "justify": lambda c, now: delays.report_justification(c, reason="court case", now=now, actor=handler(unit)),
        "decide_justification": lambda c, now: delays.decide_justification(c, n, accepted=flag, reason="r", now=now, actor=CENTER),
        "urge": lambda c, now: supervision.urge(
            c, method=("sms", "phone", "wechat", "written_letter", "leader_dispatch")[days % 5], unit=unit, note="",
            due_date=due if days % 5 == 4 else None, signed_by=(), instruction="限期办结", leader="副市长", addressee=None,
            received_at=None, registry=REGISTRY, calendar=CALENDAR, now=now, actor=CENTER),
        "supervise": lambda c, now: supervision.supervise(c, "6(5)", "media attention", now=now, actor=CITY),
        "contribute": lambda c, now: supervision.contribute(c, note="helped", now=now, actor=handler(unit)),
        "cooperation_issue": lambda c, now: supervision.record_cooperation_issue(c, unit=unit, note="absent", now=now, actor=handler(others[0])),
        "rectify": lambda c, now: escalation.propose_rectification(c, unit=unit, proposal="fix it", kind="rectification", now=now, actor=CENTER),
        "refuse": lambda c, now: escalation.refuse_rectification(c, n, note="no", now=now, actor=CENTER),
        "escalate": lambda c, now: escalation.escalate(c, reason="refused", now=now, actor=CENTER),
        "track": lambda c, now: escalation.order_tracking(c, note="track", now=now, actor=CITY),
        "feedback": lambda c, now: escalation.notify_superior(c, note="result", registry=REGISTRY, now=now, actor=CENTER),
        "revisit": lambda c, now: revisits.revisit(
            c, satisfied=flag, reply_matches_facts=days % 3 > 0, note="", satisfaction=None, now=now, actor=AGENT),
        "redo": lambda c, now: revisits.redo(c, reason="unsatisfied", working_days=None, policy=POLICY, calendar=CALENDAR, now=now, actor=CENTER),
        "attribute": lambda c, now: revisits.attribute_redo(c, unit_at_fault=flag, reason="r", now=now, actor=CENTER),
        "time": lambda c, now: record_due_facts(c, until=now, now=None),
    }


CASE_ACTIONS = tuple(_case_commands("U1", 1, True, 1))
ALLOWED_NAME = {
    "dispatch": "dispatch", "sign": "sign", "return": "return-dispatch", "decide_return": "return-decision",
    "respond": "respond", "reply": "reply", "close": "close", "extend": "extension-requests",
    "decide_extension": "extension-decision", "justify": "justifications", "decide_justification": "justification-decision",
    "urge": "urgings", "supervise": "supervision", "contribute": "contributions", "cooperation_issue": "cooperation-issues",
    "rectify": "rectification-proposals", "refuse": "rectification-refusal", "escalate": "escalations", "track": "tracking",
    "feedback": "superior-feedback", "revisit": "revisit", "redo": "redo", "attribute": "redo-attribution",
}


def _next_step(data: st.DataObject, case: Any) -> tuple[str, dict[str, Any]]:
    """Mostly an action the case allows now, by a unit on it; sometimes anything (refusals are exercised too)."""
    allowed = [a for a, name in ALLOWED_NAME.items() if name in case.allowed_actions() and a != "close"]
    choice = data.draw(st.integers(0, 19))
    pool = CASE_ACTIONS if choice == 0 else ("time", "close") if choice == 1 or not allowed else allowed
    action = data.draw(st.sampled_from(pool))
    on_case = list(case.rounds[-1].units) if case.rounds else list(UNITS)
    args = {
        "unit": data.draw(st.sampled_from(on_case) if data.draw(st.integers(0, 4)) else st.sampled_from(UNITS)),
        "n": data.draw(st.integers(1, 3)),
        "flag": data.draw(st.booleans()),
        "days": data.draw(st.integers(0, 12)),
    }
    return action, args


def _stored(aggregate: Aggregate, stored: list[Any]) -> None:
    """Store (as the log would: mapped to bytes) the events recorded since the last call."""
    stored += [MAPPER.to_stored_event(event) for event in aggregate.collect_events()]


def _refused(stored: list[Any]) -> Any:
    """A refused command saves nothing: the application loads the aggregate again from what is stored."""
    return project(MAPPER.to_domain_event(s) for s in stored)


def _check_replay(live: Aggregate, stored: list[Any], cut: int) -> None:
    events = [MAPPER.to_domain_event(s) for s in stored]
    assert project(events).state() == live.state()
    at_cut = project(events[:cut])
    snapshot = Snapshot.model_validate_json(Snapshot.take(at_cut).model_dump_json())
    assert project([snapshot, *events[cut:]]).state() == live.state()
    assert [MAPPER.to_stored_event(e).state for e in events] == [s.state for s in stored]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 40), st.data())
def test_a_case_replays_from_its_stored_events_alone(length: int, data: st.DataObject) -> None:
    case = new_case(START, flags=("hot",), urgency=data.draw(st.sampled_from(["normal", "emergency"])))
    stored: list[Any] = []
    _stored(case, stored)
    now = START
    for _ in range(length):
        action, args = _next_step(data, case)
        now += timedelta(hours=data.draw(st.integers(1, 72) if data.draw(st.integers(0, 5)) else st.integers(72, 20 * 24)))
        try:
            _case_commands(**args)[action](case, now)
        except DomainError:
            case = _refused(stored)
        _stored(case, stored)
        assert _refused(stored).state() == case.state(), f"after {action}"
    _check_replay(case, stored, data.draw(st.integers(1, len(stored))))


FINDING_ACTIONS = ("confirm", "dismiss", "mitigate", "talk", "sanction", "refer", "appeal", "decide_appeal", "restate", "withdraw")


def _finding_commands(flag: bool, n: int) -> dict[str, Callable[[Finding, Any], Any]]:
    lead = leader("U1")
    measures = [("13(1)", "13(2)", "13(3)")[n % 3]]
    return {
        "confirm": lambda f, now: f.confirm(note="checked", harm="harm" if flag else None, now=now, actor=CENTER),
        "dismiss": lambda f, now: f.dismiss(reason="no", now=now, actor=CENTER),
        "mitigate": lambda f, now: f.mitigate(ground=f"12({n})", effect=("lighten", "reduce", "waive")[n % 3], reason="r", now=now, actor=CENTER),
        "talk": lambda f, now: f.hold_talk(kind="reminder_talk", note="talk", registry=REGISTRY, now=now, actor=CENTER),
        "sanction": lambda f, now: f.sanction(
            measures=measures, responsibility=Responsibility(scope="collective", kind="leadership"), note="", registry=REGISTRY, now=now, actor=CENTER)
        if flag else f.sanction(
            measures=["14(2)"], responsibility=Responsibility(scope="individual", kind="direct"), staff="U1-handler", note="",
            registry=REGISTRY, now=now, actor=lead),
        "refer": lambda f, now: f.refer(to="discipline", reason="r", now=now, actor=CENTER),
        "appeal": lambda f, now: f.appeal(grounds="unfair", sanction=n if flag else None, now=now, actor=lead if flag else handler("U1")),
        "decide_appeal": lambda f, now: f.decide_appeal(
            n, outcome=("upheld", "modified", "revoked")[n % 3], measures=measures if n % 3 == 1 else None, reason="r", now=now, actor=CITY),
        "restate": lambda f, now: f.restate(_draft(f, n), now=now, actor=CENTER),
        "withdraw": lambda f, now: f.withdraw("facts undone", now=now, actor=CENTER),
    }


def _draft(finding: Finding, n: int) -> Any:
    from accountability.finding import FindingDraft

    basis = tuple(BasisRef(case_id=ref.case_id, version=ref.version + n) for ref in finding.basis)
    return FindingDraft(clause=finding.clause, key=finding.key or "k", subject=finding.subject, basis=basis, description=f"v{n}")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(FINDING_ACTIONS), st.booleans(), st.integers(1, 4)), min_size=1, max_size=25),
    st.data(),
)
def test_a_finding_replays_from_its_stored_events_alone(steps: list[tuple[str, bool, int]], data: st.DataObject) -> None:
    finding = Finding.raise_by_hand(
        uuid4(), clause="11(7)", subject=Subject(unit="U1"), basis=[BasisRef(case_id=uuid4(), version=3)],
        description="未能妥善处理", registry=REGISTRY, now=START, actor=CENTER,
    )
    stored: list[Any] = []
    _stored(finding, stored)
    now = START
    for action, flag, n in steps:
        now += timedelta(hours=n)
        try:
            _finding_commands(flag, n)[action](finding, now)
        except DomainError:
            finding = _refused(stored)
        _stored(finding, stored)
    _check_replay(finding, stored, data.draw(st.integers(1, len(stored))))


def test_an_event_never_holds_a_value_a_later_event_changes() -> None:
    """The hazard of mutable event values: a dispatch event that later holds the signature."""
    case = new_case(START)
    handling.dispatch(case, lead_unit="U1", co_units=[], working_days=None, response_hours=None,
                      registry=REGISTRY, policy=POLICY, calendar=CALENDAR, now=START, actor=CENTER)
    dispatched = case.pending_events[-1]
    handling.sign(case, now=START, actor=handler("U1"))
    assert dispatched.handling_round.signatures == ()
    assert project(case.pending_events).state() == case.state()
    assert date(2026, 10, 10) == case.current_round.deadline.due_date
