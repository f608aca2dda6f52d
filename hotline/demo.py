"""The demo loaded on first start (``hotline serve --demo``, ``make run``).

Two parts, both played through the application commands:

1. ``hotline simulate``'s model at a small size: 600 requests over the three months before the
   service clock's "now" (``DEMO_CASES``), on the synthetic city's 80 member units, with deadline
   lapses recorded as the clock passes them and findings raised by the rules;
2. a few dozen scripted cases over the six weeks before "now" that make sure every part of the
   regulation shows up: every status (accepted, dispatched, signed, replied, redo, closed), overdue
   and supervised cases, urgings of each Art. 7 method, extensions, justifications, returns,
   emergencies, a joint case, a non-member unit, the Art. 5 escalation chain, findings of each
   clause the rules raise (11(1), 11(2), 11(3), 11(4), 11(5), 11(8)), and one finding decided
   all the way (confirmed, talked, sanctioned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from accountability.finding import Responsibility
from foundation.actors import Actor
from cases.calendar import TZ, local_date
from cases.values import Requester, SignedShare
from foundation.application import Context
from hotline.bootstrap import Hotline
from hotline.simulation.engine import Plan, simulate
from hotline.simulation.world import World
from projections.findings_index import FindingFilter

DEMO_CASES = 600
DEMO_DAYS = 91
DEMO_SEED = 12345
CENTER_UNIT = "GZ-CENTER"
MEMBERS = {  # the units the scripts use (registered by the simulation's world), with a category each
    "U-ENV": ("市生态环境局", "环境保护"),
    "U-URBAN": ("市城市管理局", "城市管理"),
    "U-HOUSING": ("市住房和城乡建设局", "住房建设"),
    "U-TRANSPORT": ("市交通运输局", "交通运输"),
    "U-HRSS": ("市人力资源和社会保障局", "劳动保障"),
    "U-MARKET": ("市市场监督管理局", "市场监管"),
    "U-EDU": ("市教育局", "教育"),
    "U-HEALTH": ("市卫生健康委员会", "医疗卫生"),
    "U-WATER": ("市水利局", "水务"),
    "U-PSB": ("市公安局", "治安"),
    "U-ZG": ("章贡区人民政府", "城市管理"),
    "U-NK": ("南康区人民政府", "住房建设"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"

AGENT = Actor(staff="agent-01", unit=CENTER_UNIT, roles=("agent",))
CENTER = Actor(staff="center-01", unit=CENTER_UNIT, roles=("center",))
CITY = Actor(staff="gov-01", unit="GZ-GOV", roles=("city_gov",))


def handler(unit: str) -> Actor:
    return Actor(staff=f"{unit.lower()}-handler", unit=unit, roles=("unit_handler",))


@dataclass
class Script:
    """One demo case: what is asked, and what happens to it, day by day (days after the demo start)."""

    unit: str
    summary: str
    steps: list[tuple[float, str, dict[str, Any]]]
    urgency: str = "normal"
    flags: list[str] = field(default_factory=list)
    confidential: bool = False
    co_units: list[str] = field(default_factory=list)


def load_demo(hotline: Hotline, *, cases: int = DEMO_CASES) -> str:
    """Simulate ``cases`` requests over the three months up to now, then play every script; returns a one-line summary."""
    now = hotline.clock.now()
    plan = Plan(cases=cases, start=local_date(now) - timedelta(days=DEMO_DAYS), months=3, seed=DEMO_SEED, until=now)
    simulated = simulate(hotline, plan)
    start = datetime.combine(local_date(now) - timedelta(days=42), time(9, 0), tzinfo=TZ)
    scripts = _scripts()
    played = 0
    for i, script in enumerate(scripts):
        _play(hotline, script, start + timedelta(minutes=17 * i), i, limit=now)
        played += 1
    hotline.followers.catch_up()
    recorded = hotline.timekeeper.run_until(now, stamp=None)
    hotline.followers.catch_up()
    decided = _decide_one_finding(hotline, now)
    hotline.followers.catch_up()
    return (
        f"{len(World().members)} member units, {simulated.stats.counts['accepted']} simulated and {played} scripted cases, "
        f"{simulated.events + recorded} events up to {now.isoformat()}, "
        f"{len(hotline.findings_index.list(FindingFilter(), page_size=500, page_token=None)[0])} findings"
        + (" (one confirmed, talked, with a collective and an individual sanction)" if decided else "")
    )


def _decide_one_finding(hotline: Hotline, now: datetime) -> bool:
    """A whole accountability path on one Art. 11(1) finding: confirm, a talk (Art. 15), then a collective
    sanction on the unit (Art. 13, by the center) and an individual one on the staff member concerned
    (Art. 14, by the unit's leader, Art. 4)."""
    items, _ = hotline.findings_index.list(FindingFilter(clause="11(1)", units=("U-URBAN",)), page_size=1, page_token=None)
    if not items or not items[0]["staff_concerned"]:
        return False
    finding_id, person = UUID(items[0]["id"]), items[0]["staff_concerned"][0]
    leader = Actor(staff="u-urban-leader", unit="U-URBAN", roles=("unit_leader",))
    findings = hotline.findings
    findings.confirm(finding_id, note="经核实，两次督办后仍逾期超过10个工作日", ctx=Context(actor=CENTER, now=now))
    findings.hold_talk(finding_id, kind="reminder_talk", note="约谈分管领导和经办人", ctx=Context(actor=leader, now=now))
    findings.sanction(
        finding_id, measures=["13(1)"], responsibility=Responsibility(scope="collective", kind="leadership"),
        note="通报批评", ctx=Context(actor=CENTER, now=now),
    )
    findings.sanction(
        finding_id, measures=["14(1)"], responsibility=Responsibility(scope="individual", kind="direct"), staff=person,
        note="责令书面检查", ctx=Context(actor=leader, now=now),
    )
    return True


def _play(hotline: Hotline, script: Script, t0: datetime, i: int, *, limit: datetime) -> None:
    category = MEMBERS.get(script.unit, ("", "水务"))[1]
    ctx = Context(actor=AGENT, now=t0)
    recorded = hotline.cases.accept(
        channel=("phone", "wechat", "web", "app")[i % 4],
        category=category,
        summary=script.summary,
        content=f"{script.summary}（演示数据）",
        urgency=script.urgency,  # type: ignore[arg-type]
        requester=Requester(name=f"{SURNAMES[i % len(SURNAMES)]}先生", phone=f"1380797{i:04d}", address="江西省赣州市章贡区"),
        confidential=script.confidential,
        unclear=False,
        flags=script.flags,  # type: ignore[arg-type]
        ctx=ctx,
    )
    case_id = recorded.aggregate.id
    for day, action, kwargs in script.steps:
        at = t0 + timedelta(days=day)
        if at > limit:
            return
        actor = kwargs.pop("actor", None) or (handler(script.unit) if action in UNIT_ACTIONS else CENTER)
        ACTIONS[action](hotline, case_id, Context(actor=actor, now=at), script, **kwargs)


def _dispatch(h: Hotline, case_id: UUID, ctx: Context, script: Script, **kw: Any) -> None:
    h.cases.dispatch(case_id, lead_unit=script.unit, co_units=script.co_units, working_days=kw.get("working_days"), response_hours=None, ctx=ctx)


def _urge(h: Hotline, case_id: UUID, ctx: Context, script: Script, method: str = "sms", **kw: Any) -> None:
    due_date = kw.get("due_date")
    if method in ("onsite_coordination", "leader_dispatch") and due_date is None:
        due_date = local_date(ctx.now) + timedelta(days=3)
    h.cases.urge(
        case_id,
        method=method,
        unit=kw.get("unit", script.unit),
        note=kw.get("note", "请尽快办结"),
        due_date=due_date,
        signed_by=kw.get("signed_by", []),
        instruction=kw.get("instruction"),
        leader=kw.get("leader"),
        addressee=None,
        received_at=None,
        ctx=ctx,
    )


ACTIONS: dict[str, Callable[..., None]] = {
    "dispatch": _dispatch,
    "sign": lambda h, c, ctx, s, **kw: h.cases.sign(c, ctx=ctx),
    "reply": lambda h, c, ctx, s, **kw: h.cases.reply(c, content="已现场核查并处理，结果已告知诉求人。", outcome=kw.get("outcome", "resolved"), ctx=ctx),
    "revisit": lambda h, c, ctx, s, **kw: h.cases.revisit(
        c, satisfied=kw.get("satisfied", True), reply_matches_facts=kw.get("matches", True), note="回访", satisfaction=kw.get("satisfaction"), ctx=ctx
    ),
    "close": lambda h, c, ctx, s, **kw: h.cases.close_case(c, ctx=ctx),
    "redo": lambda h, c, ctx, s, **kw: h.cases.redo(c, reason="诉求人不满意，发回重办", working_days=None, ctx=ctx),
    "attribute": lambda h, c, ctx, s, **kw: h.cases.attribute_redo(c, unit_at_fault=True, reason="承办单位未实质处理", ctx=ctx),
    "urge": _urge,
    "extend": lambda h, c, ctx, s, **kw: h.cases.request_extension(c, working_days=kw.get("days", 3), reason="需协调多个部门", ctx=ctx),
    "approve": lambda h, c, ctx, s, **kw: h.cases.decide_extension(c, kw.get("n", 1), approved=True, reason="同意延期", ctx=ctx),
    "justify": lambda h, c, ctx, s, **kw: h.cases.report_justification(c, reason="涉及司法程序，无法按期办结", ctx=ctx),
    "accept_justification": lambda h, c, ctx, s, **kw: h.cases.decide_justification(c, 1, accepted=True, reason="理由正当", ctx=ctx),
    "return": lambda h, c, ctx, s, **kw: h.cases.return_dispatch(c, reason="不属于本单位职责", ctx=ctx),
    "reject_return": lambda h, c, ctx, s, **kw: h.cases.decide_return(c, 1, accepted=False, reason="属于该单位职责，退回无正当理由", ctx=ctx),
    "respond": lambda h, c, ctx, s, **kw: h.cases.respond(c, note="已派员赶赴现场", ctx=ctx),
    "contribute": lambda h, c, ctx, s, **kw: h.cases.contribute(c, note="已配合完成现场执法", ctx=ctx),
    "non_cooperation": lambda h, c, ctx, s, **kw: h.cases.record_cooperation_issue(c, unit=s.co_units[0], note="协办单位未按约定到场", ctx=ctx),
    "rectify": lambda h, c, ctx, s, **kw: h.cases.propose_rectification(c, unit=s.unit, proposal="请立即整改并书面报告", kind="rectification", ctx=ctx),
    "refused": lambda h, c, ctx, s, **kw: h.cases.refuse_rectification(c, 1, note="单位拒不落实整改建议", ctx=ctx),
    "escalate": lambda h, c, ctx, s, **kw: h.cases.escalate(c, reason="拒不落实整改建议，报市政府", ctx=ctx),
    "track": lambda h, c, ctx, s, **kw: h.cases.order_tracking(c, note="市政府督查室跟踪督办", ctx=ctx),
    "feedback": lambda h, c, ctx, s, **kw: h.cases.notify_superior(c, note="督办结果反馈上级单位", ctx=ctx),
    "supervise": lambda h, c, ctx, s, **kw: h.cases.supervise(c, ground="6(5)", reason="媒体关注", ctx=ctx),
}
UNIT_ACTIONS = {"sign", "reply", "extend", "justify", "return", "respond", "contribute", "non_cooperation"}


def _scripts() -> list[Script]:
    done = [(0.1, "dispatch", {}), (0.3, "sign", {}), (2, "reply", {}), (3, "revisit", {"satisfaction": "satisfied"}), (3.2, "close", {})]
    scripts = [Script(unit, f"{name[1:]}相关诉求（已办结）", list(done)) for unit, (name, _) in list(MEMBERS.items())[:8]]
    scripts += [
        Script("U-ENV", "居民小区旁工地夜间施工噪音", [(30, "dispatch", {}), (30.2, "sign", {})], flags=["hot"]),
        Script("U-URBAN", "人行道违章停车占道", [(33, "dispatch", {}), (33.5, "sign", {})]),
        Script("U-HOUSING", "小区电梯长期停用", [(34, "dispatch", {})]),
        Script("U-TRANSPORT", "公交线路调整咨询", [(36, "dispatch", {})]),
        Script("U-EDU", "学位申请政策咨询", [(41, "dispatch", {})]),
        Script("U-MARKET", "超市销售过期食品", []),
        Script("U-HEALTH", "社区门诊服务态度", []),
    ]
    for k in range(5):  # five overdue in one month: Art. 11(2); urged twice: Art. 11(1)
        scripts.append(
            Script("U-URBAN", f"道路破损长期未修复（{k + 1}）", [(2, "dispatch", {}), (2.2, "sign", {}), (9 + k, "urge", {"method": "sms"}), (12 + k, "urge", {"method": "written_letter"})])
        )
    scripts.append(Script("U-ZG", "路灯损坏未修复", [(3, "dispatch", {}), (3.2, "sign", {}), (10, "urge", {"method": "phone"})]))
    scripts += [
        Script("U-HRSS", "拖欠农民工工资", [(5, "dispatch", {}), (5.3, "sign", {}), (8, "reply", {}), (9, "revisit", {"satisfied": False, "satisfaction": "unsatisfied"})]),
        Script("U-WATER", "停水未提前通知", [(20, "dispatch", {}), (20.2, "sign", {}), (21, "reply", {})]),
        Script("U-NK", "农村危房改造进度", [(25, "dispatch", {}), (25.3, "sign", {}), (28, "reply", {})]),
        Script(
            "U-URBAN",
            "垃圾清运不及时",
            [(3, "dispatch", {}), (3.2, "sign", {}), (6, "reply", {}), (7, "revisit", {"satisfied": False, "satisfaction": "very_unsatisfied"}), (7.2, "redo", {})],
        ),
        Script(
            "U-ZG",
            "老旧小区改造施工扰民",
            [
                (4, "dispatch", {}),
                (4.2, "sign", {}),
                (8, "reply", {}),
                (9, "revisit", {"satisfied": False}),
                (9.2, "redo", {}),
                (14, "reply", {}),
                (15, "revisit", {"satisfied": False, "satisfaction": "unsatisfied"}),
                (15.3, "attribute", {}),
                (15.4, "redo", {}),
            ],
        ),
        Script("U-HOUSING", "物业收费争议", [(10, "dispatch", {}), (10.2, "sign", {}), (12, "extend", {"days": 5}), (12.5, "approve", {})]),
        Script("U-MARKET", "网购纠纷投诉", [(38, "dispatch", {}), (38.2, "sign", {}), (39, "extend", {"days": 3})]),
        Script("U-PSB", "邻里纠纷调解", [(6, "dispatch", {}), (6.2, "sign", {}), (16, "justify", {}), (16.5, "accept_justification", {})]),
        Script("U-TRANSPORT", "出租车拒载", [(15, "dispatch", {}), (15.4, "return", {})]),
        Script("U-EDU", "校外培训机构退费", [(11, "dispatch", {}), (11.3, "return", {}), (12, "reject_return", {}), (12.2, "sign", {})]),
        Script("U-WATER", "主干道水管爆裂", [(18, "dispatch", {}), (18.02, "respond", {}), (18.2, "sign", {}), (19, "reply", {})], urgency="emergency"),
        Script("U-HEALTH", "医院急诊拒收病人", [(22, "dispatch", {}), (22.5, "sign", {})], urgency="emergency"),
        Script(
            "U-ENV",
            "河道企业偷排污水",
            [(7, "dispatch", {}), (7.2, "sign", {}), (7.3, "sign", {"actor": handler("U-URBAN")}), (9, "non_cooperation", {}), (11, "contribute", {"actor": handler("U-URBAN")})],
            co_units=["U-URBAN"],
        ),
        Script(
            "U-ZG",
            "城中村消防通道堵塞",
            [(26, "dispatch", {}), (26.2, "sign", {}), (27, "urge", {"method": "leader_dispatch", "instruction": "三日内完成清理", "leader": "王副市长", "due_date": None})],
            flags=["leader_involved"],
        ),
        Script(
            "U-ENV",
            "化工园区异味扰民",
            [(28, "dispatch", {}), (28.2, "sign", {}), (29, "urge", {"method": "onsite_coordination", "signed_by": [SignedShare(unit="U-ENV", share="牵头排查"), SignedShare(unit="U-URBAN", share="配合执法")], "due_date": None})],
            flags=["key", "difficult"],
        ),
        Script(
            "U-HOUSING",
            "安置房质量问题",
            [(1, "dispatch", {}), (1.2, "sign", {}), (20, "urge", {}), (22, "rectify", {}), (24, "refused", {}), (24.2, "escalate", {}), (25, "track", {"actor": CITY})],
        ),
        Script("N-WATERCO", "水费异常偏高", [(13, "dispatch", {}), (13.2, "sign", {"actor": handler("N-WATERCO")}), (14, "urge", {"method": "phone"}), (15, "reply", {"actor": handler("N-WATERCO")}), (16, "feedback", {})]),
        Script("U-PSB", "夜市摊点占道经营", [(35, "dispatch", {}), (35.2, "supervise", {})]),
        Script("U-HRSS", "社保转移接续咨询", [(8, "dispatch", {}), (8.2, "sign", {}), (10, "reply", {"outcome": "explained"}), (11, "revisit", {"matches": False, "satisfied": True, "satisfaction": "basically_satisfied"})], confidential=True),
    ]
    return scripts
