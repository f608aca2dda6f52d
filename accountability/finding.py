"""A finding of accountability (问责事项): the clause, its subject, the events it rests on, and every decision.

Lifecycle::

    candidate --confirm--> confirmed --sanctions--> sanctioned --appeals--> appealed --decision--> sanctioned | closed
        |                      |                        ^    |                                     (closed: every
        +--dismiss--> dismissed +--mitigations (waive)--> waived                                    sanction revoked)
        +--(rules) withdrawn --(rules, facts hold again)--> candidate

The subject is the unit (Art. 11: "成员单位及其工作人员"); the staff concerned (who signed, who replied,
who was urged) are listed beside it. A person-only finding (Art. 9 on an agent, or one raised by hand
on a named person) names the person in its subject. The rules raise candidates and withdraw them when
later facts undo them; they never decide. People confirm (recording the harm where the clause needs
it), dismiss, mitigate (Art. 12), hold a talk (Art. 15, required before measures), impose sanctions
(``accountability.sanctions``: Art. 13 on the unit, Art. 14 on a named person, several per finding),
refer to the discipline agencies or the judicial organs, and decide appeals per sanction (Art. 16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from accountability.clauses import CLAUSE_TEXT, EFFECT_TEXT, HARM_CLAUSES, MITIGATION_TEXT, TALK_TEXT
from accountability.measures import KIND_TEXT, MEASURES, SCOPE_TEXT
from accountability.sanctions import (
    Appeal,
    AppealDecision,
    Mitigation,
    Responsibility,
    Sanction,
    has_authority,
    measure_errors,
    most_severe,
    require_appellant,
    require_possible_appellant,
    require_imposing_authority,
    same_article_errors,
    staff_errors,
)
from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent, Value, replaced
from foundation.errors import FieldError, Forbidden, InvalidInput, NotAllowedNow, NotFound
from cases.units import UnitRegistry

Status = Literal["candidate", "confirmed", "dismissed", "withdrawn", "sanctioned", "waived", "appealed", "closed"]
OVERSIGHT = frozenset({"center", "city_gov", "discipline", "auditor", "admin"})

__all__ = ["BasisRef", "Finding", "FindingDraft", "Responsibility", "Subject", "rule_finding_id"]


class Subject(Value):
    """Who answers: the unit, and a person only for a person-only finding."""

    unit: str
    staff: str | None = None


class BasisRef(Value):
    """An event a finding rests on: the case and the version of that event in the case's history."""

    case_id: UUID
    version: int


class FindingDraft(Value):
    """What a rule concludes: the finding it would raise (or keep), before any person decides."""

    clause: str
    key: str
    subject: Subject
    staff_concerned: tuple[str, ...] = ()
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


def _actor_stamp(state: dict[str, Any]) -> dict[str, Any]:
    """When and by whom a stored event was recorded (for upcasting its values that now carry them)."""
    return {"at": state["timestamp"], "by": state["actor"]["staff"]}


class Finding(Aggregate):
    class_version: ClassVar[int] = 2
    clause: str = ""
    subject: Subject = Subject(unit="")
    staff_concerned: tuple[str, ...] = ()
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
    mitigations: tuple[Mitigation, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    appeals: tuple[Appeal, ...] = ()
    records: tuple[Record, ...] = ()

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A v1 snapshot: one sanction and one appeal at most, their details kept in the decision record."""
        subject = state["subject"]
        state["staff_concerned"] = []
        if state["raised_by"] == "rules" and subject.get("staff"):
            state["staff_concerned"] = [subject["staff"]]
            state["subject"] = {"unit": subject["unit"]}
        in_force, appealed = state.pop("measures"), state.pop("appealed")
        state.pop("responsibility")
        records = state["records"]
        state["mitigations"] = [
            {"ground": r["details"]["ground"], "effect": r["details"]["effect"], "reason": r["details"]["reason"], "at": r["at"], "by": r["by"]}
            for r in records if r["action"] == "mitigation"
        ]
        state["sanctions"] = [
            {
                "n": 1, "measures": in_force, "imposed": r["details"]["measures"], "scope": r["details"]["responsibility"]["scope"],
                "kind": r["details"]["responsibility"]["kind"], "note": r["details"]["note"], "by": r["by"], "authority": r["unit"],
                "at": r["at"], "severity": most_severe(r["details"]["measures"]), "discipline_notice": r["details"]["discipline_notice"],
                "staff": subject.get("staff") if r["details"]["responsibility"]["scope"] == "individual" else None,
                "appeal": 1 if appealed else None,
            }
            for r in records if r["action"] == "sanction"
        ][:1]
        decided = next((r for r in records if r["action"] == "appeal_decision"), None)
        state["appeals"] = [
            {
                "n": 1, "sanction": 1, "grounds": r["details"]["grounds"], "at": r["at"], "by": r["by"],
                "decision": decided and {
                    "outcome": decided["details"]["outcome"], "measures": decided["details"]["measures"],
                    "reason": decided["details"]["reason"], "at": decided["at"], "by": decided["by"],
                },
            }
            for r in records if r["action"] == "appeal"
        ][:1]

    # ------------------------------------------------------------------ events

    class Raised(Created):
        class_version: ClassVar[int] = 2
        clause: str
        subject: Subject
        staff_concerned: tuple[str, ...] = ()
        basis: tuple[BasisRef, ...]
        period: str | None
        raised_by: str
        description: str
        key: str | None = None
        needs_harm: bool = False
        suggestions: tuple[str, ...] = ()

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 put the staff member who signed into a rule finding's subject; the unit answers, the person is concerned."""
            staff = state["subject"].get("staff")
            if state["raised_by"] == "rules":
                state["subject"] = {"unit": state["subject"]["unit"]}
                state["staff_concerned"] = [staff] if staff else []

        def apply(self, finding: Finding) -> None:
            finding.clause = self.clause
            finding.subject = self.subject
            finding.staff_concerned = self.staff_concerned
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
        """The rules restate an undecided finding: its basis grew, or its description was corrected (``reason``)."""

        basis: tuple[BasisRef, ...]
        description: str
        reason: str = ""

        def apply(self, finding: Finding) -> None:
            finding.basis = self.basis
            finding.description = self.description
            finding.remember(self, "basis_extended", basis=[b.model_dump(mode="json") for b in self.basis], reason=self.reason)

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

    class Reassessed(DomainEvent):
        """The rules, as corrected, no longer conclude a finding people have already decided: a note for review (Art. 16)."""

        holds: bool
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.remember(self, "reassessed", holds=self.holds, reason=self.reason)

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
            mitigation = Mitigation(ground=self.ground, effect=self.effect, reason=self.reason, at=self.timestamp, by=self.actor.staff)
            finding.mitigations = (*finding.mitigations, mitigation)
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
        class_version: ClassVar[int] = 2
        sanction: Sanction

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 carried one sanction's measures and responsibility; the person it fell on was the finding's subject."""
            measures = state.pop("measures")
            responsibility = state.pop("responsibility")
            state["sanction"] = {
                "n": 1, "measures": measures, "imposed": measures, "scope": responsibility["scope"],
                "kind": responsibility["kind"], "note": state.pop("note"), "authority": state["actor"].get("unit"),
                "severity": most_severe(measures), "discipline_notice": state.pop("discipline_notice"), **_actor_stamp(state),
            }

        def apply(self, finding: Finding) -> None:
            sanction = self.sanction
            if sanction.scope == "individual" and sanction.staff is None:  # v1: the person was the subject
                sanction = sanction.model_copy(update={"staff": finding.subject.staff or next(iter(finding.staff_concerned), None)})
            finding.sanctions = (*finding.sanctions, sanction)
            finding.status = "sanctioned"
            finding.remember(
                self,
                "sanction",
                n=sanction.n,
                measures=list(sanction.measures),
                measure_names=[MEASURES[m].name for m in sanction.measures],
                responsibility={"scope": sanction.scope, "kind": sanction.kind},
                responsibility_text=f"{SCOPE_TEXT[sanction.scope]}、{KIND_TEXT[sanction.kind]}",
                staff=sanction.staff,
                mitigations=[f"{m.ground} {EFFECT_TEXT[m.effect]}" for m in sanction.mitigations],
                note=sanction.note,
                discipline_notice=sanction.discipline_notice,
            )

    class Referred(DomainEvent):
        to: str
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.remember(self, "referral", to=self.to, reason=self.reason, article="15")

    class Appealed(DomainEvent):
        class_version: ClassVar[int] = 2
        appeal: Appeal

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1: one appeal per finding, against its one sanction."""
            state["appeal"] = {"n": 1, "sanction": 1, "grounds": state.pop("grounds"), **_actor_stamp(state)}

        def apply(self, finding: Finding) -> None:
            appeal = self.appeal
            finding.appeals = (*finding.appeals, appeal)
            sanction = finding.sanctions[appeal.sanction - 1]
            finding.sanctions = replaced(finding.sanctions, appeal.sanction - 1, sanction.model_copy(update={"appeal": appeal.n}))
            finding.status = "appealed"
            finding.remember(self, "appeal", n=appeal.n, sanction=appeal.sanction, grounds=appeal.grounds, article="16")

    class AppealDecided(DomainEvent):
        class_version: ClassVar[int] = 2
        n: int
        decision: AppealDecision

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1: the decision on the one appeal, its measures those in force after it."""
            state["decision"] = {
                "outcome": state.pop("outcome"), "measures": state.pop("measures"), "reason": state.pop("reason"), **_actor_stamp(state),
            }
            state["n"] = 1

        def apply(self, finding: Finding) -> None:
            appeal = finding.appeals[self.n - 1]
            finding.appeals = replaced(finding.appeals, self.n - 1, appeal.model_copy(update={"decision": self.decision}))
            sanction = finding.sanctions[appeal.sanction - 1]
            finding.sanctions = replaced(
                finding.sanctions, appeal.sanction - 1, sanction.model_copy(update={"measures": self.decision.measures})
            )
            finding.status = finding.status_after_appeals()
            finding.remember(
                self, "appeal_decision", n=self.n, sanction=appeal.sanction, outcome=self.decision.outcome,
                measures=list(self.decision.measures), reason=self.decision.reason,
            )

    # ----------------------------------------------------------------- reading

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures in force, over every sanction, in the order they were imposed."""
        return tuple(m for sanction in self.sanctions for m in sanction.measures)

    @property
    def persons(self) -> tuple[str, ...]:
        """Everyone the finding names: the person it concerns, the staff concerned, who bears a sanction."""
        named = (self.subject.staff, *self.staff_concerned, *(s.staff for s in self.sanctions))
        return tuple(dict.fromkeys(p for p in named if p))

    def status_after_appeals(self) -> Status:
        if any(a.decision is None for a in self.appeals):
            return "appealed"
        return "sanctioned" if self.measures else "closed"

    def visible_to(self, actor: Actor, registry: UnitRegistry) -> bool:
        """Oversight sees every finding; a unit its own and its subordinates'; a person the ones naming them."""
        if OVERSIGHT.intersection(actor.roles) or actor.staff in self.persons:
            return True
        if actor.is_unit_member and actor.unit is not None:
            return self.subject.unit == actor.unit or actor.unit in registry.ancestors(self.subject.unit)
        return False

    def appealable(self) -> list[Sanction]:
        return [s for s in self.sanctions if s.appeal is None and s.measures]

    def allowed_actions(self) -> list[str]:
        allowed = {
            "candidate": {"confirm", "dismiss", "talks"},
            "confirmed": {"mitigations", "talks", "sanctions", "referrals"},
            "sanctioned": {"talks", "referrals", "sanctions"},
            "waived": {"talks"},
            "dismissed": {"talks"},
            "appealed": {"appeal-decision", "talks", "referrals"},
        }.get(self.status, set())
        if self.status in ("sanctioned", "appealed") and self.appealable():
            allowed = allowed | {"appeals"}
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
            staff_concerned=draft.staff_concerned,
            basis=draft.basis,
            period=draft.period,
            raised_by="rules",
            description=draft.description,
            key=draft.key,
            needs_harm=draft.needs_harm,
            suggestions=draft.suggestions,
        )

    def restate(self, draft: FindingDraft, *, now: datetime, actor: Actor) -> None:
        """The rules conclude ``draft``: raise a withdrawn finding again, or bring an undecided one up to date.

        A decided finding is left as people decided it; the rules only note a changed conclusion
        (``reassess``).
        """
        if self.status == "withdrawn":
            self.trigger(self.Reraised, now=now, actor=actor, basis=draft.basis, description=draft.description,
                         reason="the facts hold again")
        elif self.status == "candidate" and (set(draft.basis), draft.description) != (set(self.basis), self.description):
            reason = "依据事件增加" if set(draft.basis) > set(self.basis) else "规则修订后重新认定：依据或表述更正"
            self.trigger(self.BasisExtended, now=now, actor=actor, basis=draft.basis, description=draft.description, reason=reason)

    def withdraw(self, reason: str, *, now: datetime, actor: Actor) -> bool:
        """Later facts (or the rule, as corrected) undid a finding nobody has decided on yet."""
        if self.status != "candidate":
            return False
        self.trigger(self.Withdrawn, now=now, actor=actor, reason=reason)
        return True

    def reassess(self, reason: str, *, now: datetime, actor: Actor) -> None:
        """The rule no longer concludes a finding already decided: note it once, for an Art. 16 review."""
        if self.status in ("candidate", "withdrawn") or any(
            r.action == "reassessed" and r.details.get("reason") == reason for r in self.records
        ):
            return
        self.trigger(self.Reassessed, now=now, actor=actor, holds=False, reason=reason)

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
            cls.Raised, id=finding_id, now=now, actor=actor, clause=clause, subject=subject, basis=tuple(basis),
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
        """Art. 12: lighten (从轻) or reduce (减轻) what is imposed later, or waive (免予追究): no measures at all."""
        self._guard("mitigations")
        self.trigger(self.Mitigated, now=now, actor=actor, ground=ground, effect=effect, reason=reason)

    def hold_talk(self, *, kind: str, note: str, registry: UnitRegistry, now: datetime, actor: Actor) -> None:
        """Art. 15: a reminder talk or written inquiry, before measures or where none are pursued."""
        self._guard("talks")
        if not actor.has("center") and not has_authority(actor, self.subject.unit, registry):
            raise Forbidden("Art. 15 talks are held by the center or, under Art. 4, the leader of the subject's own unit")
        self.trigger(self.TalkHeld, now=now, actor=actor, kind=kind, note=note)

    def sanction(
        self,
        *,
        measures: list[str],
        responsibility: Responsibility,
        staff: str | None = None,
        note: str,
        registry: UnitRegistry,
        now: datetime,
        actor: Actor,
    ) -> Sanction:
        """Art. 13 measures on the unit or Art. 14 measures on a named person (Art. 15: singly or together)."""
        self._guard("sanctions")
        if self.subject.staff is not None:  # a person-only finding: its measures fall on that person
            staff = staff or self.subject.staff
            if staff != self.subject.staff:
                raise InvalidInput("staff", f"this finding concerns '{self.subject.staff}' alone")
        errors = measure_errors(measures, responsibility, staff) + staff_errors(staff, self.subject.unit, registry)
        if errors:
            raise InvalidInput(errors=errors)
        if not any(r.action == "talk" for r in self.records):
            raise NotAllowedNow(
                "sanctions", "finding has had no reminder talk or written inquiry", self.allowed_actions(),
                "Art. 15 requires one before measures are imposed",
            )
        article = MEASURES[measures[0]].article
        require_imposing_authority(article, self.subject.unit, actor, registry)
        unique = tuple(dict.fromkeys(measures))
        sanction = Sanction(
            n=len(self.sanctions) + 1, measures=unique, imposed=unique, scope=responsibility.scope, kind=responsibility.kind,
            staff=staff, note=note, by=actor.staff, authority=actor.unit, at=now, severity=most_severe(unique),
            mitigations=tuple(m for m in self.mitigations if m.effect != "waive"),
            discipline_notice=f"已通报纪检监察机关派驻机构（第四条），由{actor.unit or actor.staff}于{now.date().isoformat()}实施问责",
        )
        self.trigger(self.Sanctioned, now=now, actor=actor, sanction=sanction)
        return sanction

    def refer(self, *, to: str, reason: str, now: datetime, actor: Actor) -> None:
        """Art. 15: party or administrative discipline to the discipline agencies, suspected crimes to the judicial organs."""
        self._guard("referrals")
        self.trigger(self.Referred, now=now, actor=actor, to=to, reason=reason)

    def appeal(self, *, grounds: str, sanction: int | None = None, now: datetime, actor: Actor) -> Appeal:
        """Art. 16: the sanctioned unit's leader or the sanctioned person appeals one sanction."""
        require_possible_appellant(self.sanctions, self.staff_concerned, self.subject.unit, actor)
        self._guard("appeals", "a sanction in force that has not been appealed is appealed")
        open_to_appeal = self.appealable()
        numbers = [s.n for s in open_to_appeal]
        if sanction is None and len(numbers) > 1:
            raise InvalidInput("sanction", f"name the sanction appealed; open to appeal: {', '.join(map(str, numbers))}")
        chosen = next((s for s in open_to_appeal if s.n == (sanction or numbers[0])), None)
        if chosen is None:
            raise InvalidInput("sanction", f"no sanction {sanction} open to appeal; open to appeal: {', '.join(map(str, numbers))}")
        require_appellant(chosen, self.subject.unit, actor)
        appeal = Appeal(n=len(self.appeals) + 1, sanction=chosen.n, grounds=grounds, at=now, by=actor.staff)
        self.trigger(self.Appealed, now=now, actor=actor, appeal=appeal)
        return appeal

    def decide_appeal(self, number: int, *, outcome: str, measures: list[str] | None, reason: str, now: datetime, actor: Actor) -> None:
        """Upheld (measures stand), modified (the measures now in force, same article) or revoked (none)."""
        self._guard("appeal-decision")
        if not 1 <= number <= len(self.appeals):
            raise NotFound("appeal", number)
        appeal = self.appeals[number - 1]
        if appeal.decision is not None:
            raise NotAllowedNow("appeal-decision", f"appeal {number} is already decided", self.allowed_actions())
        sanction = self.sanctions[appeal.sanction - 1]
        if outcome == "modified":
            errors = same_article_errors(measures or [], sanction)
            if errors:
                raise InvalidInput(errors=errors)
            in_force = tuple(dict.fromkeys(measures or []))
        else:
            if measures:
                raise InvalidInput("measures", f"Art. 16: an appeal {outcome} carries no measures; only 'modified' does")
            in_force = () if outcome == "revoked" else sanction.measures
        decision = AppealDecision(outcome=outcome, measures=in_force, reason=reason, at=now, by=actor.staff)  # type: ignore[arg-type]
        self.trigger(self.AppealDecided, now=now, actor=actor, n=number, decision=decision)

    def remember(self, event: DomainEvent, action: str, **details: Any) -> None:
        record = Record(
            action=action, at=event.timestamp, by=event.actor.staff, unit=event.actor.unit,
            version=event.originator_version, details=details,
        )
        self.records = (*self.records, record)


def _subject_errors(clause: str, subject: Subject, registry: UnitRegistry) -> list[FieldError]:
    unit = registry.units.get(subject.unit)
    if unit is None:
        return [FieldError("subject.unit", f"unknown unit '{subject.unit}'")]
    errors = staff_errors(subject.staff, subject.unit, registry)
    errors = [FieldError("subject.staff", e.message) for e in errors]
    if clause == "9" and (unit.kind != "center" or subject.staff is None):
        errors.append(FieldError("subject", "Art. 9 concerns a call agent: the center's unit and the agent's staff id"))
    if clause == "10" and unit.kind != "center":
        errors.append(FieldError("subject.unit", "Art. 10 concerns the hotline center and its staff"))
    if clause.startswith("11(") and unit.kind == "center":
        errors.append(FieldError("subject.unit", "Art. 11 concerns member units (and, by Art. 17, non-member units)"))
    return errors
