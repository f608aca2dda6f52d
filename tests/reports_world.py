"""A known October 2026 for the reports: every kind of event, and the figures worked out by hand.

Units (``tests.world.seed_units``): members U1, U2, U3; non-member N1 (superior U3). The 2026
calendar: 10-01..10-07 holidays, Sat 10-10 a make-up working day. The sign window ends at 24:00 of
the first working day after the day of dispatch.

Cases, in the order things happen (wd = working days given at dispatch):

* C  U1, dispatched Mon 09-28 (2 wd: due Wed 09-30), signed 09-28; the deadline lapses at 24:00
  09-30, so C is overdue in **September** (the month boundary); its 6(3) ground is recorded at
  10-01 00:00 (October); replied late 10-09.
* A  U1, dispatched 10-08 (5 wd), signed 10-08 (on time), replied 10-09, revisited 10-10 satisfied.
* B  U1, dispatched 10-08, signed 10-12 (late: the window ended 10-09 24:00), replied 10-13 on
  time, revisited 10-13 unsatisfied and the reply did not match the facts (an 11(5) candidate),
  redo 10-14 (a new U1 round), replied again 10-15 on time.
* D  U1, dispatched 10-09 (1 wd: due Sat 10-10, a make-up day), signed 10-09; lapses 10-11
  00:00; a justification reported and accepted 10-14 (justified overdue); replied late 10-16.
* E  U1, dispatched 10-12 (2 wd: due 10-14), signed 10-12; lapses 10-15 00:00 (unjustified);
  urged by SMS 10-15 (Art. 7(1): due 10-19), which lapses unmet at 10-20 00:00 (an 11(8) finding);
  replied late 10-20.
* F1-F5  U2, dispatched 10-12 (1 wd: due 10-13), signed 10-12; all lapse 10-14 00:00: five
  unjustified overdue cases in October, so an Art. 11(2) finding on U2; urged 10-14 by WeChat,
  written letter, on-site coordination, leader dispatch and phone (one each); all replied late
  10-16, which meets every urging. The 11(2) finding is confirmed, talked about, and sanctioned:
  13(1) on U2 (collective) and 14(1) on its staff member U2-unit_handler (individual).
* G  U3, dispatched 10-12 (5 wd: due 10-19), signed 10-12, an extension of 3 wd approved 10-13,
  replied 10-16 on time.
* H  U3, dispatched 10-12, returned 10-12, the return rejected 10-12 (推诿), signed 10-13 (on
  time), replied 10-14 on time.
* I  U3, dispatched 10-12, returned 10-12, re-dispatched 10-13 to U1 (a new U1 round), signed
  10-13, replied 10-14 on time.
* J  N1, dispatched 10-12, signed 10-12, replied 10-13 on time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from accountability.finding import Responsibility
from accountability.finding import rule_finding_id
from cases.calendar import TZ
from cases.values import SignedShare
from hotline.bootstrap import Hotline
from tests.builders import AGENT, CENTER, REQUESTER, handler, leader
from tests.world import ctx, move_clock

MONTH = "2026-10"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _accept(h: Hotline, when: datetime, summary: str) -> UUID:
    recorded = h.cases.accept(
        channel="phone", category="environment", summary=summary, content=f"{summary}（测试）", urgency="normal",
        requester=REQUESTER, confidential=False, unclear=False, flags=[], ctx=ctx(AGENT, when),
    )
    return recorded.aggregate.id


def _dispatch(h: Hotline, case: UUID, unit: str, when: datetime, days: int) -> None:
    h.cases.dispatch(case, lead_unit=unit, co_units=[], working_days=days, response_hours=None, ctx=ctx(CENTER, when))


def _sign(h: Hotline, case: UUID, unit: str, when: datetime) -> None:
    h.cases.sign(case, ctx=ctx(handler(unit), when))


def _reply(h: Hotline, case: UUID, unit: str, when: datetime) -> None:
    h.cases.reply(case, content="已办理", outcome="resolved", ctx=ctx(handler(unit), when))


def build_october(h: Hotline) -> dict[str, UUID]:
    """Play the scenario above (units already seeded); returns the case ids by letter."""
    cases: dict[str, UUID] = {}
    cases["C"] = c = _accept(h, at(9, 28), "C 月末到期逾期")
    _dispatch(h, c, "U1", at(9, 28, 9, 5), 2)
    _sign(h, c, "U1", at(9, 28, 9, 30))
    move_clock(h, at(10, 8, 8))

    cases["A"] = a = _accept(h, at(10, 8), "A 按时办结")
    _dispatch(h, a, "U1", at(10, 8, 9, 10), 5)
    _sign(h, a, "U1", at(10, 8, 10))
    cases["B"] = b = _accept(h, at(10, 8, 9, 20), "B 发回重办")
    _dispatch(h, b, "U1", at(10, 8, 9, 25), 5)
    cases["D"] = d = _accept(h, at(10, 9), "D 正当理由逾期")
    _dispatch(h, d, "U1", at(10, 9, 9, 5), 1)
    _sign(h, d, "U1", at(10, 9, 9, 30))
    _reply(h, a, "U1", at(10, 9, 10))
    _reply(h, c, "U1", at(10, 9, 11))
    h.cases.revisit(a, satisfied=True, reply_matches_facts=True, note="满意", satisfaction="satisfied", ctx=ctx(AGENT, at(10, 10, 10)))

    _sign(h, b, "U1", at(10, 12))
    cases["E"] = e = _accept(h, at(10, 12, 8), "E 无正当理由逾期")
    _dispatch(h, e, "U1", at(10, 12, 8, 10), 2)
    _sign(h, e, "U1", at(10, 12, 8, 20))
    for k in range(1, 6):
        cases[f"F{k}"] = f = _accept(h, at(10, 12, 9, k), f"F{k} 月内第{k}件逾期")
        _dispatch(h, f, "U2", at(10, 12, 9, 10 + k), 1)
        _sign(h, f, "U2", at(10, 12, 9, 20 + k))
    cases["G"] = g = _accept(h, at(10, 12, 10), "G 延期")
    _dispatch(h, g, "U3", at(10, 12, 10, 5), 5)
    _sign(h, g, "U3", at(10, 12, 10, 10))
    cases["H"] = hh = _accept(h, at(10, 12, 10, 20), "H 退回不成立")
    _dispatch(h, hh, "U3", at(10, 12, 10, 25), 5)
    h.cases.return_dispatch(hh, reason="非本单位职责", ctx=ctx(handler("U3"), at(10, 12, 11)))
    h.cases.decide_return(hh, 1, accepted=False, reason="属于该单位职责", ctx=ctx(CENTER, at(10, 12, 14)))
    cases["I"] = i = _accept(h, at(10, 12, 10, 30), "I 退回改派")
    _dispatch(h, i, "U3", at(10, 12, 10, 35), 5)
    h.cases.return_dispatch(i, reason="非本单位职责", ctx=ctx(handler("U3"), at(10, 12, 11, 5)))
    cases["J"] = j = _accept(h, at(10, 12, 10, 40), "J 非成员单位")
    _dispatch(h, j, "N1", at(10, 12, 10, 45), 5)
    _sign(h, j, "N1", at(10, 12, 11, 30))

    h.cases.request_extension(g, working_days=3, reason="需协调", ctx=ctx(handler("U3"), at(10, 13)))
    h.cases.decide_extension(g, 1, approved=True, reason="同意", ctx=ctx(CENTER, at(10, 13, 10)))
    _dispatch(h, i, "U1", at(10, 13, 9), 5)
    _sign(h, i, "U1", at(10, 13, 10))
    _sign(h, hh, "U3", at(10, 13, 10))
    _reply(h, b, "U1", at(10, 13, 10))
    _reply(h, j, "N1", at(10, 13, 10))
    h.cases.revisit(b, satisfied=False, reply_matches_facts=False, note="不满意", satisfaction="unsatisfied", ctx=ctx(AGENT, at(10, 13, 11)))

    move_clock(h, at(10, 14, 8))
    h.cases.redo(b, reason="不满意，发回重办", working_days=5, ctx=ctx(CENTER, at(10, 14, 9)))
    methods = [
        ("wechat", {}), ("written_letter", {}), ("onsite_coordination", {"due_date": date(2026, 10, 20), "signed_by": [SignedShare(unit="U2", share="牵头")]}),
        ("leader_dispatch", {"due_date": date(2026, 10, 20), "instruction": "限期办结", "leader": "副市长"}), ("phone", {}),
    ]
    for k, (method, extra) in enumerate(methods, start=1):
        h.cases.urge(cases[f"F{k}"], method=method, unit="U2", note="请办结", ctx=ctx(CENTER, at(10, 14, 9, k)), **extra)
    h.cases.report_justification(d, reason="涉诉", ctx=ctx(handler("U1"), at(10, 14, 10)))
    h.cases.decide_justification(d, 1, accepted=True, reason="理由正当", ctx=ctx(CENTER, at(10, 14, 11)))
    _reply(h, hh, "U3", at(10, 14, 12))
    _reply(h, i, "U1", at(10, 14, 13))

    move_clock(h, at(10, 15, 8))
    h.cases.urge(e, method="sms", unit="U1", note="请办结", ctx=ctx(CENTER, at(10, 15, 9)))
    _reply(h, b, "U1", at(10, 15, 10))
    for k in range(1, 6):
        _reply(h, cases[f"F{k}"], "U2", at(10, 16, 10, k))
    _reply(h, d, "U1", at(10, 16, 12))
    _reply(h, g, "U3", at(10, 16, 13))

    move_clock(h, at(10, 20, 8))
    _reply(h, e, "U1", at(10, 20, 9))
    h.followers.catch_up()
    finding = rule_finding_id(f"11(2)|U2|{MONTH}")
    findings = h.findings
    findings.confirm(finding, note="属实", ctx=ctx(CENTER, at(10, 21, 9)))
    findings.hold_talk(finding, kind="reminder_talk", note="约谈", ctx=ctx(CENTER, at(10, 21, 10)))
    findings.sanction(
        finding, measures=["13(1)"], responsibility=Responsibility(scope="collective", kind="leadership"), note="通报批评",
        ctx=ctx(CENTER, at(10, 21, 11)),
    )
    findings.sanction(
        finding, measures=["14(1)"], responsibility=Responsibility(scope="individual", kind="direct"), staff="U2-unit_handler",
        note="书面检查", ctx=ctx(leader("U2"), at(10, 21, 12)),
    )
    h.followers.catch_up()
    return cases


def expected(**figures: Any) -> dict[str, Any]:
    """A scorecard's figures: zero unless given."""
    base = dict.fromkeys(
        (
            "dispatched", "signed", "signed_on_time", "due", "replied", "replied_on_time", "overdue", "overdue_unjustified",
            "returned_dispatches", "returns_rejected", "extensions_approved", "justifications_accepted", "urgings", "supervised",
            "supervision_met", "supervision_unmet", "redo", "revisited", "satisfied", "reply_mismatch", "findings",
            "findings_confirmed", "findings_dismissed", "findings_waived", "sanctions", "sanctions_collective",
            "sanctions_individual", "appeals", "referrals",
        ),
        0,
    )
    return base | figures


NO_METHODS = {"sms": 0, "phone": 0, "wechat": 0, "written_letter": 0, "onsite_coordination": 0, "leader_dispatch": 0}

# Worked out by hand from the story above (see the module docstring).
OCTOBER: dict[str, dict[str, Any]] = {
    "U1": expected(
        dispatched=5,  # A, B, D, E, and I's second round (C was dispatched in September)
        signed=5,  # A, B, D, E, I
        signed_on_time=4,  # all but B
        due=6,  # on time: A, B (round 1), B (round 2), I; lapsed with an October due date: D, E
        replied=7,  # A, C (late), B twice, D (late), E (late), I
        replied_on_time=4,  # A, B, B, I
        overdue=2,  # D (due 10-10), E (due 10-14); C counts in September
        overdue_unjustified=1,  # E (D's justification was accepted)
        justifications_accepted=1,  # D
        urgings=1,  # E, by SMS
        supervised=3,  # 6(3) on C (recorded 10-01 00:00), D, E
        supervision_unmet=1,  # E's SMS urging (due 10-19)
        redo=1,  # B
        revisited=2,  # A, B
        satisfied=1,  # A
        reply_mismatch=1,  # B
        findings=2,  # 11(5) on B, 11(8) on E
    )
    | {"urgings_by_method": NO_METHODS | {"sms": 1}, "findings_by_clause": {"11(5)": 1, "11(8)": 1}},
    "U2": expected(
        dispatched=5, signed=5, signed_on_time=5, due=5, replied=5, replied_on_time=0, overdue=5, overdue_unjustified=5,
        urgings=5, supervised=5, supervision_met=5, findings=1, findings_confirmed=1, sanctions=2, sanctions_collective=1,
        sanctions_individual=1,
    )
    | {
        "urgings_by_method": NO_METHODS | {"wechat": 1, "written_letter": 1, "onsite_coordination": 1, "leader_dispatch": 1, "phone": 1},
        "findings_by_clause": {"11(2)": 1},
        "measures": {"13(1)": 1, "14(1)": 1},
    },
    "U3": expected(
        dispatched=3,  # G, H, I (first round)
        signed=2, signed_on_time=2,  # G, H (I was returned unsigned)
        due=2, replied=2, replied_on_time=2,  # G, H
        returned_dispatches=2,  # H, I
        returns_rejected=1,  # H
        extensions_approved=1,  # G
    ),
    "N1": expected(dispatched=1, signed=1, signed_on_time=1, due=1, replied=1, replied_on_time=1),
}
SEPTEMBER_U1 = expected(dispatched=1, signed=1, signed_on_time=1, due=1, overdue=1, overdue_unjustified=1)
RATES_OCTOBER = {
    "U1": {
        "signed_on_time": {"value": 0.8, "numerator": 4, "denominator": 5},
        "replied_on_time": {"value": 0.6667, "numerator": 4, "denominator": 6},
        "satisfaction": {"value": 0.5, "numerator": 1, "denominator": 2},
    },
    "U2": {
        "signed_on_time": {"value": 1.0, "numerator": 5, "denominator": 5},
        "replied_on_time": {"value": 0.0, "numerator": 0, "denominator": 5},
        "satisfaction": {"value": None, "numerator": 0, "denominator": 0},
    },
}


def check_card(card: dict[str, Any], truth: dict[str, Any]) -> None:
    """Every figure the truth names equals the card's (grouped figures compared whole)."""
    wrong = {key: (card.get(key), value) for key, value in truth.items() if card.get(key) != value}
    assert not wrong, f"{card['unit']} {card['period']}: (got, expected) {wrong}"
