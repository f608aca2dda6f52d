"""What a report shows, format-neutral: a title, sheets of columns with Chinese headers, notes, charts.

The monthly report (Art. 8) and the year-end assessment (Art. 18) are described once here; the CSV,
xlsx and HTML renderers only lay them out. A column's ``kind`` says how its values are shown: a count,
a rate (a fraction shown as a percentage), or text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accountability.assessment import AssessmentWeights
from accountability.rules import METHOD_TEXT
from cases.supervision import METHODS

UNIT_KIND_TEXT = {"member": "成员单位", "non_member": "非成员单位", "internal": "内设机构/下属单位", "center": "热线管理中心", "total": "合计"}
RATE_TEXT = {"signed_on_time": "按时签收率", "replied_on_time": "按时办结率", "satisfaction": "满意率", "redo": "发回重办率", "supervision_met": "督办按期办结率"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "count"
    """``count``, ``rate`` (a fraction; None when there was nothing to measure) or ``text``."""
    width: int = 10
    get: Callable[[dict[str, Any]], Any] | None = None

    def value(self, row: dict[str, Any]) -> Any:
        return self.get(row) if self.get is not None else row.get(self.key)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    key: str = "unit"
    """The column that names a row (HTML cells carry it as ``data-row``)."""


@dataclass
class Document:
    title: str
    subtitle: str
    filename: str
    sheets: list[Sheet]
    notes: list[tuple[str, str]]
    """(heading, text) lines of the notes sheet: the articles and the readings used."""
    charts: list[dict[str, Any]] = field(default_factory=list)
    """For the HTML page: ``{"kind": "bars"|"lines", "title", "labels", "series": [(name, values)]}``."""


def _rate(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row["rates"][name]["value"]


def _method(method: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row["urgings_by_method"][method]


UNIT_COLUMNS: list[Column] = [
    Column("unit", "单位编码", "text", 12),
    Column("unit_name", "单位名称", "text", 24),
    Column("kind", "类别", "text", 12, lambda row: UNIT_KIND_TEXT.get(row["kind"], row["kind"])),
    Column("dispatched", "派单数"),
    Column("signed", "签收数"),
    Column("signed_on_time", "按时签收数", width=11),
    Column("rate:signed_on_time", "按时签收率", "rate", 11, _rate("signed_on_time")),
    Column("due", "应办结数"),
    Column("replied", "办结数"),
    Column("replied_on_time", "按时办结数", width=11),
    Column("rate:replied_on_time", "按时办结率", "rate", 11, _rate("replied_on_time")),
    Column("overdue", "逾期件数"),
    Column("overdue_unjustified", "无正当理由逾期件数", width=18),
    Column("returned_dispatches", "退回件数"),
    Column("returns_rejected", "推诿件数"),
    Column("extensions_approved", "批准延期数", width=11),
    Column("justifications_accepted", "采纳正当理由数", width=14),
    Column("urgings", "催办督办次数", width=12),
    *(Column(f"urgings:{m}", METHOD_TEXT[m], width=13, get=_method(m)) for m in METHODS),
    Column("supervised", "督办件数"),
    Column("supervision_met", "督办按期办结数", width=14),
    Column("supervision_unmet", "督办逾期未办结数", width=16),
    Column("redo", "发回重办数", width=11),
    Column("rate:redo", "发回重办率", "rate", 11, _rate("redo")),
    Column("revisited", "回访数"),
    Column("satisfied", "满意数"),
    Column("rate:satisfaction", "满意率", "rate", 10, _rate("satisfaction")),
    Column("reply_mismatch", "回复与实际不符数", width=16),
    Column("findings", "问责事项数", width=11),
    Column("sanctions", "问责决定数", width=11),
]

ARTICLES = [
    ("第三条", "市12345热线管理中心定期对各承办单位及其工作人员进行分析，分析结果报市政府督查室；市政府对办件进行抽查。"),
    ("第七条", "督办方式：短信、电话、微信（第一项）、书面通知（第二项）须2个工作日内办结；现场协调（第三项）、领导调度（第四项）按确定的时限办结。"),
    ("第八条", "市12345热线管理中心对成员单位办件情况实行月报制度（运行月报）。"),
    ("第十一条第（二）项", "无正当理由逾期办件每月累计达到5件以上（含5件）的，予以问责。"),
    ("第十三条、第十四条", "对单位的问责方式（通报批评、责令书面检查、责令公开道歉）；对工作人员的问责方式。"),
    ("第十七条", "非成员单位的督办结果反馈其上级单位。"),
    ("第十八条", "督办结果纳入成员单位年度考核。"),
]


def monthly_document(report: dict[str, Any]) -> Document:
    month = report["period"]
    units = report["units"]
    members = [u for u in units if u["kind"] == "member"]
    ranking_rows = [
        {"rate": RATE_TEXT[key], **entry} for key, entries in report["rankings"].items() for entry in entries
    ]
    decisions = [
        {
            "at": d["counted_by"]["at"][:10], "decision": d["decision"], "unit": d["unit"], "unit_name": d["unit_name"],
            "clause": d.get("clause", ""), "detail": _detail(d), "description": d.get("description", ""),
        }
        for d in report["decisions"]
    ]
    sheets = [
        Sheet("运行月报", UNIT_COLUMNS, [*units, report["totals"]]),
        Sheet(
            "排名",
            [
                Column("rate", "指标", "text", 12), Column("rank", "名次", width=6), Column("unit", "单位编码", "text", 12),
                Column("unit_name", "单位名称", "text", 24), Column("value", "比率", "rate", 10),
                Column("numerator", "分子", width=8), Column("denominator", "分母", width=8),
            ],
            ranking_rows,
        ),
        Sheet(
            "问责情况",
            [
                Column("at", "日期", "text", 12), Column("decision", "事项", "text", 16), Column("unit", "单位编码", "text", 12),
                Column("unit_name", "单位名称", "text", 24), Column("clause", "条款", "text", 8), Column("detail", "措施/结果", "text", 24),
                Column("description", "说明", "text", 60),
            ],
            decisions,
            key="unit",
        ),
    ]
    trend = report["trend"]
    charts = [
        {
            "kind": "bars", "title": "各成员单位主要指标（%）", "labels": [u["unit_name"] for u in members],
            "series": [(RATE_TEXT[k], [u["rates"][k]["value"] for u in members]) for k in ("signed_on_time", "replied_on_time", "satisfaction")],
        },
        {
            "kind": "lines", "title": "近12个月全市指标走势（%）", "labels": [t["month"] for t in trend],
            "series": [(RATE_TEXT[k], [t["rates"][k]["value"] for t in trend]) for k in ("signed_on_time", "replied_on_time", "satisfaction")],
        },
        {
            "kind": "counts", "title": "督办方式（第七条）", "labels": [f"{u['label']}（{u['article']}）" for u in report["urgings_by_method"]],
            "series": [("次数", [u["count"] for u in report["urgings_by_method"]])],
        },
    ]
    notes = [*ARTICLES, *((r["label"], r["reading"]) for r in report["readings"])]
    eleven_two = "、".join(f"{u['unit_name']}（{u['overdue_unjustified']}件）" for u in report["units_with_11_2"]) or "无"
    supervision = report["supervision"]
    subtitle = (
        f"统计期间：{month[:4]}年{int(month[5:])}月。第十一条第（二）项问责单位：{eleven_two}。"
        f"督办按期办结{supervision['met']}次，逾期未办结{supervision['unmet']}次。"
    )
    return Document(report["title"], subtitle, f"monthly-{month}", sheets, notes, charts)


def assessment_document(report: dict[str, Any]) -> Document:
    policy = report["policy"]
    weights = policy["weights"]
    rows = [
        {
            "unit": r["unit"], "unit_name": r["unit_name"], "rank": r["rank"], "score": r["score"]["score"],
            "rate_part": r["score"]["rate_part"], "deduction": r["score"]["deduction"],
            **{f"rate:{k}": r["indicators"][k]["value"] for k in RATE_TEXT},
            **{k: r["counts"][k] for k in ("dispatched", "due", "supervised", "urgings", "supervision_met", "supervision_unmet", "findings", "sanctions")},
            "clauses": "、".join(f"{c}:{n}" for c, n in r["counts"]["findings_by_clause"].items()),
            "measures": "、".join(f"{c}:{n}" for c, n in r["counts"]["measures"].items()),
            "appeals": "、".join(f"{o}:{n}" for o, n in r["counts"]["appeal_outcomes"].items() if n),
        }
        for r in report["units"]
    ]
    columns = [
        Column("unit", "单位编码", "text", 12), Column("unit_name", "单位名称", "text", 24), Column("rank", "名次", width=6),
        Column("score", "考核得分", "score", 10), Column("rate_part", "指标得分", "score", 10), Column("deduction", "问责扣分", "score", 10),
        *(Column(f"rate:{k}", text, "rate", 13) for k, text in RATE_TEXT.items()),
        Column("dispatched", "派单数"), Column("due", "应办结数"), Column("supervised", "督办件数"), Column("urgings", "催办督办次数", width=12),
        Column("supervision_met", "督办按期办结数", width=14), Column("supervision_unmet", "督办逾期未办结数", width=16),
        Column("findings", "问责事项数", width=11), Column("clauses", "问责条款", "text", 20), Column("sanctions", "问责决定数", width=11),
        Column("measures", "问责措施", "text", 18), Column("appeals", "申诉结果", "text", 18),
    ]
    weight_notes = [(AssessmentWeights.model_fields[k].title or k, f"{v:g}") for k, v in weights.items()]
    notes = [
        ("考核政策版本", f"第{policy['version']}版" + (f"（{policy['set_at'][:10]} 由 {policy['set_by']} 设定）" if policy["set_at"] else "（默认权重，未经修改）")),
        ("计分公式", policy["formula_zh"]),
        *weight_notes,
        *ARTICLES,
        *((r["label"], r["reading"]) for r in report["readings"]),
    ]
    charts = [
        {"kind": "scores", "title": "成员单位考核得分", "labels": [r["unit_name"] for r in rows], "series": [("考核得分", [r["score"] for r in rows])]},
    ]
    subtitle = f"考核年度：{report['year']}年；考核政策第{policy['version']}版（第十八条）。"
    return Document(report["title"], subtitle, f"assessment-{report['year']}", [Sheet("年度考核", columns, rows)], notes, charts)


def _detail(decision: dict[str, Any]) -> str:
    detail = decision.get("detail") or {}
    if "measures" in detail:
        return "、".join(detail["measures"]) + ("（已撤销）" if detail.get("in_force") == [] else "")
    return str(detail.get("to", ""))
