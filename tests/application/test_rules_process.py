"""The rules process on both stores: findings raised once, withdrawn when undone, across restarts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from accountability.finding import BasisRef, Finding, FindingDraft, Subject, rule_finding_id
from foundation.actors import system
from hotline.bootstrap import bootstrap
from projections.findings_index import FindingFilter
from tests.builders import ADMIN, CENTER, handler
from tests.conftest import START
from tests.world import accept, ctx, seed_units, move_clock
from cases.calendar import TZ

pytestmark = pytest.mark.storage

MARK = datetime(2026, 10, 24, tzinfo=TZ)


def signed_case(hotline: Any, lead: str = "U1", at: datetime = START) -> Any:
    case_id = accept(hotline, at)
    hotline.cases.dispatch(case_id, lead_unit=lead, co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, at))
    hotline.cases.sign(case_id, ctx=ctx(handler(lead), at))
    return case_id


def urge(hotline: Any, case_id: Any, at: datetime, method: str = "sms") -> None:
    hotline.cases.urge(
        case_id, method=method, unit="U1", note="", due_date=None, signed_by=[], instruction=None, leader=None,
        addressee=None, received_at=None, ctx=ctx(CENTER, at),
    )


def findings(hotline: Any, **where: Any) -> list[dict[str, Any]]:
    hotline.followers.catch_up()
    items, _ = hotline.findings_index.list(FindingFilter(**where), page_size=100, page_token=None)
    return items


def raised_events(hotline: Any, finding_id: Any) -> list[str]:
    return [type(e).__name__ for _, e in hotline.store.positioned_events(finding_id)]


def test_11_1_is_raised_once_when_the_mark_passes_even_across_restarts(settings: Any) -> None:
    first = bootstrap(settings)
    first.start()
    seed_units(first)
    case_id = signed_case(first)
    urge(first, case_id, datetime(2026, 10, 12, 10, tzinfo=TZ))
    urge(first, case_id, datetime(2026, 10, 14, 10, tzinfo=TZ), "written_letter")
    move_clock(first, datetime(2026, 10, 23, 23, 59, tzinfo=TZ), ADMIN)
    assert "11(1)" not in {f["clause"] for f in findings(first)}
    _, position = move_clock(first, MARK, ADMIN)
    assert first.consistent(position)
    (found,) = [f for f in findings(first) if f["clause"] == "11(1)"]
    assert (found["status"], found["raised_by"], found["subject"]) == ("candidate", "rules", {"unit": "U1", "staff": None})
    assert found["staff_concerned"] == ["U1-handler", "U1-leader"]
    first.close()
    second = bootstrap(settings)
    second.start()
    try:
        second.followers.catch_up()
        finding_id = rule_finding_id(f"11(1)|{case_id}|1")
        assert raised_events(second, finding_id) == ["Raised"]
        assert len([f for f in findings(second) if f["clause"] == "11(1)"]) == 1
    finally:
        second.close()


def test_an_accepted_justification_withdraws_an_undecided_11_1(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed_case(hotline)
    urge(hotline, case_id, datetime(2026, 10, 12, 10, tzinfo=TZ))
    urge(hotline, case_id, datetime(2026, 10, 14, 10, tzinfo=TZ))
    move_clock(hotline, MARK, ADMIN)
    hotline.followers.catch_up()
    hotline.cases.report_justification(case_id, reason="court", ctx=ctx(handler("U1"), MARK))
    hotline.cases.decide_justification(case_id, 1, accepted=True, reason="fair", ctx=ctx(CENTER, MARK))
    hotline.followers.catch_up()
    finding = hotline.findings.finding(rule_finding_id(f"11(1)|{case_id}|1"), CENTER)
    assert finding.status == "withdrawn"
    assert "正当理由" in finding.records[-1].details["reason"]


def test_a_confirmed_11_1_is_not_withdrawn(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed_case(hotline)
    urge(hotline, case_id, datetime(2026, 10, 12, 10, tzinfo=TZ))
    urge(hotline, case_id, datetime(2026, 10, 14, 10, tzinfo=TZ))
    move_clock(hotline, MARK, ADMIN)
    hotline.followers.catch_up()
    finding_id = rule_finding_id(f"11(1)|{case_id}|1")
    hotline.findings.confirm(finding_id, note="holds", harm=None, ctx=ctx(CENTER, MARK))
    hotline.cases.report_justification(case_id, reason="court", ctx=ctx(handler("U1"), MARK))
    hotline.cases.decide_justification(case_id, 1, accepted=True, reason="fair", ctx=ctx(CENTER, MARK))
    hotline.followers.catch_up()
    assert hotline.findings.finding(finding_id, CENTER).status == "confirmed"


def test_11_2_five_overdue_in_october_raise_a_finding_four_do_not_and_a_justification_withdraws_it(hotline: Any) -> None:
    seed_units(hotline)
    cases = [signed_case(hotline) for _ in range(4)]
    other_unit = signed_case(hotline, lead="U2")
    move_clock(hotline, datetime(2026, 10, 12, tzinfo=TZ), ADMIN)
    assert [f for f in findings(hotline) if f["clause"] == "11(2)"] == []
    cases.append(signed_case(hotline, at=datetime(2026, 9, 29, 9, tzinfo=TZ)))  # due Mon 10-12, in October too
    move_clock(hotline, datetime(2026, 10, 13, tzinfo=TZ), ADMIN)
    (monthly,) = [f for f in findings(hotline) if f["clause"] == "11(2)"]
    assert (monthly["subject"], monthly["period"], len(monthly["basis"])) == ({"unit": "U1", "staff": None}, "2026-10", 5)
    assert str(other_unit) not in {b["case_id"] for b in monthly["basis"]}
    assert "累计5件" in monthly["description"]
    hotline.cases.report_justification(cases[0], reason="flood", ctx=ctx(handler("U1"), datetime(2026, 10, 13, 9, tzinfo=TZ)))
    hotline.cases.decide_justification(cases[0], 1, accepted=True, reason="fair", ctx=ctx(CENTER, datetime(2026, 10, 13, 10, tzinfo=TZ)))
    (withdrawn,) = [f for f in findings(hotline) if f["clause"] == "11(2)"]
    assert withdrawn["status"] == "withdrawn"
    finding = hotline.findings.finding(rule_finding_id("11(2)|U1|2026-10"), CENTER)
    assert "4件" in finding.records[-1].details["reason"]


def test_derived_findings_are_in_the_same_log_and_behind_min_position(settings: Any) -> None:
    live = bootstrap(settings.model_copy(update={"followers": "embedded"}))
    live.start()
    try:
        seed_units(live)
        case_id = signed_case(live)
        urge(live, case_id, datetime(2026, 9, 29, 10, tzinfo=TZ))
        _, position = move_clock(live, datetime(2026, 10, 9, tzinfo=TZ), ADMIN)  # SMS of 09-29 due 10-08
        assert live.consistent(position)
        items, _ = live.findings_index.list(FindingFilter(clause="11(8)"), page_size=5, page_token=None)
        assert len(items) == 1 and items[0]["basis"][0]["case_id"] == str(case_id)
        finding_events = live.store.positioned_events(rule_finding_id(f"11(8)|{case_id}|1|U1"))
        assert finding_events and finding_events[0][0] <= live.store.head()
        assert isinstance(live.findings.finding(rule_finding_id(f"11(8)|{case_id}|1|U1"), CENTER), Finding)
    finally:
        live.close()


def test_a_late_extension_leaves_the_11_1_finding_and_its_review_as_they_were(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed_case(hotline)
    hotline.cases.request_extension(case_id, working_days=5, reason="需协调", ctx=ctx(handler("U1"), datetime(2026, 10, 9, 10, tzinfo=TZ)))
    urge(hotline, case_id, datetime(2026, 10, 12, 10, tzinfo=TZ))
    urge(hotline, case_id, datetime(2026, 10, 14, 10, tzinfo=TZ), "written_letter")
    move_clock(hotline, MARK)
    (before,) = findings(hotline, clause="11(1)")
    hotline.cases.decide_extension(case_id, 1, approved=True, reason="补批", ctx=ctx(CENTER, datetime(2026, 10, 26, 10, tzinfo=TZ)))
    move_clock(hotline, datetime(2026, 11, 30, tzinfo=TZ))
    (after,) = findings(hotline, clause="11(1)")
    assert (after["basis"], after["description"], after["version"]) == (before["basis"], before["description"], before["version"])
    assert "2026年10月10日" in after["description"]
    kinds = [type(e).__name__ for _, e in hotline.store.positioned_events(case_id)]
    assert kinds.count("OverdueMarkPassed") == 1 and kinds.count("HandlingDeadlineLapsed") == 1
    case = hotline.cases.case(case_id, CENTER)
    assert case.current_round.deadline.due_date.isoformat() == "2026-10-16"  # the new date shows


def test_the_corrected_rules_withdraw_or_note_what_the_old_rules_raised_wrongly(hotline: Any) -> None:
    """Release 0.1.0 counted urgings of a co-unit against the lead unit: such findings are undone, saying why."""
    seed_units(hotline)
    cases = []
    for _ in range(2):
        case_id = accept(hotline)
        hotline.cases.dispatch(case_id, lead_unit="U1", co_units=["U2"], ctx=ctx(CENTER))
        hotline.cases.sign(case_id, ctx=ctx(handler("U1")))
        for day, method in ((12, "sms"), (14, "written_letter")):
            hotline.cases.urge(case_id, method=method, unit="U2", ctx=ctx(CENTER, datetime(2026, 10, day, 10, tzinfo=TZ)))
        cases.append(case_id)
    move_clock(hotline, MARK)
    assert findings(hotline, clause="11(1)") == []
    for case_id in cases:  # what the old rule would have raised
        case = hotline.cases.find(case_id)
        old = FindingDraft(
            clause="11(1)", key=f"11(1)|{case_id}|1", subject=Subject(unit="U1"), description="第十一条第（一）项：…经两次催办…",
            basis=tuple(BasisRef(case_id=case_id, version=u.version) for u in case.urgings),
        )
        hotline.findings.save(Finding.from_draft(old, now=MARK, actor=system("rules")))
    decided = rule_finding_id(f"11(1)|{cases[1]}|1")
    hotline.findings.confirm(decided, note="属实", ctx=ctx(CENTER, MARK))
    assert hotline.rules.reassess(cases) == 2
    undone = hotline.findings.find(rule_finding_id(f"11(1)|{cases[0]}|1"))
    assert undone.status == "withdrawn" and "承办单位U1被催办0次" in undone.records[-1].details["reason"]
    noted = hotline.findings.find(decided)
    assert noted.status == "confirmed" and noted.records[-1].action == "reassessed"
    assert hotline.rules.reassess(cases) == 0  # once


def caught_up_without_reading(hotline: Any, case_id: Any) -> Any:
    """Catch the rules process up; the case it then holds, checked equal to a fresh load and not read from the store."""
    reads: list[Any] = []
    events = hotline.rules.repository.event_store
    original = events.get
    events.get = lambda originator_id, *args, **kwargs: (reads.append(originator_id), original(originator_id, *args, **kwargs))[1]  # type: ignore[method-assign]
    try:
        hotline.followers.catch_up()
    finally:
        events.get = original  # type: ignore[method-assign]
    held = hotline.rules.repository.cache.get(case_id)
    fresh = hotline.cases.repository.get(case_id)
    assert case_id not in reads
    assert (held.version, held.model_dump()) == (fresh.version, fresh.model_dump())
    return held


def test_the_rules_bring_a_cached_case_forward_from_the_batch_without_reading_its_events_again(hotline: Any) -> None:
    """The batch's decoded events advance the case the process holds: the state is the one the log gives, and the
    case's events are not read a second time (the library's fast-forward would ask the store for them)."""
    seed_units(hotline)
    case_id = signed_case(hotline)
    hotline.followers.catch_up()  # the rules process now holds the signed case
    urge(hotline, case_id, datetime(2026, 9, 29, 10, tzinfo=TZ))
    urge(hotline, case_id, datetime(2026, 9, 30, 10, tzinfo=TZ), "written_letter")
    held = caught_up_without_reading(hotline, case_id)
    assert [u.method for u in held.urgings] == ["sms", "written_letter"]


def test_the_rules_make_a_case_accepted_in_the_batch_from_the_batch_without_reading_it(hotline: Any) -> None:
    """A case the batch creates is not in the process's cache yet: its acceptance and what followed in the same
    batch make it, the state is the one the log gives, and the store is not asked for the case's events."""
    seed_units(hotline)
    hotline.followers.catch_up()
    case_id = signed_case(hotline)
    assert caught_up_without_reading(hotline, case_id).version == hotline.cases.find(case_id).version


def test_a_batch_without_the_case_s_acceptance_does_not_make_the_case(hotline: Any) -> None:
    """A case neither cached nor accepted in the batch is left to be loaded from the log: nothing half made is
    handed on, nor put in the process's cache."""
    seed_units(hotline)
    case_id = signed_case(hotline)
    later = [e for _, e in hotline.store.positioned_events(case_id)][1:]
    assert case_id not in hotline.rules.forward(later)
    with pytest.raises(KeyError):
        hotline.rules.repository.cache.get(case_id)


def test_a_cached_case_with_a_gap_before_the_batch_is_loaded_from_the_log(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed_case(hotline)
    hotline.followers.catch_up()
    held = hotline.rules.repository.cache.get(case_id)
    held.version -= 1  # as if the process had missed an event: the batch does not follow it
    urge(hotline, case_id, datetime(2026, 9, 29, 10, tzinfo=TZ))
    forwarded = hotline.rules.forward([e for _, e in hotline.store.positioned_events(case_id)][-1:])
    assert case_id not in forwarded
