"""The reports read from the scorecards: unit scorecards (Art. 3), the monthly report (Art. 8), the year-end
assessment (Art. 18) and the analysis by unit or staff member (Art. 3).

Everything here reads the per-unit-month totals of ``ScorecardView`` (a handful of rows per unit
and month, however many cases there were) and, for ``explain`` and the decisions of a month, the
facts of one figure. Who may see which unit is decided here too, from the registry the view keeps.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from foundation.actors import Actor
from foundation.errors import Forbidden, InvalidInput, NotFound
from accountability.assessment import DEFAULT_WEIGHTS, RATES as SCORED_RATES, AssessmentWeights, score
from accountability.clauses import CLAUSES
from accountability.finding import OVERSIGHT
from accountability.measures import MEASURES
from accountability.rules import METHOD_TEXT
from cases.supervision import METHOD_ARTICLE, METHODS
from projections.figures import FIGURES, RATES, SCORECARD_FIGURES, rate, reading_zh
from projections.pages import PERIOD_PATTERN, decode_page, encode_page, from_micros
from projections.scorecards import ScorecardView

PERIOD = re.compile(PERIOD_PATTERN)
HEADLINE_RATES = ("signed_on_time", "replied_on_time", "satisfaction")
DECISIONS = ("findings_confirmed", "findings_dismissed", "findings_waived", "sanctions", "appeals:upheld", "appeals:modified", "appeals:revoked", "referrals")
TREND_FIGURES = ("dispatched", "signed_on_time", "due", "replied_on_time", "revisited", "satisfied", "overdue_unjustified", "urgings")
OUTCOMES = ("upheld", "modified", "revoked")


def months_of(period: str) -> tuple[str, str]:
    """``YYYY-MM`` → that month; ``YYYY`` → January to December."""
    if not PERIOD.match(period or ""):
        raise InvalidInput("period", "a month YYYY-MM or a year YYYY")
    return (period, period) if len(period) == 7 else (f"{period}-01", f"{period}-12")


def shift(month: str, by: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Reports:
    """Queries over the scorecards, each answered from totals."""

    def __init__(self, view: ScorecardView) -> None:
        self.view = view

    # ----------------------------------------------------------- who sees what

    def units(self) -> dict[str, dict[str, Any]]:
        """The units the reports know (id, name, kind, parent, superior), by id."""
        return self.view.unit_table()

    def visible_units(self, actor: Actor, units: dict[str, dict[str, Any]]) -> set[str] | None:
        """None: every unit (oversight roles). A unit role: its own unit, the units below it, and the non-member
        units whose superior is among those (Art. 17: their results go to the superior)."""
        if OVERSIGHT.intersection(actor.roles):
            return None
        if not actor.is_unit_member or actor.unit is None:
            raise Forbidden("scorecards are for the center, the city government, discipline, auditors and the units themselves")
        own = {actor.unit} | {u for u in units if actor.unit in _ancestors(u, units)}
        return own | {u for u, row in units.items() if row["kind"] == "non_member" and row["superior_id"] in own}

    # --------------------------------------------------------------- scorecard

    def scorecard(self, unit_id: str, period: str, actor: Actor) -> dict[str, Any]:
        units = self.view.unit_table()
        row = self._visible(unit_id, actor, units)
        totals = self.view.totals(months_of(period), units=[unit_id])
        return card(row, period, totals.get((unit_id, ""), {}))

    def explain(self, unit_id: str, period: str, figure: str, actor: Actor, *, page_size: int, page_token: str | None) -> dict[str, Any]:
        if figure not in FIGURES:
            raise InvalidInput("explain", f"unknown figure; figures: {', '.join(FIGURES)}")
        units = self.view.unit_table()
        self._visible(unit_id, actor, units)
        after = tuple(decode_page(page_token, int, str, str)) if page_token else None
        found = self.view.facts(figure, months_of(period), units=[unit_id], after=after, limit=page_size + 1)  # type: ignore[arg-type]
        total = self.view.totals(months_of(period), units=[unit_id]).get((unit_id, ""), {}).get(figure, 0)
        more = len(found) > page_size
        return {
            "unit": unit_id, "period": period, "figure": figure, "label": FIGURES[figure].label, "means": FIGURES[figure].means,
            "count": total, "items": [item for item, _ in found[:page_size]],
            "next_page_token": encode_page(*found[page_size - 1][1]) if more else None,
        }

    def _visible(self, unit_id: str, actor: Actor, units: dict[str, dict[str, Any]]) -> dict[str, Any]:
        row = units.get(unit_id)
        if row is None:
            raise NotFound("unit", unit_id)
        visible = self.visible_units(actor, units)
        if visible is not None and unit_id not in visible:
            raise Forbidden("a unit sees the scorecards of itself, its subordinate units and the non-member units it is superior to (Art. 17)")
        return row

    # ---------------------------------------------------------- monthly (Art. 8)

    def monthly(self, month: str) -> dict[str, Any]:
        """Art. 8 运行月报: every member unit's scorecard, rankings, 11(2) units, urgings, supervision, decisions."""
        first, last = months_of(month)
        if first != last:
            raise InvalidInput("period", "a month YYYY-MM")
        units = self.view.unit_table()
        totals = self.view.totals((month, month))
        cards = [card(units[u], month, totals.get((u, ""), {})) for u in _reported_units(units, totals)]
        all_figures = _sum(f for (u, _), f in totals.items() if u in units and units[u]["kind"] != "center")
        decided = self.view.decided((month, month), DECISIONS)
        eleven_two = self.view.decided((month, month), ("findings:11(2)",))
        return {
            "period": month,
            "title": f"赣州市12345热线运行月报（{month[:4]}年{int(month[5:])}月）",
            "article": "8",
            "units": cards,
            "totals": card({"id": "*", "name": "全市合计", "kind": "total", "parent_id": None, "superior_id": None}, month, all_figures),
            "rankings": {key: ranking(cards, key) for key in HEADLINE_RATES},
            "units_with_11_2": [
                {
                    "unit": item["unit"], "unit_name": units.get(item["unit"], {}).get("name", item["unit"]), "finding_id": item["finding_id"],
                    "status": item["detail"]["status"], "description": item["description"],
                    "overdue_unjustified": totals.get((item["unit"], ""), {}).get("overdue_unjustified", 0),
                }
                for item in eleven_two
            ],
            "urgings_by_method": [
                {"method": m, "article": METHOD_ARTICLE[m], "label": METHOD_TEXT[m], "count": all_figures.get(f"urgings:{m}", 0)} for m in METHODS
            ],
            "supervision": {
                "met": all_figures.get("supervision_met", 0),
                "unmet": all_figures.get("supervision_unmet", 0),
                "rate": rate(all_figures, "supervision_met"),
            },
            "decisions": [_decision(item, units) for item in decided],
            "trend": self.trend(month, 12),
            "readings": readings(),
        }

    def trend(self, month: str, count: int, units: list[str] | None = None) -> list[dict[str, Any]]:
        """The city's (or ``units``') figures and headline rates for the ``count`` months up to ``month``."""
        first = shift(month, -(count - 1))
        by_month = self.view.by_month((first, month), TREND_FIGURES, units=units)
        series = []
        for i in range(count):
            m = shift(first, i)
            figures = _sum(by_month.get(m, {}).values())
            series.append({"month": m, **{f: figures.get(f, 0) for f in TREND_FIGURES}, "rates": {k: rate(figures, k) for k in HEADLINE_RATES}})
        return series

    # ------------------------------------------------------- assessment (Art. 18)

    def assessment(self, year: str, *, policy_version: int | None = None) -> dict[str, Any]:
        if not re.match(r"^\d{4}$", year or ""):
            raise InvalidInput("year", "a year YYYY")
        policy = self.view.policy(policy_version)
        if policy is None and policy_version not in (None, 0):
            raise NotFound("assessment policy version", policy_version)
        weights = AssessmentWeights.model_validate(policy["weights"]) if policy else DEFAULT_WEIGHTS
        units = self.view.unit_table()
        totals = self.view.totals(months_of(year))
        rows = []
        for unit_id in sorted(u for u, row in units.items() if row["kind"] == "member"):
            figures = totals.get((unit_id, ""), {})
            rates = {key: rate(figures, key) for key in RATES}
            scored = {key: rates[key]["value"] for key in ("signed_on_time", "replied_on_time", "satisfaction", "supervision_met")}
            scored["no_redo"] = None if rates["redo"]["value"] is None else round(1 - rates["redo"]["value"], 4)
            rows.append(
                {
                    "unit": unit_id, "unit_name": units[unit_id]["name"],
                    "indicators": rates,
                    "counts": _counts(figures),
                    "score": score(scored, figures, weights),
                }
            )
        ranked = sorted((r for r in rows if r["score"]["score"] is not None), key=lambda r: (-r["score"]["score"], r["unit"]))
        scores = [r["score"]["score"] for r in ranked]
        for row in rows:
            value = row["score"]["score"]
            row["rank"] = None if value is None else scores.index(value) + 1
        return {
            "year": year,
            "title": f"赣州市12345热线成员单位年度考核（{year}年）",
            "article": "18",
            "policy": {
                "version": policy["version"] if policy else 0,
                "weights": weights.model_dump(mode="json"),
                "set_at": from_micros(policy["set_at_us"]).isoformat() if policy else None,
                "set_by": policy["set_by"] if policy else None,
                "formula": "score = max(0, 100 × Σ wᵢ·rateᵢ / Σ wᵢ − min(max_deduction, per_finding × findings + per_collective_sanction × "
                "sanctions_collective + per_individual_sanction × sanctions_individual)); rates without a denominator are left out",
                "formula_zh": "得分 = 100 × Σ(权重 × 比率) ÷ Σ权重 − 扣分，最低0分；扣分 = 每个问责事项扣分 × 问责事项数 + 每个集体问责扣分 × "
                "集体问责数 + 每个个人问责扣分 × 个人问责数，以扣分上限为限；当期无分母的比率不参与计算",
                "rates": list(SCORED_RATES),
            },
            "units": rows,
            "readings": readings(),
        }

    # ----------------------------------------------------------- analysis (Art. 3)

    def analysis(self, month: str, by: str, *, top: int = 10) -> dict[str, Any]:
        """Each unit's (or staff member's) figures this month and last, the change, and who worsened most."""
        first, last = months_of(month)
        if first != last:
            raise InvalidInput("period", "a month YYYY-MM")
        previous = shift(month, -1)
        units, staff = self.view.unit_table(), self.view.staff_table() if by == "staff" else {}
        now = self.view.totals((month, month), by_staff=by == "staff")
        before = self.view.totals((previous, previous), by_staff=by == "staff")
        rows = []
        for key in sorted(set(now) | set(before)):
            unit_id, person = key
            current, earlier = now.get(key, {}), before.get(key, {})
            row: dict[str, Any] = {"unit": unit_id, "unit_name": units.get(unit_id, {}).get("name", unit_id)}
            if by == "staff":
                row |= {"staff": person, "staff_name": staff.get(person, {}).get("name", person)}
            row |= {
                "current": _snapshot(current),
                "previous": _snapshot(earlier),
                "change": _change(current, earlier),
            }
            row["decline"] = _decline(row["current"]["rates"], row["previous"]["rates"], current, earlier)
            rows.append(row)
        worsened = sorted((r for r in rows if r["decline"]["points"] > 0), key=lambda r: (-r["decline"]["points"], r["unit"], r.get("staff", "")))
        return {
            "period": month,
            "previous": previous,
            "by": by,
            "article": "3",
            "rows": rows,
            "worsened": [{k: r[k] for k in ("unit", "unit_name", "staff", "staff_name", "decline") if k in r} for r in worsened[:top]],
            "how_worsening_is_measured": (
                "points = the drop, in percentage points, of each headline rate (按时签收率, 按时办结率, 满意率) measured in both months, "
                "plus 1 point per additional unjustified overdue case"
            ),
        }


# --------------------------------------------------------------------- shaping


def card(unit: dict[str, Any], period: str, figures: dict[str, int]) -> dict[str, Any]:
    """A scorecard: every figure, the grouped ones, and the rates with numerator and denominator."""
    out: dict[str, Any] = {
        "unit": unit["id"], "unit_name": unit["name"], "kind": unit["kind"],
        "parent": unit.get("parent_id"), "superior": unit.get("superior_id"), "period": period,
    }
    out |= {key: figures.get(key, 0) for key in SCORECARD_FIGURES}
    out |= _grouped(figures)
    out["rates"] = {key: rate(figures, key) for key in RATES}
    return out


def _grouped(figures: dict[str, int]) -> dict[str, Any]:
    return {
        "urgings_by_method": {m: figures.get(f"urgings:{m}", 0) for m in METHODS},
        "findings_by_clause": {c: n for c in CLAUSES if (n := figures.get(f"findings:{c}", 0))},
        "measures": {code: n for code in MEASURES if (n := figures.get(f"measures:{code}", 0))},
        "appeal_outcomes": {o: figures.get(f"appeals:{o}", 0) for o in OUTCOMES},
    }


def _counts(figures: dict[str, int]) -> dict[str, Any]:
    keys = (
        "dispatched", "signed", "due", "replied", "overdue", "overdue_unjustified", "revisited", "redo", "supervised", "urgings",
        "supervision_met", "supervision_unmet", "findings", "sanctions", "sanctions_collective", "sanctions_individual", "appeals",
    )
    return {key: figures.get(key, 0) for key in keys} | _grouped(figures)


def ranking(cards: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Member units with something to measure, best rate first (then more cases); equal rates share a rank."""
    measured = [c for c in cards if c["kind"] == "member" and c["rates"][key]["value"] is not None]
    measured.sort(key=lambda c: (-c["rates"][key]["value"], -c["rates"][key]["denominator"], c["unit"]))
    ranked, previous, place = [], None, 0
    for i, c in enumerate(measured, start=1):
        value = c["rates"][key]["value"]
        if value != previous:
            place, previous = i, value
        ranked.append({"rank": place, "unit": c["unit"], "unit_name": c["unit_name"], **c["rates"][key]})
    return ranked


def readings() -> list[dict[str, str]]:
    """What each figure and rate counts (the notes of every report format)."""
    figures = [
        {"key": f.key, "label": f.label, "means": f.means, "reading": reading_zh(f.key)} for f in FIGURES.values() if ":" not in f.key
    ]
    rates = [
        {
            "key": f"rate:{r.key}", "label": r.label, "means": f"{r.numerator} / {' + '.join(r.denominator)}",
            "reading": f"{FIGURES[r.numerator].label} ÷ {'＋'.join(FIGURES[d].label for d in r.denominator)}",
        }
        for r in RATES.values()
    ]
    return figures + rates


def _reported_units(units: dict[str, dict[str, Any]], totals: dict[tuple[str, str], dict[str, int]]) -> list[str]:
    """Every member unit, then any other handling unit with figures (internal bodies, non-member units)."""
    members = sorted(u for u, row in units.items() if row["kind"] == "member")
    others = sorted({u for (u, _) in totals if u in units and units[u]["kind"] in ("internal", "non_member")})
    return members + others


def _sum(many: Any) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for figures in many:
        for key, n in figures.items():
            total[key] += n
    return dict(total)


def _snapshot(figures: dict[str, int]) -> dict[str, Any]:
    return {**{key: figures.get(key, 0) for key in SCORECARD_FIGURES}, "rates": {key: rate(figures, key) for key in RATES}}


def _change(current: dict[str, int], earlier: dict[str, int]) -> dict[str, Any]:
    change: dict[str, Any] = {key: current.get(key, 0) - earlier.get(key, 0) for key in SCORECARD_FIGURES}
    rates = {}
    for key in RATES:
        now, then = rate(current, key)["value"], rate(earlier, key)["value"]
        rates[key] = None if now is None or then is None else round(now - then, 4)
    change["rates"] = rates
    return change


def _decline(now: dict[str, Any], then: dict[str, Any], current: dict[str, int], earlier: dict[str, int]) -> dict[str, Any]:
    drops = {}
    for key in HEADLINE_RATES:
        a, b = now[key]["value"], then[key]["value"]
        if a is not None and b is not None and a < b:
            drops[key] = round((b - a) * 100, 2)
    more_overdue = max(0, current.get("overdue_unjustified", 0) - earlier.get("overdue_unjustified", 0))
    return {"points": round(sum(drops.values()) + more_overdue, 2), "rate_drops_pp": drops, "more_overdue_unjustified": more_overdue}


def _decision(item: dict[str, Any], units: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {**item, "decision": FIGURES[item["figure"]].label, "unit_name": units.get(item["unit"], {}).get("name", item["unit"])}


def _ancestors(unit_id: str, units: dict[str, dict[str, Any]]) -> list[str]:
    chain, current = [], units.get(unit_id)
    while current is not None and current["parent_id"] is not None and current["parent_id"] not in chain:
        chain.append(current["parent_id"])
        current = units.get(current["parent_id"])
    return chain
