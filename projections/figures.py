"""The figures of a scorecard (Art. 3, 8, 18): what each one counts, and the facts behind it.

A *fact* is one thing counted: one figure, for one unit, in one month, with a key that makes it
count once (a case's round, an urging, a revisit, ...), the staff members it is attributed to,
and the event that counted it. The scorecard projection keeps, for every case and finding, a
compact state folded from its events (no requester data); the facts are a pure function of that
state (``case_facts``, ``finding_facts``). When an event changes the state, the projection derives
the facts again and applies the difference to the per-unit-month (and per-staff-month) totals, so
a total always equals the number of its facts, and a later event can take a fact out again (an
accepted justification leaves ``overdue_unjustified``; a withdrawn finding leaves ``findings``).

Months are Asia/Shanghai calendar months of the instant the counting event was recorded, except
where a figure says otherwise (deadlines count in the month of their due date, as Art. 11(2) does).
The readings are in the README ("Readings for the reports"); each figure's text below is the short
form shown in the reports' notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from foundation.clock import TZ
from accountability.clauses import CLAUSES
from accountability.measures import MEASURES
from accountability.rules import METHOD_TEXT
from cases.supervision import METHODS

SIGN_WORKING_DAYS = 1
"""A dispatch is signed on time when the lead unit signs it by 24:00 of the first working day after the day of dispatch.

The measures set no time limit for signing (Art. 8 only asks for the monthly report): this is the
center's reading for 按时签收率, said as such wherever the figure is explained (README, notes sheet)."""


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    """The Chinese column header."""
    means: str


def _figures() -> dict[str, Figure]:
    base = [
        Figure("dispatched", "派单数", "rounds dispatched to the unit as lead unit (a re-dispatch after a return is a new round), in the month of the dispatch"),
        Figure("signed", "签收数", "dispatches the lead unit signed, in the month of the signature"),
        Figure("signed_on_time", "按时签收数", f"dispatches signed by 24:00 of working day {SIGN_WORKING_DAYS} after the day of dispatch (the center's reading: the measures set no signing limit), in the month of the dispatch"),
        Figure("due", "应办结数", "handling rounds whose deadline came to an end: replied before it lapsed (month of the reply) or lapsed (month of the lapsed due date)"),
        Figure("replied", "办结数", "replies of the lead unit (办结), in the month of the reply"),
        Figure("replied_on_time", "按时办结数", "replies recorded before the round's handling deadline lapsed, in the month of the reply"),
        Figure("overdue", "逾期件数", "cases whose handling deadline lapsed before the reply, once per case, in the month of the due date that lapsed (a case due 03-31 counts in March)"),
        Figure("overdue_unjustified", "无正当理由逾期件数", "overdue cases without a justification the center accepted (the Art. 11(2) count); an accepted justification takes the case out"),
        Figure("returned_dispatches", "退回件数", "dispatches the unit returned as not its business, in the month of the return"),
        Figure("returns_rejected", "推诿件数", "returns the center ruled unjustified (推诿, Art. 5), in the month of the ruling"),
        Figure("extensions_approved", "批准延期数", "extension requests the center approved, in the month of the approval"),
        Figure("justifications_accepted", "采纳正当理由数", "justification reports the center accepted (Art. 11(1)), in the month of the decision"),
        Figure("urgings", "催办督办次数", "Art. 7 supervision acts addressed to the unit, in the month they were recorded"),
        *(
            Figure(f"urgings:{method}", METHOD_TEXT[method], f"Art. 7 supervision acts by {method}")
            for method in METHODS
        ),
        Figure("supervised", "督办件数", "cases put under supervision on an Art. 6 ground while with the unit as lead (once per case and month; grounds recorded before dispatch count at the dispatch)"),
        Figure("supervision_met", "督办按期办结数", "Art. 7 demands finished by their deadline, in the month they were met"),
        Figure("supervision_unmet", "督办逾期未办结数", "Art. 7 demands whose deadline lapsed unmet (Art. 11(8)), in the month of their due date"),
        Figure("redo", "发回重办数", "returns for redo (发回重办) of the unit's reply, in the month of the redo"),
        Figure("revisited", "回访数", "revisits of the unit's replies, in the month of the revisit"),
        Figure("satisfied", "满意数", "revisits where the requester was satisfied (very satisfied, satisfied or basically satisfied)"),
        Figure("reply_mismatch", "回复与实际不符数", "revisits that found the reply did not match what was done (Art. 11(5))"),
        Figure("findings", "问责事项数", "findings on the unit still standing (not withdrawn, not dismissed), in the month of their period (11(2)) or of raising"),
        *(Figure(f"findings:{clause}", f"第{clause}项" if "(" in clause else f"第{clause}条", f"findings under Art. {clause}") for clause in CLAUSES),
        Figure("findings_confirmed", "确认问责事项数", "findings confirmed, in the month of the confirmation"),
        Figure("findings_dismissed", "不予问责事项数", "findings dismissed, in the month of the dismissal"),
        Figure("findings_waived", "免予追究事项数", "findings waived under Art. 12, in the month of the decision"),
        Figure("sanctions", "问责决定数", "sanctions imposed (Art. 13 on the unit, Art. 14 on its staff), in the month imposed"),
        Figure("sanctions_collective", "集体问责（在执行）", "Art. 13 sanctions on the unit imposed in the month and not revoked on appeal"),
        Figure("sanctions_individual", "个人问责（在执行）", "Art. 14 sanctions on the unit's staff imposed in the month and not revoked on appeal"),
        *(Figure(f"measures:{code}", info.name, f"Art. {code} measures imposed") for code, info in MEASURES.items()),
        Figure("appeals", "申诉数", "appeals against a sanction (Art. 16), in the month of the appeal"),
        *(Figure(f"appeals:{outcome}", text, f"appeals decided {outcome}") for outcome, text in (("upheld", "维持"), ("modified", "变更"), ("revoked", "撤销"))),
        Figure("referrals", "移送数", "referrals to the discipline agencies or judicial organs (Art. 15)"),
    ]
    return {figure.key: figure for figure in base}


FIGURES: dict[str, Figure] = _figures()


READINGS_ZH: dict[str, str] = {
    "dispatched": "作为主办单位被派单的办理轮次（退回后重新派单为新的一轮），计入派单当月",
    "signed": "主办单位签收的派单，计入签收当月",
    "signed_on_time": f"派单次日起第{SIGN_WORKING_DAYS}个工作日24时前签收的派单，计入派单当月（热线中心的统计口径，本办法未规定签收时限）",
    "due": "办理时限届满的办理轮次：时限内答复的计入答复当月，逾期的计入到期日所在月份",
    "replied": "主办单位的答复（办结），计入答复当月",
    "replied_on_time": "在本轮办理时限届满前作出的答复，计入答复当月",
    "overdue": "答复前办理时限已届满的工单，每件只计一次，计入到期日所在月份（3月31日到期的计入3月）",
    "overdue_unjustified": "未经热线中心采纳正当理由的逾期工单（第十一条第（二）项的计数）；正当理由被采纳后即不再计入",
    "returned_dispatches": "单位以非本单位职责为由退回的派单，计入退回当月",
    "returns_rejected": "热线中心认定理由不成立的退回（推诿，第五条），计入认定当月",
    "extensions_approved": "热线中心批准的延期申请，计入批准当月",
    "justifications_accepted": "热线中心采纳的正当理由说明（第十一条第（一）项），计入决定当月",
    "urgings": "向该单位发出的第七条催办督办，计入登记当月",
    "supervised": "作为主办单位期间依第六条列入督办的工单（每件每月一次；派单前登记的督办事由计入派单当月）",
    "supervision_met": "在第七条规定时限内办结的督办要求，计入办结当月",
    "supervision_unmet": "第七条时限届满仍未办结的督办要求（第十一条第（八）项），计入到期日所在月份",
    "redo": "单位答复被发回重办的次数，计入发回当月",
    "revisited": "对单位答复的回访，计入回访当月",
    "satisfied": "回访结果为非常满意、满意或基本满意的次数",
    "reply_mismatch": "回访发现答复与实际办理情况不符的次数（第十一条第（五）项）",
    "findings": "仍然有效（未撤回、未不予问责）的问责事项，计入所属期间（第十一条第（二）项）或提出当月",
    "findings_confirmed": "认定问责的事项，计入认定当月",
    "findings_dismissed": "不予问责的事项，计入决定当月",
    "findings_waived": "依第十二条免予追究的事项，计入决定当月",
    "sanctions": "作出的问责决定（第十三条对单位，第十四条对工作人员），计入决定当月",
    "sanctions_collective": "当月作出、未被申诉撤销的第十三条集体问责",
    "sanctions_individual": "当月作出、未被申诉撤销的第十四条个人问责",
    "appeals": "对问责决定提出的申诉（第十六条），计入申诉当月",
    "referrals": "移送纪检监察机关或司法机关的事项（第十五条）",
}
"""What each figure counts, in Chinese (the notes of every report officials read; ``Figure.means`` is the API's English)."""


def reading_zh(key: str) -> str:
    """The Chinese reading of a figure, including the grouped ones (by method, clause, measure, outcome)."""
    if key in READINGS_ZH:
        return READINGS_ZH[key]
    group, _, item = key.partition(":")
    return {
        "urgings": f"以{FIGURES[key].label}方式发出的第七条催办督办",
        "findings": f"依第{item}{'项' if '(' in item else '条'}提出的问责事项",
        "measures": f"作出的第{item}项问责措施（{FIGURES[key].label}）",
        "appeals": f"申诉决定结果为{FIGURES[key].label}的次数",
    }[group]


SCORECARD_FIGURES: tuple[str, ...] = tuple(key for key in FIGURES if ":" not in key)
"""The figures a scorecard answers at its top level (the others are grouped: by method, clause, measure, outcome)."""


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str
    denominator: tuple[str, ...]


RATES: dict[str, Rate] = {
    rate.key: rate
    for rate in (
        Rate("signed_on_time", "按时签收率", "signed_on_time", ("dispatched",)),
        Rate("replied_on_time", "按时办结率", "replied_on_time", ("due",)),
        Rate("satisfaction", "满意率", "satisfied", ("revisited",)),
        Rate("redo", "发回重办率", "redo", ("replied",)),
        Rate("supervision_met", "督办按期办结率", "supervision_met", ("supervision_met", "supervision_unmet")),
    )
}


def rate(figures: dict[str, int], key: str) -> dict[str, Any]:
    """A rate with its numerator and denominator (``value`` is None when nothing was there to count)."""
    spec = RATES[key]
    numerator = figures.get(spec.numerator, 0)
    denominator = sum(figures.get(f, 0) for f in spec.denominator)
    return {"value": round(numerator / denominator, 4) if denominator else None, "numerator": numerator, "denominator": denominator}


# ------------------------------------------------------------------ facts


def month_of_us(us: int) -> str:
    """The month (Asia/Shanghai) of an instant in microseconds: that of its hour, remembered per hour
    (the offset is a whole number of hours, so an hour never straddles two months)."""
    return _month_of_hour(us // 3_600_000_000)


@lru_cache(maxsize=65536)
def _month_of_hour(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, tz=TZ).strftime("%Y-%m")


def month_of_day(day: str) -> str:
    return day[:7]


def sign_due(started: date, calendar: Any) -> date:
    """The last day a dispatch on ``started`` is signed on time (24:00 of it)."""
    return calendar.add_working_days(started, SIGN_WORKING_DAYS)


@dataclass
class Facts:
    """The facts of one case or finding: ``"figure|unit|month|key"`` → [staff, event, version, at_us, detail]."""

    items: dict[str, list[Any]] = field(default_factory=dict)

    def add(
        self, figure: str, unit: str, month: str, key: str, *, event: tuple[str, int, int], staff: Sequence[str | None] = (), detail: Any = None
    ) -> None:
        fact_id = f"{figure}|{unit}|{month}|{key}"
        if fact_id not in self.items:
            self.items[fact_id] = [sorted({s for s in staff if s}), event[0], event[1], event[2], detail]


def case_facts(state: dict[str, Any]) -> dict[str, list[Any]]:
    """Every fact a case's state holds (see ``FIGURES`` for what each counts)."""
    facts = Facts()
    rounds = state["rounds"]
    justified = {j["round"] for j in state["justifications"] if j.get("decision", {}).get("granted")}
    for r in rounds:
        _round_facts(facts, r, rounds)
    _overdue_facts(facts, rounds, justified)
    for ret in state["returns"]:
        key = f"return{ret['n']}"
        facts.add("returned_dispatches", ret["unit"], month_of_us(ret["at"]), key, staff=[ret.get("staff")], event=("DispatchReturned", ret["version"], ret["at"]))
        decision = ret.get("decision")
        if decision and not decision["granted"]:
            facts.add("returns_rejected", ret["unit"], month_of_us(decision["at"]), key, staff=[ret.get("staff")], event=("ReturnDecided", decision["version"], decision["at"]))
    for ext in state["extensions"]:
        decision = ext.get("decision")
        if decision and decision["granted"]:
            facts.add("extensions_approved", ext["unit"], month_of_us(decision["at"]), f"extension{ext['n']}", event=("ExtensionDecided", decision["version"], decision["at"]))
    for just in state["justifications"]:
        decision = just.get("decision")
        if decision and decision["granted"]:
            facts.add("justifications_accepted", just["unit"], month_of_us(decision["at"]), f"justification{just['n']}", event=("JustificationDecided", decision["version"], decision["at"]))
    for urging in state["urgings"]:
        _urging_facts(facts, urging)
    _supervised_facts(facts, state["grounds"], rounds)
    for visit in state["revisits"]:
        r = rounds[visit["round"] - 1]
        replier = (r.get("reply") or {}).get("staff")
        key, month, event = f"revisit{visit['n']}", month_of_us(visit["at"]), ("Revisited", visit["version"], visit["at"])
        facts.add("revisited", r["lead"], month, key, staff=[replier], event=event)
        if visit["satisfied"]:
            facts.add("satisfied", r["lead"], month, key, staff=[replier], event=event, detail=visit.get("satisfaction"))
        if not visit["matches"]:
            facts.add("reply_mismatch", r["lead"], month, key, staff=[replier], event=event)
    return facts.items


def _round_facts(facts: Facts, r: dict[str, Any], rounds: list[dict[str, Any]]) -> None:
    lead, key = r["lead"], f"round{r['n']}"
    sign, reply, lapse = r.get("sign"), r.get("reply"), r.get("lapse")
    if r["kind"] == "dispatch":
        facts.add("dispatched", lead, month_of_us(r["started"]), key, event=("Dispatched", r["version"], r["started"]))
        if sign:
            signed = ("Signed", sign["version"], sign["at"])
            facts.add("signed", lead, month_of_us(sign["at"]), key, staff=[sign["staff"]], event=signed)
            if sign["at"] < r["sign_due"]:
                facts.add("signed_on_time", lead, month_of_us(r["started"]), key, staff=[sign["staff"]], event=signed)
    else:
        previous = (rounds[r["n"] - 2].get("reply") or {}) if r["n"] >= 2 else {}
        facts.add("redo", lead, month_of_us(r["started"]), key, staff=[previous.get("staff")], event=("RedoOrdered", r["version"], r["started"]))
    if reply:
        replied = ("Replied", reply["version"], reply["at"])
        facts.add("replied", lead, month_of_us(reply["at"]), key, staff=[reply["staff"]], event=replied)
        if not reply["late"]:
            facts.add("replied_on_time", lead, month_of_us(reply["at"]), key, staff=[reply["staff"]], event=replied)
            facts.add("due", lead, month_of_us(reply["at"]), key, staff=[reply["staff"]], event=replied)
    if lapse and not (reply and not reply["late"]):
        facts.add("due", lapse["unit"], month_of_day(lapse["due"]), key, staff=[(sign or {}).get("staff")], event=("HandlingDeadlineLapsed", lapse["version"], lapse["at"]))


def _overdue_facts(facts: Facts, rounds: list[dict[str, Any]], justified: set[int]) -> None:
    """Once per case, unit and month of the lapsed due date, as Art. 11(2) counts (``accountability.rules.overdue_facts``)."""
    lapsed = sorted((r for r in rounds if r.get("lapse")), key=lambda r: (r["lapse"]["due"], r["n"]))
    for r in lapsed:
        lapse, signer = r["lapse"], (r.get("sign") or {}).get("staff")
        event = ("HandlingDeadlineLapsed", lapse["version"], lapse["at"])
        month = month_of_day(lapse["due"])
        facts.add("overdue", lapse["unit"], month, "case", staff=[signer], event=event, detail={"round": r["n"], "due_date": lapse["due"]})
        if r["n"] not in justified:
            facts.add("overdue_unjustified", lapse["unit"], month, "case", staff=[signer], event=event, detail={"round": r["n"], "due_date": lapse["due"]})


def _urging_facts(facts: Facts, urging: dict[str, Any]) -> None:
    key, unit = f"urging{urging['n']}", urging["unit"]
    event = ("Urged", urging["version"], urging["at"])
    detail = {"method": urging["method"], "article": urging["article"], "due_date": urging["due"]}
    month = month_of_us(urging["at"])
    facts.add("urgings", unit, month, key, staff=[urging.get("addressee")], event=event, detail=detail)
    facts.add(f"urgings:{urging['method']}", unit, month, key, staff=[urging.get("addressee")], event=event, detail=detail)
    met, lapsed = urging.get("met"), urging.get("lapsed")
    if met:
        facts.add("supervision_met", unit, month_of_us(met["at"]), key, staff=[urging.get("addressee")], event=("SupervisionMet", met["version"], met["at"]), detail=detail)
    if lapsed:
        facts.add("supervision_unmet", unit, month_of_day(urging["due"]), key, staff=[urging.get("addressee")], event=("SupervisionDeadlineLapsed", lapsed["version"], lapsed["at"]), detail=detail)


def _supervised_facts(facts: Facts, grounds: list[dict[str, Any]], rounds: list[dict[str, Any]]) -> None:
    for ground in grounds:
        event = ("SupervisionRequired", ground["version"], ground["at"])
        if ground["round"] >= 1:
            unit, month = rounds[ground["round"] - 1]["lead"], month_of_us(ground["at"])
        elif rounds:
            unit, month = rounds[0]["lead"], month_of_us(rounds[0]["started"])
        else:
            continue
        facts.add("supervised", unit, month, "case", event=event, detail={"ground": ground["ground"]})


def finding_facts(state: dict[str, Any]) -> dict[str, list[Any]]:
    """Every fact a finding's state holds: standing findings by clause, decisions, sanctions, appeals."""
    facts = Facts()
    unit, persons = state["unit"], state["persons"]
    if state["status"] not in ("withdrawn", "dismissed"):
        month = state["period"] or month_of_us(state["raised"]["at"])
        event = ("Raised", state["raised"]["version"], state["raised"]["at"])
        detail = {"clause": state["clause"], "status": state["status"]}
        facts.add("findings", unit, month, "finding", staff=persons, event=event, detail=detail)
        facts.add(f"findings:{state['clause']}", unit, month, "finding", staff=persons, event=event, detail=detail)
    for figure, name, event_type in (
        ("findings_confirmed", "confirmed", "Confirmed"), ("findings_dismissed", "dismissed", "Dismissed"), ("findings_waived", "waived", "Mitigated"),
    ):
        decided = state.get(name)
        if decided:
            facts.add(figure, unit, month_of_us(decided["at"]), "finding", staff=persons, event=(event_type, decided["version"], decided["at"]), detail={"clause": state["clause"]})
    for sanction in state["sanctions"]:
        key, month = f"sanction{sanction['n']}", month_of_us(sanction["at"])
        event = ("Sanctioned", sanction["version"], sanction["at"])
        detail = {"clause": state["clause"], "measures": sanction["imposed"], "in_force": sanction["measures"], "scope": sanction["scope"]}
        staff = [sanction["staff"]] if sanction["scope"] == "individual" else []  # a collective sanction falls on the unit alone
        facts.add("sanctions", unit, month, key, staff=staff, event=event, detail=detail)
        for code in sanction["imposed"]:
            facts.add(f"measures:{code}", unit, month, key, staff=staff, event=event, detail=detail)
        if sanction["measures"]:
            facts.add(f"sanctions_{sanction['scope']}", unit, month, key, staff=staff, event=event, detail=detail)
    for appeal in state["appeals"]:
        key = f"appeal{appeal['n']}"
        facts.add("appeals", unit, month_of_us(appeal["at"]), key, staff=[appeal["by"]], event=("Appealed", appeal["version"], appeal["at"]), detail={"sanction": appeal["sanction"]})
        decided = appeal.get("decided")
        if decided:
            facts.add(f"appeals:{decided['outcome']}", unit, month_of_us(decided["at"]), key, staff=[appeal["by"]], event=("AppealDecided", decided["version"], decided["at"]), detail={"sanction": appeal["sanction"], "measures": decided["measures"]})
    for referral in state["referrals"]:
        facts.add("referrals", unit, month_of_us(referral["at"]), f"referral{referral['n']}", staff=persons, event=("Referred", referral["version"], referral["at"]), detail={"to": referral["to"]})
    return facts.items
