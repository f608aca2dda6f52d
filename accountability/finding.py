"""A finding of accountability (问责事项): the clause, its subject, the events it rests on, and every decision.

Lifecycle::

    candidate --confirm--> confirmed --sanctions--> sanctioned --appeals--> appealed --decision--> sanctioned | closed
        |                      |
        +--dismiss--> dismissed +--mitigations (waive)--> waived
        +--(rules) withdrawn --(rules, facts hold again)--> candidate

The rules raise candidates and withdraw them when later facts undo them; they never decide.
People confirm (recording the harm where the clause needs it), dismiss, mitigate (Art. 12), hold a
talk (Art. 15, required before measures), impose measures (Art. 13 on units, 14 on staff), refer to
the discipline agencies or the judicial organs, and decide appeals (Art. 16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from accountability.clauses import CLAUSE_TEXT, EFFECT_TEXT, HARM_CLAUSES, MITIGATION_TEXT, TALK_TEXT
from accountability.measures import KIND_TEXT, MEASURES, SCOPE_TEXT, measures_for
from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent, Value
from foundation.errors import FieldError, Forbidden, InvalidInput, NotAllowedNow
from cases.units import UnitRegistry

Status = Literal["candidate", "confirmed", "dismissed", "withdrawn", "sanctioned", "waived", "appealed", "closed"]
OVERSIGHT = frozenset({"center", "city_gov", "discipline", "auditor", "admin"})


class Subject(Value):
    unit: str
    staff: str | None = None


class BasisRef(Value):
    """An event a finding rests on: the case and the version of that event in the case's history."""

    case_id: UUID
    version: int


class Responsibility(Value):
    scope: Literal["collective", "individual"]
    kind: Literal["direct", "leadership"]


class FindingDraft(Value):
    """What a rule concludes: the finding it would raise (or keep), before any person decides."""

    clause: str
    key: str
    subject: Subject
    basis: tuple[BasisRef, ...]
    period: str | None = None
    description: str
    needs_harm: bool = False
    suggestions: tuple[str, ...] = ()


class Record(Value):
    """One entry of the finding's decision record, in the order it happened."""

    action: str
    at: datetime
    by: str
    unit: str | None
    version: int
    details: dict[str, Any] = {}


def rule_finding_id(key: str) -> UUID:
    """Rule findings have an id made from their key: once per subject and basis, even across restarts."""
    return uuid5(NAMESPACE_URL, f"hotline:finding:{key}")


class Finding(Aggregate):
    clause: str = ""
    subject: Subject = Subject(unit="")
    status: Status = "candidate"
    basis: tuple[BasisRef, ...] = ()
    period: str | None = None
    raised_by: str = ""
    raised_at: datetime | None = None
    description: str = ""
    key: str | None = None
    needs_harm: bool = False
    suggestions: tuple[str, ...] = ()
    harm: str | None = None
    measures: tuple[str, ...] = ()
    """The measures in force (after an appeal decision, as modified; none once revoked)."""
    responsibility: Responsibility | None = None
    appealed: bool = False
    records: tuple[Record, ...] = ()

    # ------------------------------------------------------------------ events

    class Raised(Created):
        clause: str
        subject: Subject
        basis: tuple[BasisRef, ...]
        period: str | None
        raised_by: str
        description: str
        key: str | None = None
        needs_harm: bool = False
        suggestions: tuple[str, ...] = ()

        def apply(self, finding: Finding) -> None:
            finding.clause = self.clause
            finding.subject = self.subject
            finding.status = "candidate"
            finding.basis = self.basis
            finding.period = self.period
            finding.raised_by = self.raised_by
            finding.raised_at = self.timestamp
            finding.description = self.description
            finding.key = self.key
            finding.needs_harm = self.needs_harm
            finding.suggestions = self.suggestions
            finding.remember(self, "raised", clause=self.clause, article=CLAUSE_TEXT.get(self.clause, ""))

    class BasisExtended(DomainEvent):
        basis: tuple[BasisRef, ...]
        description: str

        def apply(self, finding: Finding) -> None:
            finding.basis = self.basis
            finding.description = self.description
            finding.remember(self, "basis_extended", basis=[b.model_dump(mode="json") for b in self.basis])

    class Withdrawn(DomainEvent):
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.status = "withdrawn"
            finding.remember(self, "withdrawn", reason=self.reason)

    class Reraised(DomainEvent):
        basis: tuple[BasisRef, ...]
        description: str
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.status = "candidate"
            finding.basis = self.basis
            finding.description = self.description
            finding.remember(self, "reraised", reason=self.reason)

    class Confirmed(DomainEvent):
        note: str
        harm: str | None

        def apply(self, finding: Finding) -> None:
            finding.status = "confirmed"
            finding.harm = self.harm
            finding.remember(self, "confirm", note=self.note, harm=self.harm)

    class Dismissed(DomainEvent):
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.status = "dismissed"
            finding.remember(self, "dismiss", reason=self.reason)

    class Mitigated(DomainEvent):
        ground: str
        effect: str
        reason: str

        def apply(self, finding: Finding) -> None:
            if self.effect == "waive":
                finding.status = "waived"
            finding.remember(
                self, "mitigation", ground=self.ground, effect=self.effect, reason=self.reason,
                article=MITIGATION_TEXT[self.ground], effect_text=EFFECT_TEXT[self.effect],
            )

    class TalkHeld(DomainEvent):
        kind: str
        note: str

        def apply(self, finding: Finding) -> None:
            finding.remember(self, "talk", kind=self.kind, kind_text=TALK_TEXT[self.kind], note=self.note, article="15")

    class Sanctioned(DomainEvent):
        measures: tuple[str, ...]
        responsibility: Responsibility
        note: str
        discipline_notice: str

        def apply(self, finding: Finding) -> None:
            finding.status = "sanctioned"
            finding.measures = self.measures
            finding.responsibility = self.responsibility
            finding.remember(
                self,
                "sanction",
                measures=list(self.measures),
                measure_names=[MEASURES[m].name for m in self.measures],
                responsibility=self.responsibility.model_dump(),
                responsibility_text=f"{SCOPE_TEXT[self.responsibility.scope]}、{KIND_TEXT[self.responsibility.kind]}",
                note=self.note,
                discipline_notice=self.discipline_notice,
            )

    class Referred(DomainEvent):
        to: str
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.remember(self, "referral", to=self.to, reason=self.reason, article="15")

    class Appealed(DomainEvent):
        grounds: str

        def apply(self, finding: Finding) -> None:
            finding.status = "appealed"
            finding.appealed = True
            finding.remember(self, "appeal", n=1, grounds=self.grounds, article="16")

    class AppealDecided(DomainEvent):
        outcome: str
        measures: tuple[str, ...]
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.status = "closed" if self.outcome == "revoked" else "sanctioned"
            finding.measures = self.measures
            finding.remember(self, "appeal_decision", n=1, outcome=self.outcome, measures=list(self.measures), reason=self.reason)

    def remember(self, event: DomainEvent, action: str, **details: Any) -> None:
        record = Record(
            action=action, at=event.timestamp, by=event.actor.staff, unit=event.actor.unit,
            version=event.originator_version, details=details,
        )
        self.records = (*self.records, record)

    # ----------------------------------------------------------------- reading

    def visible_to(self, actor: Actor, registry: UnitRegistry) -> bool:
        """Oversight sees every finding; a unit its own and its subordinates'; a person their own."""
        if OVERSIGHT.intersection(actor.roles) or (self.subject.staff and self.subject.staff == actor.staff):
            return True
        if actor.is_unit_member and actor.unit is not None:
            return self.subject.unit == actor.unit or actor.unit in registry.ancestors(self.subject.unit)
        return False

    def allowed_actions(self) -> list[str]:
        allowed = {
            "candidate": {"confirm", "dismiss", "talks"},
            "confirmed": {"mitigations", "talks", "sanctions", "referrals"},
            "sanctioned": {"talks", "referrals"} | (set() if self.appealed else {"appeals"}),
            "waived": {"talks"},
            "dismissed": {"talks"},
            "appealed": {"appeal-decision"},
        }.get(self.status, set())
        return sorted(allowed)

    def _guard(self, action: str, why: str = "") -> None:
        if action not in self.allowed_actions():
            raise NotAllowedNow(action, f"finding is {self.status}", self.allowed_actions(), why)

    # ---------------------------------------------------------- rule commands

    @classmethod
    def from_draft(cls, draft: FindingDraft, *, now: datetime, actor: Actor) -> Finding:
        return cls.start(
            cls.Raised,
            id=rule_finding_id(draft.key),
            now=now,
            actor=actor,
            clause=draft.clause,
            subject=draft.subject,
            basis=draft.basis,
            period=draft.period,
            raised_by="rules",
            description=draft.description,
            key=draft.key,
            needs_harm=draft.needs_harm,
            suggestions=draft.suggestions,
        )

    def restate(self, draft: FindingDraft, *, now: datetime, actor: Actor) -> None:
        """The rules still conclude ``draft``: widen an undecided basis, or raise a withdrawn finding again."""
        if self.status == "withdrawn":
            self.trigger(self.Reraised, now=now, actor=actor, basis=draft.basis, description=draft.description,
                         reason="the facts hold again")
        elif self.status == "candidate" and set(draft.basis) != set(self.basis):
            self.trigger(self.BasisExtended, now=now, actor=actor, basis=draft.basis, description=draft.description)

    def withdraw(self, reason: str, *, now: datetime, actor: Actor) -> bool:
        """Later facts undid a finding nobody has decided on yet."""
        if self.status != "candidate":
            return False
        self.trigger(self.Withdrawn, now=now, actor=actor, reason=reason)
        return True

    # --------------------------------------------------------- people commands

    @classmethod
    def raise_by_hand(
        cls,
        finding_id: UUID,
        *,
        clause: str,
        subject: Subject,
        basis: list[BasisRef],
        description: str,
        registry: UnitRegistry,
        now: datetime,
        actor: Actor,
    ) -> Finding:
        """A person raises a finding on any clause, with a description and the events it rests on."""
        errors = _subject_errors(clause, subject, registry)
        if not basis:
            errors.append(FieldError("basis", "name at least one (case_id, version) the finding rests on"))
        if not description.strip():
            errors.append(FieldError("description", "describe the circumstance"))
        if errors:
            raise InvalidInput(errors=errors)
        own_subtree = subject.unit == actor.unit or actor.unit in registry.ancestors(subject.unit)
        if "unit_leader" in actor.roles and not actor.has("center", "city_gov") and not own_subtree:
            raise Forbidden("a unit leader raises findings on its own unit, its subordinate units and their staff (Art. 4)")
        return cls.start(
            cls.Raised, id=finding_id, now=now, actor=actor, clause=clause, subject=subject, basis=basis,
            period=None, raised_by=actor.staff, description=description, needs_harm=False,
        )

    def confirm(self, *, note: str, harm: str | None, now: datetime, actor: Actor) -> None:
        self._guard("confirm")
        if self.clause in HARM_CLAUSES and not (harm or "").strip():
            raise InvalidInput("harm", f"Art. {self.clause} needs the harm (不良后果/不良影响) recorded before confirming")
        self.trigger(self.Confirmed, now=now, actor=actor, note=note, harm=harm)

    def dismiss(self, *, reason: str, now: datetime, actor: Actor) -> None:
        self._guard("dismiss")
        self.trigger(self.Dismissed, now=now, actor=actor, reason=reason)

    def mitigate(self, *, ground: str, effect: str, reason: str, now: datetime, actor: Actor) -> None:
        """Art. 12: lighten, reduce or waive; a waiver ends the matter."""
        self._guard("mitigations")
        self.trigger(self.Mitigated, now=now, actor=actor, ground=ground, effect=effect, reason=reason)

    def hold_talk(self, *, kind: str, note: str, registry: UnitRegistry, now: datetime, actor: Actor) -> None:
        """Art. 15: a reminder talk or written inquiry, before measures or where none are pursued."""
        self._guard("talks")
        if not actor.has("center"):
            self._require_authority_over_subject(actor, registry, "talks")
        self.trigger(self.TalkHeld, now=now, actor=actor, kind=kind, note=note)

    def sanction(
        self,
        *,
        measures: list[str],
        responsibility: Responsibility,
        note: str,
        registry: UnitRegistry,
        now: datetime,
        actor: Actor,
    ) -> None:
        """Art. 13/14 measures, singly or together, with the kind of responsibility (Art. 15)."""
        self._guard("sanctions")
        errors = _measure_errors(measures, self.subject_is_staff)
        if errors:
            raise InvalidInput(errors=errors)
        if not any(r.action == "talk" for r in self.records):
            raise NotAllowedNow(
                "sanctions", "finding has had no reminder talk or written inquiry", self.allowed_actions(),
                "Art. 15 requires one before measures are imposed",
            )
        self._require_sanctioning_authority(actor, registry)
        notice = (
            f"已通报纪检监察机关派驻机构（第四条），由{actor.unit or actor.staff}于{now.date().isoformat()}实施问责"
        )
        self.trigger(self.Sanctioned, now=now, actor=actor, measures=tuple(dict.fromkeys(measures)),
                     responsibility=responsibility, note=note, discipline_notice=notice)

    def refer(self, *, to: str, reason: str, now: datetime, actor: Actor) -> None:
        """Art. 15: party or administrative discipline to the discipline agencies, suspected crimes to the judicial organs."""
        self._guard("referrals")
        self.trigger(self.Referred, now=now, actor=actor, to=to, reason=reason)

    def appeal(self, *, grounds: str, registry: UnitRegistry, now: datetime, actor: Actor) -> None:
        """Art. 16: the sanctioned unit (its leader) or the sanctioned person appeals."""
        if self.subject.staff:
            if actor.staff != self.subject.staff:
                raise Forbidden("only the sanctioned staff member appeals a measure on staff")
        elif not ("unit_leader" in actor.roles and actor.unit == self.subject.unit):
            raise Forbidden("only the sanctioned unit's leader appeals a measure on a unit")
        self._guard("appeals", "only sanctioned findings are appealed, once")
        self.trigger(self.Appealed, now=now, actor=actor, grounds=grounds)

    def decide_appeal(self, *, outcome: str, measures: list[str] | None, reason: str, now: datetime, actor: Actor) -> None:
        self._guard("appeal-decision")
        if outcome == "modified":
            if not measures:
                raise InvalidInput("measures", "a modified decision names the measures now in force")
            errors = _measure_errors(measures, self.subject_is_staff)
            if errors:
                raise InvalidInput(errors=errors)
            in_force = tuple(dict.fromkeys(measures))
        else:
            if measures:
                raise InvalidInput("measures", f"an appeal {outcome} carries no measures; only 'modified' does")
            in_force = () if outcome == "revoked" else self.measures
        self.trigger(self.AppealDecided, now=now, actor=actor, outcome=outcome, measures=in_force, reason=reason)

    # ----------------------------------------------------------------- guards

    @property
    def subject_is_staff(self) -> bool:
        return bool(self.subject.staff)

    def _require_sanctioning_authority(self, actor: Actor, registry: UnitRegistry) -> None:
        """Art. 4 and API: the center and city government for units; a unit on its own staff and subordinates."""
        if self.subject.staff:
            if not ("unit_leader" in actor.roles and self._has_authority(actor, registry)):
                raise Forbidden("measures on staff are imposed by the leader of their own unit (Art. 4)")
            return
        if actor.has("center", "city_gov"):
            return
        if "unit_leader" in actor.roles and actor.unit != self.subject.unit and self._has_authority(actor, registry):
            return
        raise Forbidden("measures on a unit are imposed by the center, the city government or its parent unit (Art. 4)")

    def _require_authority_over_subject(self, actor: Actor, registry: UnitRegistry, action: str) -> None:
        if not ("unit_leader" in actor.roles and self._has_authority(actor, registry)):
            raise Forbidden(f"'{action}' is for the center or the leader of the subject's own unit")

    def _has_authority(self, actor: Actor, registry: UnitRegistry) -> bool:
        unit = self.subject.unit
        return actor.unit is not None and (actor.unit == unit or actor.unit in registry.ancestors(unit))


def _subject_errors(clause: str, subject: Subject, registry: UnitRegistry) -> list[FieldError]:
    unit = registry.units.get(subject.unit)
    if unit is None:
        return [FieldError("subject.unit", f"unknown unit '{subject.unit}'")]
    errors = []
    if subject.staff is not None:
        staff = registry.staff.get(subject.staff)
        if staff is None:
            errors.append(FieldError("subject.staff", f"unknown staff '{subject.staff}'"))
        elif staff.unit_id != subject.unit:
            errors.append(FieldError("subject.staff", f"'{subject.staff}' is staff of '{staff.unit_id}', not '{subject.unit}'"))
    if clause == "9" and (unit.kind != "center" or subject.staff is None):
        errors.append(FieldError("subject", "Art. 9 concerns a call agent: the center's unit and the agent's staff id"))
    if clause == "10" and unit.kind != "center":
        errors.append(FieldError("subject.unit", "Art. 10 concerns the hotline center and its staff"))
    if clause.startswith("11(") and unit.kind == "center":
        errors.append(FieldError("subject.unit", "Art. 11 concerns member units (and, by Art. 17, non-member units)"))
    return errors


def _measure_errors(measures: list[str], staff: bool) -> list[FieldError]:
    allowed = measures_for(staff)
    if not measures:
        return [FieldError("measures", f"name one or more of: {', '.join(allowed)}")]
    who = "a staff member (Art. 14)" if staff else "a unit (Art. 13)"
    return [
        FieldError(f"measures[{i}]", f"'{m}' is not a measure on {who}; allowed: {', '.join(allowed)}")
        for i, m in enumerate(measures)
        if m not in allowed
    ]
