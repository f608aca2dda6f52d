"""Sanctions and appeals on a finding (Art. 4, 12-16): who answers, with what, imposed by whom.

Art. 11 holds "成员单位及其工作人员" accountable, and Art. 15 requires telling collective from individual
and direct from leadership responsibility; measures may be imposed singly or together. So a finding's
subject is the unit, the staff concerned are listed beside it, and a finding may carry several
sanctions:

* Art. 13 measures fall on the unit, with ``collective`` responsibility, imposed by the center or the
  city government (or, Art. 4, the leader of a unit above it);
* Art. 14 measures fall on one named staff member of the finding's unit, with ``individual``
  responsibility, imposed by the leader of that unit or of a unit above it (Art. 4), with the notice to
  the stationed discipline agency recorded.

Each sanction records the Art. 12 mitigations (从轻/减轻) in force when it was imposed and the
severity of its measures, so a report can set what was imposed against them. Appeals (Art. 16) are
per sanction: the sanctioned unit's leader appeals a collective one, the sanctioned person an
individual one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from accountability.measures import MEASURES, STAFF_MEASURES, UNIT_MEASURES
from foundation.actors import Actor
from foundation.aggregate import Value
from foundation.errors import FieldError, Forbidden
from cases.units import UnitRegistry

Scope = Literal["collective", "individual"]
Kind = Literal["direct", "leadership"]
Outcome = Literal["upheld", "modified", "revoked"]


class Responsibility(Value):
    scope: Scope
    kind: Kind


class Mitigation(Value):
    """An Art. 12 decision: the ground, its effect (lighten 从轻, reduce 减轻, waive 免予追究) and why."""

    ground: str
    effect: str
    reason: str
    at: datetime
    by: str


class Sanction(Value):
    """Art. 13 measures on the unit, or Art. 14 measures on one staff member, as imposed and as in force."""

    n: int
    measures: tuple[str, ...]
    """In force (an appeal decision may modify or revoke them)."""
    imposed: tuple[str, ...]
    scope: Scope
    kind: Kind
    staff: str | None = None
    note: str = ""
    by: str
    authority: str | None = None
    """The unit that imposed it (Art. 4)."""
    at: datetime
    severity: int
    """The most severe of the imposed measures (1 is the mildest of its article)."""
    mitigations: tuple[Mitigation, ...] = ()
    """The Art. 12 lightening or reduction in force when it was imposed."""
    discipline_notice: str = ""
    appeal: int | None = None
    """The appeal against it, if any."""

    @property
    def article(self) -> int:
        return MEASURES[self.imposed[0]].article


class AppealDecision(Value):
    outcome: Outcome
    measures: tuple[str, ...]
    reason: str
    at: datetime
    by: str


class Appeal(Value):
    """An Art. 16 appeal against one sanction, and its decision."""

    n: int
    sanction: int
    grounds: str
    at: datetime
    by: str
    decision: AppealDecision | None = None


def measure_errors(measures: Sequence[str], responsibility: Responsibility, staff: str | None) -> list[FieldError]:
    """Art. 13 and 14 measures are never mixed; each goes with its scope and its bearer."""
    if not measures:
        return [FieldError("measures", f"name one or more of: {', '.join(MEASURES)}")]
    unknown = [FieldError(f"measures[{i}]", f"'{m}' is not a measure of Art. 13 or 14") for i, m in enumerate(measures) if m not in MEASURES]
    if unknown:
        return unknown
    articles = {MEASURES[m].article for m in measures}
    if len(articles) > 1:
        return [FieldError("measures", "Art. 13 measures (on the unit) and Art. 14 measures (on a person) are imposed separately")]
    if articles == {13}:
        errors = []
        if responsibility.scope != "collective":
            errors.append(FieldError("responsibility.scope", "Art. 13 measures fall on the unit: scope 'collective'"))
        if staff is not None:
            errors.append(FieldError("staff", "Art. 13 measures fall on the unit; name no staff member"))
        return errors
    errors = []
    if responsibility.scope != "individual":
        errors.append(FieldError("responsibility.scope", "Art. 14 measures fall on a person: scope 'individual'"))
    if staff is None:
        errors.append(FieldError("staff", "Art. 14 measures fall on a person: name the staff member"))
    return errors


def same_article_errors(measures: Sequence[str], sanction: Sanction) -> list[FieldError]:
    """An appeal decision modifies measures within the article of the sanction (13 stays 13, 14 stays 14)."""
    allowed = UNIT_MEASURES if sanction.article == 13 else STAFF_MEASURES
    if not measures:
        return [FieldError("measures", "a modified decision names the measures now in force")]
    return [
        FieldError(f"measures[{i}]", f"'{m}' is not an Art. {sanction.article} measure; allowed: {', '.join(allowed)}")
        for i, m in enumerate(measures)
        if m not in allowed
    ]


def staff_errors(staff: str | None, unit: str, registry: UnitRegistry) -> list[FieldError]:
    """The person an Art. 14 measure falls on is a staff member of the finding's unit."""
    if staff is None:
        return []
    member = registry.staff.get(staff)
    if member is None:
        return [FieldError("staff", f"unknown staff '{staff}'")]
    if member.unit_id != unit:
        return [FieldError("staff", f"'{staff}' is staff of '{member.unit_id}', not of the finding's unit '{unit}'")]
    return []


def has_authority(actor: Actor, unit: str, registry: UnitRegistry) -> bool:
    """Art. 4: a unit imposes accountability on itself and on the units below it, through its leader."""
    return "unit_leader" in actor.roles and actor.unit is not None and (actor.unit == unit or actor.unit in registry.ancestors(unit))


def require_imposing_authority(article: int, unit: str, actor: Actor, registry: UnitRegistry) -> None:
    if article == 14:
        if not has_authority(actor, unit, registry):
            raise Forbidden("Art. 14 measures are imposed by the leader of the person's own unit or of a unit above it (Art. 4)")
        return
    if actor.has("center", "city_gov"):
        return
    if actor.unit != unit and has_authority(actor, unit, registry):
        return
    raise Forbidden("Art. 13 measures are imposed by the center or the city government (or a unit above it, Art. 4)")


def require_possible_appellant(sanctions: Sequence[Sanction], concerned: Sequence[str], unit: str, actor: Actor) -> None:
    """Art. 16: only the unit's leader or a person the finding concerns can ever appeal; anyone else is refused first."""
    if "unit_leader" in actor.roles and actor.unit == unit:
        return
    if actor.staff and (actor.staff in concerned or any(s.staff == actor.staff for s in sanctions)):
        return
    raise Forbidden("Art. 16: only the sanctioned unit's leader or the sanctioned person appeals")


def require_appellant(sanction: Sanction, unit: str, actor: Actor) -> None:
    """Art. 16: the sanctioned unit's leader appeals a collective sanction, the sanctioned person an individual one."""
    if sanction.scope == "individual":
        if actor.staff != sanction.staff:
            raise Forbidden("Art. 16: only the sanctioned staff member appeals a measure on a person")
    elif not ("unit_leader" in actor.roles and actor.unit == unit):
        raise Forbidden("Art. 16: only the sanctioned unit's leader appeals a measure on the unit")


def most_severe(measures: Sequence[str]) -> int:
    return max(MEASURES[m].severity for m in measures)
