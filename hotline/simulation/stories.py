"""What happens to each simulated case: drawn from the seed, played as a sequence of timed steps.

Each case has its own random source (seeded with the run's seed and the case's index), so what
happens to case *i* does not depend on how the cases are shared between processes. A story is a
generator: it yields the next ``Step`` (an instant, an action, who acts, its arguments) and is sent
the case as it stands after that step, so later steps are timed from the case's own deadlines.

Rates (per case unless said otherwise), chosen to match a well-run 12345 hotline:

* a few requests are answered at once by the agent and archived without dispatch;
* about 97% of the lead units sign by the end of the next working day after dispatch;
* about 95% of the replies come before the handling deadline; a few units are chronically late
  (``world.CHRONIC``), so Art. 11(1), 11(2) and 11(8) findings arise; late cases are urged (Art. 7:
  SMS, phone or WeChat, then a written letter, or an on-site coordination for joint cases);
* about 2% of the dispatches are returned by the unit (most re-dispatched, some rejected as 推诿);
* about 95% of the revisits find the requester satisfied; about 3% of the cases are redone;
* some leader cases (a city leader's dispatch, Art. 7(4)), emergencies (a response deadline in
  hours, Art. 11(3)) and joint cases (co-units, cooperation issues, Art. 11(4)).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cases.calendar import TZ, WorkingCalendar, local_date
from cases.case import Case
from cases.values import Requester, SignedShare
from foundation.actors import Actor
from hotline.simulation.world import (
    CITY,
    GIVEN,
    LEADERS,
    SURNAMES,
    Category,
    World,
    agent,
    center_clerk,
    unit_handler,
)

DIRECT = 0.04
"""Answered by the agent at once (直接答复) and archived without dispatch."""
SIGN_LATE = 0.03
RETURNED = 0.02
RETURN_ACCEPTED = 0.75
UNSATISFIED = 0.05
REDO_WHEN_UNSATISFIED = 0.6
STILL_UNSATISFIED_AFTER_REDO = 0.3
MISMATCH = 0.01
JOINT = 0.03
EMERGENCY_IN_CAPABLE = 0.07
URGENT = 0.06
EXTENSION = 0.03
REMINDER = 0.03
JUSTIFIED_LATE = 0.15
VERY_LATE = {True: 0.35, False: 0.08}
"""Of the late replies, how many come more than 10 working days late (chronic units, the others)."""
COOPERATION_ISSUE = 0.2
SUPERVISED_BY_HAND = 0.003
FLAG_RATES = {"leader_involved": 0.004, "key": 0.01, "hot": 0.015, "difficult": 0.01}
CHANNELS = (("phone", 70), ("wechat", 12), ("web", 8), ("app", 10))

UNIT_HOURS = (time(8, 30), time(17, 30))
CENTER_HOURS = (time(8, 0), time(21, 30))


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str
    actor: Actor
    kwargs: dict[str, Any] = field(default_factory=dict)


Story = Generator[Step, Case, None]


def case_id(seed: int, i: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"hotline:simulation:{seed}:{i}")


class Hours:
    """When units and the center work: units on working days 08:30-17:30, the center daily 08:00-21:30."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def working(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def add(self, day: date, working_days: int) -> date:
        return self.calendar.add_working_days(day, working_days) if working_days > 0 else day

    def unit(self, t: datetime, rng: Random) -> datetime:
        """The first instant at or after ``t`` in a unit's working hours (a little later if it had to wait)."""
        return self._within(t, rng, UNIT_HOURS, working_only=True)

    def center(self, t: datetime, rng: Random) -> datetime:
        return self._within(t, rng, CENTER_HOURS, working_only=False)

    def _within(self, t: datetime, rng: Random, hours: tuple[time, time], *, working_only: bool) -> datetime:
        opens, closes = hours
        day = local_date(t)
        if (not working_only or self.working(day)) and opens <= t.timetz().replace(tzinfo=None) < closes:
            return t
        if (not working_only or self.working(day)) and t.timetz().replace(tzinfo=None) < opens:
            start = day
        else:
            start = day + timedelta(days=1)
            while working_only and not self.working(start):
                start += timedelta(days=1)
        return at(start, opens) + timedelta(minutes=rng.uniform(0, 90))

    def on(self, day: date, rng: Random, *, after: datetime | None = None) -> datetime:
        """An instant in a unit's working hours on ``day`` (or the next working day), after ``after``."""
        while not self.working(day):
            day += timedelta(days=1)
        instant = at(day, UNIT_HOURS[0]) + timedelta(minutes=rng.uniform(0, 510))
        if after is not None and instant <= after:
            instant = self.unit(after + timedelta(minutes=rng.uniform(20, 120)), rng)
        return instant


def at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=TZ)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


@dataclass
class Draw:
    """What a case is, drawn at acceptance: the request, its category, units, urgency and flags."""

    i: int
    id: UUID
    accepted_at: datetime
    rng: Random
    category: Category
    lead: str
    co_units: list[str]
    urgency: str
    flags: list[str]
    accept: dict[str, Any]


def draw(seed: int, i: int, accepted_at: datetime, world: World) -> Draw:
    rng = Random(f"{seed}:{i}")
    category = world.category(rng)
    lead = world.lead_unit(category, rng)
    co_units = world.co_units(category, lead, rng) if rng.random() < JOINT else []
    capable = category.rule.emergency_response_hours is not None
    roll = rng.random()
    urgency = "emergency" if capable and roll < EMERGENCY_IN_CAPABLE else "urgent" if roll > 1 - URGENT else "normal"
    flags = [flag for flag, rate in FLAG_RATES.items() if rng.random() < rate]
    issue = rng.choice(category.issues)
    place = world.units[lead].name.removesuffix("人民政府") if lead.startswith("U-") else "赣州市"
    surname = rng.choice(SURNAMES)
    requester = Requester(
        name=surname + (rng.choice(GIVEN) + rng.choice(GIVEN) if rng.random() < 0.6 else rng.choice(("先生", "女士"))),
        phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        id_number=f"3621{rng.randrange(10**14):014d}" if rng.random() < 0.3 else None,
        address=f"江西省赣州市{place}{rng.randint(1, 300)}号" if rng.random() < 0.7 else None,
    )
    channels, weights = zip(*CHANNELS, strict=True)
    accept = {
        "channel": rng.choices(channels, weights=weights)[0],
        "category": category.name,
        "summary": issue,
        "content": f"诉求人反映：{issue}，已持续一段时间，请相关部门尽快核实处理并回复。",
        "urgency": urgency,
        "requester": requester,
        "confidential": rng.random() < 0.02,
        "unclear": rng.random() < 0.01,
        "flags": flags,
    }
    return Draw(i, case_id(seed, i), accepted_at, rng, category, lead, co_units, urgency, flags, accept)


class Storyteller:
    """Makes the story of each drawn case."""

    def __init__(self, world: World, calendar: WorkingCalendar) -> None:
        self.world = world
        self.hours = Hours(calendar)

    def story(self, d: Draw) -> Story:
        rng, h = d.rng, self.hours
        center = center_clerk(d.i)
        t = d.accepted_at
        case = yield Step(t, "accept", agent(d.i), d.accept)
        if rng.random() < DIRECT:
            yield Step(t + timedelta(minutes=rng.uniform(3, 40)), "close", center)
            return
        t = h.center(t + timedelta(minutes=rng.uniform(10, 120)), rng)
        lead, co_units = d.lead, list(d.co_units)
        case = yield Step(t, "dispatch", center, {"lead_unit": lead, "co_units": co_units})
        rejected_return = False
        if rng.random() < RETURNED and d.urgency != "emergency":
            t = h.unit(t + hours(rng.uniform(0.5, 6)), rng)
            case = yield Step(t, "return_dispatch", unit_handler(lead), {"reason": "经核实，该诉求不属于本单位职责范围"})
            t = h.center(t + hours(rng.uniform(0.5, 8)), rng)
            if rng.random() < RETURN_ACCEPTED:
                lead = self._another(d.category, lead, rng)
                co_units = [u for u in co_units if u != lead]
                case = yield Step(t, "dispatch", center, {"lead_unit": lead, "co_units": co_units})
            else:
                rejected_return = True
                reason = "经核实属于该单位职责，退回理由不成立"
                case = yield Step(t, "decide_return", center, {"n": len(case.returns), "accepted": False, "reason": reason})
        case = yield from self._first_round(d, case, lead, co_units, t, rejected_return)
        yield from self._after_reply(d, case, lead)

    def _another(self, category: Category, lead: str, rng: Random) -> str:
        for _ in range(8):
            unit = self.world.lead_unit(category, rng)
            if unit != lead:
                return unit
        return self.world.resolve("*county", rng) if lead != "U-ZG" else "U-NK"

    # ------------------------------------------------------------------ the first round

    def _first_round(self, d: Draw, case: Case, lead: str, co_units: list[str], t: datetime, rejected_return: bool) -> Any:
        rng, h = d.rng, self.hours
        dispatched_at = case.current_round.started_at
        steps: list[Step] = []
        response = case.current_round.response
        if response is not None:
            window = (response.due_at - dispatched_at).total_seconds() / 3600
            factor = rng.uniform(1.3, 3) if rng.random() < 0.08 else rng.uniform(0.1, 0.8)
            steps.append(Step(max(t, dispatched_at) + hours(window * factor), "respond", unit_handler(lead), {"note": "已派员赶赴现场处置"}))
        signed_at = t
        for n, unit in enumerate([lead, *co_units]):
            if rng.random() < SIGN_LATE:
                sign_at = h.on(h.add(local_date(t), rng.randint(2, 4)), rng)
            else:
                sign_at = h.unit(t + hours(rng.uniform(0.2, 3)), rng)
            steps.append(Step(sign_at, "sign", unit_handler(unit)))
            if n == 0:
                signed_at = sign_at
        if "leader_involved" in d.flags:
            day = local_date(signed_at)
            steps.append(Step(h.center(signed_at + hours(rng.uniform(1, 6)), rng), "urge", CITY, {
                "method": "leader_dispatch", "unit": lead, "instruction": "请于三日内办结并报告结果",
                "leader": rng.choice(LEADERS), "due_date": day + timedelta(days=4), "note": "市领导批示",
            }))
        if rng.random() < SUPERVISED_BY_HAND:
            steps.append(Step(h.center(t + hours(rng.uniform(1, 30)), rng), "supervise", center_clerk(d.i), {"ground": "6(5)", "reason": "媒体关注，列入督办"}))
        steps.sort(key=lambda s: s.at)
        for step in steps:
            case = yield step
        last = steps[-1].at
        return (yield from self._handle(d, case, lead, co_units, last, signed_at, rejected_return=rejected_return))

    # ------------------------------------------------------------------ a round with the unit, up to the reply

    def _handle(
        self, d: Draw, case: Case, lead: str, co_units: list[str], last: datetime, signed_at: datetime, *, rejected_return: bool = False,
    ) -> Any:
        rng, h, world = d.rng, self.hours, self.world
        center = center_clerk(d.i)
        late_rate = world.units[lead].late_rate
        issue = bool(co_units) and rng.random() < COOPERATION_ISSUE
        if issue or rejected_return and co_units:
            late_rate = max(late_rate, 0.5)
        if "leader_involved" in d.flags:
            late_rate = min(late_rate, 0.02)
        late = rng.random() < late_rate
        due = case.current_round.deadline.due_date
        if not late and rng.random() < EXTENSION and case.round_number == 1:
            ask = h.on(local_date(last), rng, after=last)
            if local_date(ask) < due:
                case = yield Step(ask, "request_extension", unit_handler(lead), {"working_days": rng.choice((3, 5, 5, 10)), "reason": "涉及多个部门协调，需延长办理时限"})
                decided = h.center(ask + hours(rng.uniform(1, 6)), rng)
                approved = rng.random() < 0.85
                n = len(case.extension_requests)
                case = yield Step(decided, "decide_extension", center, {"n": n, "approved": approved, "reason": "同意延期" if approved else "理由不充分"})
                last = decided
                due = case.current_round.deadline.due_date
        before: list[list[Step]] = []
        """Groups of steps: a group is played whole or not at all (a report and its decision)."""
        if late:
            very = rng.random() < VERY_LATE[late_rate >= 0.2]
            chain = very and late_rate >= 0.2 and rng.random() < 0.25
            k = rng.randint(14, 20) if chain else rng.randint(11, 16) if very else min(1 + int(rng.expovariate(0.45)), 9)
            reply_at = h.on(h.add(due, k), rng)
            first = at(h.add(due, 1), time(9)) + timedelta(minutes=rng.uniform(0, 120))
            if k >= 2:
                before.append([Step(first, "urge", center, {"method": rng.choice(("sms", "phone", "wechat")), "unit": lead, "note": "已超期，请尽快办结"})])
            if k >= 4:
                second = at(h.add(due, 3), time(9)) + timedelta(minutes=rng.uniform(0, 240))
                if co_units or "difficult" in d.flags:
                    sheet = [SignedShare(unit=lead, share="牵头办理")] + [SignedShare(unit=u, share="配合办理") for u in co_units]
                    before.append([Step(second, "urge", center, {
                        "method": "onsite_coordination", "unit": lead, "signed_by": sheet,
                        "due_date": local_date(second) + timedelta(days=5), "note": "现场协调会",
                    })])
                else:
                    before.append([Step(second, "urge", center, {"method": "written_letter", "unit": lead, "note": "书面督办通知"})])
            if rng.random() < JUSTIFIED_LATE:
                report = h.on(h.add(due, 1), rng)
                accepted = rng.random() < 0.6
                before.append([
                    Step(report, "report_justification", unit_handler(lead), {"reason": "涉及司法程序，无法按期办结"}),
                    Step(h.center(report + hours(rng.uniform(2, 26)), rng), "decide_justification", center, {
                        "n": len(case.justifications) + 1, "accepted": accepted, "reason": "理由正当" if accepted else "理由不成立",
                    }),
                ])
            if chain:
                refused = at(h.add(due, 12), time(10))
                before.append([
                    Step(at(h.add(due, 11), time(10)), "propose_rectification", center, {"unit": lead, "proposal": "请立即整改并书面报告"}),
                    Step(refused, "refuse_rectification", center, {"n": len(case.rectifications) + 1, "note": "单位拒不落实整改建议"}),
                    Step(refused + hours(1), "escalate", center, {"reason": "拒不落实整改建议，报市政府"}),
                    Step(at(h.add(due, 13), time(10)), "order_tracking", CITY, {"note": "市政府督查室跟踪督办"}),
                ])
        else:
            earliest = max(last, signed_at) + hours(0.5)
            days = [local_date(earliest)]
            while days[-1] < due:
                days.append(h.add(days[-1], 1))
            day = days[min(int(len(days) * rng.random() ** 1.4), len(days) - 1)]
            reply_at = h.on(day, rng, after=earliest)
            if local_date(reply_at) > due:  # the working hours ran out: the last hour of the due date
                reply_at = max(earliest, at(due, time(17)))
            if rng.random() < REMINDER and "leader_involved" not in d.flags:
                reminder = reply_at - hours(rng.uniform(1, 20))
                if reminder > earliest:
                    before.append([Step(reminder, "urge", center, {"method": rng.choice(("sms", "phone", "wechat")), "unit": lead, "note": "即将到期，请按时办结"})])
        for unit in co_units:
            if issue and unit == co_units[0]:
                when = last + (reply_at - last) * rng.uniform(0.2, 0.6)
                before.append([Step(when, "record_cooperation_issue", unit_handler(lead), {"unit": unit, "note": "协办单位未按约定到场配合"})])
            elif rng.random() < 0.8:
                when = last + (reply_at - last) * rng.uniform(0.3, 0.9)
                before.append([Step(when, "contribute", unit_handler(unit), {"note": "已配合完成现场核查"})])
        kept = [step for group in before if all(last < step.at < reply_at for step in group) for step in group]
        for step in sorted(kept, key=lambda s: s.at):
            case = yield step
        outcome = "resolved" if rng.random() < 0.8 else rng.choice(("explained", "unresolved"))
        case = yield Step(reply_at, "reply", unit_handler(lead), {"content": "已现场核查并处理，处理结果已告知诉求人。", "outcome": outcome})
        return case

    # ------------------------------------------------------------------ revisit, redo, archive

    def _after_reply(self, d: Draw, case: Case, lead: str) -> Story:
        rng, h = d.rng, self.hours
        center = center_clerk(d.i)
        t = case.current_round.reply.at
        unsatisfied_rate = UNSATISFIED
        for attempt in range(2):
            t = h.center(t + hours(rng.uniform(3, 40)), rng)
            satisfied = rng.random() >= unsatisfied_rate
            level = (
                rng.choices(("very_satisfied", "satisfied", "basically_satisfied"), weights=(50, 40, 10))[0]
                if satisfied
                else rng.choices(("unsatisfied", "very_unsatisfied"), weights=(80, 20))[0]
            )
            case = yield Step(t, "revisit", agent(d.i + attempt), {
                "satisfied": satisfied, "reply_matches_facts": rng.random() >= MISMATCH, "note": "电话回访", "satisfaction": level,
            })
            if satisfied:
                break
            if attempt == 1:
                t = h.center(t + hours(rng.uniform(1, 24)), rng)
                at_fault = rng.random() < 0.5
                case = yield Step(t, "attribute_redo", center, {"unit_at_fault": at_fault, "reason": "承办单位未实质处理" if at_fault else "诉求超出政策范围"})
                break
            if rng.random() >= REDO_WHEN_UNSATISFIED:
                break
            t = h.center(t + hours(rng.uniform(0.5, 20)), rng)
            case = yield Step(t, "redo", center, {"reason": "诉求人不满意，发回重办"})
            case = yield from self._handle(d, case, lead, list(case.current_round.co_units), t, t)
            t = case.current_round.reply.at
            unsatisfied_rate = STILL_UNSATISFIED_AFTER_REDO
        t = h.center(t + hours(rng.uniform(1, 30)), rng)
        case = yield Step(t, "close", center)
        if case.has_supervision_result:
            yield Step(h.center(t + hours(rng.uniform(4, 60)), rng), "notify_superior", center, {"note": "督办结果反馈上级单位"})
