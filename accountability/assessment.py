"""The year-end assessment (Art. 18, 纳入年度考核): the center's weights, kept as events, and the score.

Art. 18 says the supervision results count in the member units' year-end assessment; how much each
counts is the center's decision, so the weights are a policy the center edits (``PUT
/v1/policy/assessment``) and every change is an event. An assessment names the policy version it
was scored with.

The score of a unit for a year (0-100)::

    rate part  = 100 × Σ wᵢ·rateᵢ / Σ wᵢ      over the rates that have a denominator that year
    deduction  = min(max_deduction, per_finding × findings
                                    + per_collective_sanction × Art. 13 sanctions in force
                                    + per_individual_sanction × Art. 14 sanctions in force)
    score      = max(0, rate part − deduction), rounded to 2 decimals

with the rates 按时签收率 (signed on time), 按时办结率 (replied on time), 满意率 (satisfaction),
1 − 发回重办率 (no redo) and 督办按期办结率 (supervision met). A unit with no rate to measure gets no
score (``None``): nothing it did that year can be weighed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, model_validator

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent

ASSESSMENT_POLICY_ID: UUID = uuid5(NAMESPACE_URL, "hotline:assessment-policy")
RATES: tuple[str, ...] = ("signed_on_time", "replied_on_time", "satisfaction", "no_redo", "supervision_met")


class AssessmentWeights(BaseModel):
    """How much each rate weighs (they sum to 1) and the points each finding and sanction takes off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signed_on_time: float = Field(default=0.15, ge=0, le=1, description="按时签收率", title="按时签收率权重")
    replied_on_time: float = Field(default=0.35, ge=0, le=1, description="按时办结率", title="按时办结率权重")
    satisfaction: float = Field(default=0.30, ge=0, le=1, description="满意率", title="满意率权重")
    no_redo: float = Field(default=0.10, ge=0, le=1, description="1 − 发回重办率", title="未发回重办率权重")
    supervision_met: float = Field(default=0.10, ge=0, le=1, description="督办按期办结率", title="督办按期办结率权重")
    per_finding: float = Field(default=1.0, ge=0, le=100, description="points off per finding standing against the unit (Art. 9-11)", title="每个问责事项扣分")
    per_collective_sanction: float = Field(default=2.0, ge=0, le=100, description="points off per Art. 13 sanction in force on the unit", title="每个第十三条集体问责扣分")
    per_individual_sanction: float = Field(default=0.5, ge=0, le=100, description="points off per Art. 14 sanction in force on its staff", title="每个第十四条个人问责扣分")
    max_deduction: float = Field(default=20.0, ge=0, le=100, description="the most that findings and sanctions take off", title="扣分上限")

    @model_validator(mode="after")
    def _sum_to_one(self) -> AssessmentWeights:
        total = sum(getattr(self, rate) for rate in RATES)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the rate weights must sum to 1 (they sum to {total:g})")
        return self


DEFAULT_WEIGHTS = AssessmentWeights()


class AssessmentPolicy(Aggregate):
    """The center's assessment weights; its version is the policy version an assessment names."""

    weights: AssessmentWeights = DEFAULT_WEIGHTS

    class Started(Created):
        weights: AssessmentWeights

        def apply(self, policy: AssessmentPolicy) -> None:
            policy.weights = self.weights

    class WeightsSet(DomainEvent):
        weights: AssessmentWeights

        def apply(self, policy: AssessmentPolicy) -> None:
            policy.weights = self.weights

    @classmethod
    def create(cls, weights: AssessmentWeights, *, now: datetime, actor: Actor) -> AssessmentPolicy:
        return cls.start(cls.Started, id=ASSESSMENT_POLICY_ID, now=now, actor=actor, weights=weights)

    def set_weights(self, weights: AssessmentWeights, *, now: datetime, actor: Actor) -> None:
        self.trigger(self.WeightsSet, now=now, actor=actor, weights=weights)


def score(rates: dict[str, float | None], counts: dict[str, int], weights: AssessmentWeights) -> dict[str, Any]:
    """The score and how it was reached, from a unit's year rates and counts (pure; see the module doc)."""
    measured = {rate: value for rate in RATES if (value := rates.get(rate)) is not None}
    weight = sum(getattr(weights, rate) for rate in measured)
    rate_part = None if not measured or weight == 0 else 100 * sum(getattr(weights, r) * v for r, v in measured.items()) / weight
    raw = (
        weights.per_finding * counts.get("findings", 0)
        + weights.per_collective_sanction * counts.get("sanctions_collective", 0)
        + weights.per_individual_sanction * counts.get("sanctions_individual", 0)
    )
    deduction = min(weights.max_deduction, raw)
    total = None if rate_part is None else round(max(0.0, rate_part - deduction), 2)
    return {
        "score": total,
        "rate_part": None if rate_part is None else round(rate_part, 2),
        "deduction": round(deduction, 2),
        "rates_used": sorted(measured),
    }
