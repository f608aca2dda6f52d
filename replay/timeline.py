"""A case's history as a timeline a person reads, in Chinese: what happened, under which article,
who did it, and which deadline it set or missed.

It renders the items of ``GET /v1/cases/{id}/history`` (``version, type, recorded_at, actor, data,
position``, requester data already masked for the reader), so the CLI's ``hotline replay case`` and
the dossier's summary show exactly what the API shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from accountability.clauses import CLAUSE_TEXT
from cases.calendar import TZ

EVENT_LABELS: dict[str, str] = {
    "Accepted": "受理登记",
    "SupervisionRequired": "列为督办件",
    "Dispatched": "派单",
    "Signed": "签收",
    "DispatchReturned": "退回派单",
    "ReturnDecided": "审核退回",
    "Responded": "紧急件首次响应",
    "ExtensionRequested": "申请延期",
    "ExtensionDecided": "延期审批",
    "JustificationReported": "报告正当理由",
    "JustificationDecided": "审核正当理由",
    "Urged": "督办（催办）",
    "RectificationProposed": "提出整改建议",
    "RectificationRefused": "拒不整改",
    "Escalated": "报告市政府",
    "TrackingOrdered": "市政府督查室跟踪督办",
    "ContributionRecorded": "协办单位报送办理情况",
    "CooperationIssueRecorded": "记录协办单位不配合",
    "SupervisionMet": "按督办要求办结",
    "Replied": "办理回复",
    "Revisited": "回访",
    "RedoOrdered": "发回重办",
    "RedoAttributed": "认定重办责任",
    "Closed": "办结归档",
    "SuperiorNotified": "向上级单位反馈督办结果",
    "HandlingDeadlineLapsed": "办理时限届满未回复（逾期）",
    "OverdueMarkPassed": "超过办理时限10个工作日仍未回复",
    "SupervisionDeadlineLapsed": "督办时限届满未办结",
    "ResponseDeadlineLapsed": "紧急件响应时限届满未响应",
    "DeadlinesRecomputed": "工作日历调整，重新计算时限",
}

ROLE_LABELS = {
    "agent": "坐席",
    "center": "热线中心",
    "unit_handler": "承办人",
    "unit_leader": "单位负责人",
    "city_gov": "市政府",
    "discipline": "纪检监察",
    "auditor": "审计",
    "admin": "管理员",
}

STATUS_LABELS = {
    "accepted": "已受理", "dispatched": "已派单", "signed": "已签收", "replied": "已回复", "redo": "重办中", "closed": "已办结",
}

FINDING_STATUS_LABELS = {
    "candidate": "待认定", "confirmed": "已认定", "dismissed": "不予认定", "withdrawn": "已撤回", "sanctioned": "已问责",
    "waived": "免予追究", "appealed": "申诉中", "closed": "已结束",
}
"""A finding's statuses (``accountability.finding``) as officials read them."""

DECISION_LABELS = {
    "raised": "提出", "basis_extended": "补充依据", "withdrawn": "撤回", "reraised": "重新提出", "reassessed": "规则修订后重新认定",
    "confirm": "认定", "dismiss": "不予认定", "mitigation": "从轻、减轻或免予追究（第十二条）", "mitigate": "从轻、减轻或免予追究（第十二条）",
    "talk": "谈话提醒或约谈函询（第十五条）", "sanction": "问责决定（第十三条、第十四条）", "referral": "移送（第十五条）",
    "appeal": "申诉（第十六条）", "appeal_decision": "申诉决定（第十六条）",
}
"""A finding's decisions (the actions of ``Finding.records``), with their articles: the console and the dossier name them alike."""

FIELD_LABELS = {
    "ground": "依据",
    "article": "条款",
    "method": "方式",
    "lead_unit": "主办单位",
    "co_units": "协办单位",
    "unit": "单位",
    "due_date": "时限",
    "due_at": "响应时限",
    "working_days": "工作日",
    "rule": "计算依据",
    "at": "发生时刻",
    "outcome": "结果",
    "approved": "批准",
    "accepted": "采纳",
    "granted": "同意",
    "satisfied": "满意",
    "reply_matches_facts": "回复与实际相符",
    "reason": "理由",
    "note": "说明",
    "requester": "诉求人",
    "category": "类别",
    "urgency": "紧急程度",
    "summary": "摘要",
}
"""The fields a timeline line shows, wherever they sit in the event's data (first occurrence)."""

VALUE_LABELS = {
    "urgency": {"normal": "一般", "urgent": "紧急", "emergency": "特急"},
    "outcome": {"resolved": "已解决", "explained": "已解释说明", "unresolved": "未解决"},
    "method": {"sms": "短信", "phone": "电话", "wechat": "微信", "written_letter": "书面督办函", "onsite_coordination": "现场协调",
               "leader_dispatch": "领导调度"},
}

_NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (十一, 二十, ...)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


def article_zh(article: str) -> str:
    """``"11(1)"`` → ``第十一条第（一）项``; ``"7"`` → ``第七条``; anything else as it is."""
    match = re.fullmatch(r"(\d+)(?:\((\d+)\))?", article.strip())
    if not match:
        return article
    text = f"第{chinese_number(int(match[1]))}条"
    return text + (f"第（{chinese_number(int(match[2]))}）项" if match[2] else "")


def actor_zh(actor: Mapping[str, Any]) -> str:
    staff = str(actor.get("staff", ""))
    if staff.startswith("system:"):
        return {"system:timekeeper": "系统（计时）", "system:rules": "系统（规则）"}.get(staff, f"系统（{staff[7:]}）")
    roles = "、".join(ROLE_LABELS.get(r, r) for r in actor.get("roles", ()))
    unit = actor.get("unit")
    return f"{roles} {staff}" + (f"（{unit}）" if unit else "")


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return str(value)


GROUND_ZH = {
    "dispatched, instructed, assigned or answered by a city leader": "领导调度、批示、交办或接听的事项",
    "a key, difficult or hot issue raised by the public": "群众反映的重点、难点、热点事项",
    "overdue and not finished": "逾期未办结的事项",
    "still unsatisfied after a redo, by the handling unit's fault": "发回重办后诉求人仍不满意，经认定确属于承办单位原因的事项",
    "other need for supervision": "其他需要督办的事项",
}
"""Art. 6's grounds as the system records them (``cases.grounds.GROUND_TEXT``), in the measures' words."""

FLAG_ZH = {"leader_involved": "领导关注", "key": "重点", "difficult": "难点", "hot": "热点"}
ACT_ZH = {"dispatch": "派单", "redo": "发回重办"}
_DATE = r"(\d{4}-\d{2}-\d{2})"


def _source_zh(source: str) -> str:
    """Where a number of working days or hours came from (``cases.policy``, ``cases.handling``)."""
    if source.startswith("set at "):
        return f"{ACT_ZH.get(source[7:], source[7:])}时指定"
    if source == "deadline policy default":
        return "时限政策默认值"
    found = re.fullmatch(r"deadline policy, category '([^']*)'(?:, (\w+))?", source)
    if found:
        urgency = f"，{VALUE_LABELS['urgency'].get(found[2], found[2])}" if found[2] else ""
        return f"时限政策，类别“{found[1]}”{urgency}"
    return source


_SYSTEM_TEXTS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(rf"(\d+) working days from (\w+) on {_DATE} \((.+)\)"),
     lambda m: f"自{m[3]}{ACT_ZH.get(m[2], m[2])}起{m[1]}个工作日（{_source_zh(m[4])}）"),
    (re.compile(rf"extended by (\d+) working days \(extension request (\d+) approved on {_DATE}\)"),
     lambda m: f"延长{m[1]}个工作日（第{m[2]}次延期申请，{m[3]}批准）"),
    (re.compile(rf"Art\. (\d+\(\d+\)): finish within 2 working days of receipt on {_DATE}"),
     lambda m: f"{article_zh(m[1])}：自{m[2]}收到起2个工作日内办结"),
    (re.compile(r"(\d+) working days \(Art\. (\d+\(\d+\))\)"), lambda m: f"{m[1]}个工作日（{article_zh(m[2])}）"),
    (re.compile(r"emergency response within (\d+) hours of dispatch \((.+)\)"), lambda m: f"派单后{m[1]}小时内响应（{_source_zh(m[2])}）"),
    (re.compile(r"Art\. (\d+\(\d+\))"), lambda m: article_zh(m[1])),
    (re.compile(rf"handling deadline {_DATE} lapsed before the reply"), lambda m: f"办理时限{m[1]}届满仍未回复"),
    (re.compile(r"flagged '(\w+)' at acceptance: (.+)"), lambda m: f"受理时标记为“{FLAG_ZH.get(m[1], m[1])}”：{GROUND_ZH.get(m[2], m[2])}"),
    (re.compile(r"leader dispatch: (.*)"), lambda m: f"领导调度：{m[1]}"),
    (re.compile(r"still unsatisfied after redo, attributed to (\S+): (.*)"), lambda m: f"发回重办后仍不满意，认定为{m[1]}的原因：{m[2]}"),
    (re.compile(r"re-dispatched by the center"), lambda m: "热线中心已重新派单"),
    (re.compile("|".join(re.escape(text) for text in GROUND_ZH)), lambda m: GROUND_ZH[m[0]]),
]


def system_text_zh(text: str) -> str:
    """A text the system wrote in English into an event (how a deadline was counted, why a case is
    supervised), in Chinese; each part separated by "; " is read on its own, and anything else
    (what a person wrote) is left as it is."""
    parts = []
    for part in text.split("; "):
        for pattern, render in _SYSTEM_TEXTS:
            found = pattern.fullmatch(part)
            if found:
                part = render(found)
                break
        parts.append(part)
    return "；".join(parts) if len(parts) > 1 else parts[0]


def _fields(data: Any, found: dict[str, Any]) -> None:
    """The labelled fields of an event's data, looking into nested values (first occurrence wins)."""
    if isinstance(data, list):
        for item in data:
            if isinstance(item, Mapping):
                _fields(item, found)
        return
    if not isinstance(data, Mapping):
        return
    for key, value in data.items():
        if key == "requester" or not isinstance(value, (Mapping, list)) or (isinstance(value, list) and not any(isinstance(v, Mapping) for v in value)):
            if key in FIELD_LABELS and key not in found and value not in (None, "", [], {}):
                found[key] = value
        else:
            _fields(value, found)


def _value(key: str, value: Any) -> str:
    if key in ("ground", "article") and isinstance(value, str):
        return article_zh(value)
    if key == "requester" and isinstance(value, Mapping):
        return "、".join(str(v) for v in (value.get("name"), value.get("phone")) if v) or "（不可见）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if key in ("at", "due_at"):
        return _when(value)
    if key in ("rule", "reason") and isinstance(value, str):
        return system_text_zh(value)
    return VALUE_LABELS.get(key, {}).get(str(value), str(value))


def entry(item: Mapping[str, Any]) -> dict[str, Any]:
    """One history item as a person reads it: version, when, what (with its article), who, and the details."""
    found: dict[str, Any] = {}
    _fields(item.get("data") or {}, found)
    if found.get("article") == found.get("ground"):
        found.pop("article", None)  # an Art. 6 ground is its article
    return {
        "version": item["version"],
        "when": _when(item["recorded_at"]),
        "label": EVENT_LABELS.get(str(item["type"]), str(item["type"])),
        "type": str(item["type"]),
        "actor": actor_zh(item.get("actor") or {}),
        "details": [(FIELD_LABELS[k], _value(k, v)) for k, v in found.items()],
    }


def describe(item: Mapping[str, Any]) -> str:
    """One line: ``v3  2026-09-28 09:00  派单  [热线中心 center-1（C）]  主办单位 U1；时限 2026-10-09 ...``."""
    shown = entry(item)
    details = "；".join(f"{label} {value}" for label, value in shown["details"])
    line = f"v{shown['version']:<3} {shown['when']}  {shown['label']}  [{shown['actor']}]"
    return f"{line}  {details}" if details else line


def timeline(items: Iterable[Mapping[str, Any]]) -> list[str]:
    return [describe(item) for item in items]


def clause_zh(clause: str) -> str:
    return CLAUSE_TEXT.get(clause, article_zh(clause))
