"""The finding aggregate: decisions, Art. 12 mitigation, Art. 13-15 measures, Art. 16 appeal, Art. 4 authority."""

from __future__ import annotations

from uuid import uuid4

import pytest

from accountability.finding import BasisRef, Finding, FindingDraft, Responsibility, Subject, rule_finding_id
from foundation.actors import Actor, system
from foundation.errors import Forbidden, InvalidInput, NotAllowedNow
from tests.builders import CENTER, CITY, REGISTRY, leader
from tests.conftest import later

RULES = system("rules")
BASIS = (BasisRef(case_id=uuid4(), version=4),)
COLLECTIVE = Responsibility(scope="collective", kind="leadership")
INDIVIDUAL = Responsibility(scope="individual", kind="direct")


def draft(clause: str = "11(1)", staff: str | None = None, needs_harm: bool = False) -> FindingDraft:
    return FindingDraft(
        clause=clause, key=f"{clause}|k", subject=Subject(unit="U1", staff=staff), basis=BASIS,
        description="第十一条…", needs_harm=needs_harm,
    )


def confirmed(staff: str | None = None) -> Finding:
    finding = Finding.from_draft(draft(staff=staff), now=later(), actor=RULES)
    finding.confirm(note="facts hold", harm=None, now=later(1), actor=CENTER)
    return finding


def test_a_rule_finding_has_an_id_from_its_key_and_starts_as_candidate() -> None:
    finding = Finding.from_draft(draft(), now=later(), actor=RULES)
    assert finding.id == rule_finding_id("11(1)|k")
    assert (finding.status, finding.raised_by, finding.records[0].action) == ("candidate", "rules", "raised")
    assert finding.allowed_actions() == ["confirm", "dismiss", "talks"]


def test_the_rules_withdraw_only_what_nobody_decided() -> None:
    finding = Finding.from_draft(draft(), now=later(), actor=RULES)
    assert finding.withdraw("justified", now=later(1), actor=RULES)
    assert finding.status == "withdrawn" and finding.records[-1].details["reason"] == "justified"
    finding.restate(draft(), now=later(2), actor=RULES)
    assert finding.status == "candidate"  # the facts hold again
    finding.confirm(note="", harm=None, now=later(3), actor=CENTER)
    assert not finding.withdraw("justified later", now=later(4), actor=RULES)
    assert finding.status == "confirmed"


def test_an_undecided_basis_grows_a_decided_one_does_not() -> None:
    finding = Finding.from_draft(draft(), now=later(), actor=RULES)
    wider = draft().model_copy(update={"basis": BASIS + (BasisRef(case_id=uuid4(), version=2),)})
    finding.restate(wider, now=later(1), actor=RULES)
    assert len(finding.basis) == 2 and finding.records[-1].action == "basis_extended"
    finding.restate(wider, now=later(2), actor=RULES)
    assert finding.version == 2
    finding.confirm(note="", harm=None, now=later(3), actor=CENTER)
    finding.restate(draft().model_copy(update={"basis": BASIS * 1}), now=later(4), actor=RULES)
    assert len(finding.basis) == 2


def test_harm_is_required_to_confirm_11_3_11_4_11_5() -> None:
    finding = Finding.from_draft(draft("11(5)", needs_harm=True), now=later(), actor=RULES)
    with pytest.raises(InvalidInput) as refused:
        finding.confirm(note="", harm=" ", now=later(1), actor=CENTER)
    assert refused.value.errors[0].field == "harm"
    finding.confirm(note="", harm="the requester complained to the media", now=later(1), actor=CENTER)
    assert finding.harm == "the requester complained to the media"


def test_measures_need_a_talk_first_art_15() -> None:
    finding = confirmed()
    with pytest.raises(NotAllowedNow) as refused:
        finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(2), actor=CENTER)
    assert "Art. 15" in str(refused.value)
    finding.hold_talk(kind="reminder_talk", note="talked", registry=REGISTRY, now=later(2), actor=CENTER)
    finding.sanction(measures=["13(1)", "13(2)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    assert finding.status == "sanctioned" and finding.measures == ("13(1)", "13(2)")
    assert "第四条" in finding.records[-1].details["discipline_notice"]
    assert finding.records[-1].details["measure_names"] == ["通报批评", "责令书面检查"]


def test_staff_measures_on_staff_unit_measures_on_units() -> None:
    unit_finding = confirmed()
    unit_finding.hold_talk(kind="written_inquiry", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    with pytest.raises(InvalidInput) as refused:
        unit_finding.sanction(measures=["13(1)", "14(5)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    assert [e.field for e in refused.value.errors] == ["measures[1]"]
    staff_finding = confirmed(staff="U1-leader")
    staff_finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    with pytest.raises(InvalidInput):
        staff_finding.sanction(measures=["13(3)"], responsibility=INDIVIDUAL, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))


def test_art_4_who_imposes_measures() -> None:
    staff_finding = confirmed(staff="U1-leader")
    staff_finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    for outsider in (CENTER, CITY, leader("U2")):
        with pytest.raises(Forbidden):
            staff_finding.sanction(measures=["14(2)"], responsibility=INDIVIDUAL, note="", registry=REGISTRY, now=later(3), actor=outsider)
    staff_finding.sanction(measures=["14(2)", "14(3)"], responsibility=INDIVIDUAL, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert staff_finding.status == "sanctioned"
    unit_finding = confirmed()
    unit_finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    with pytest.raises(Forbidden):  # a unit does not sanction itself
        unit_finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))


def test_a_parent_unit_sanctions_its_internal_body() -> None:
    finding = Finding.from_draft(
        draft().model_copy(update={"subject": Subject(unit="U1-IN"), "key": "x"}), now=later(), actor=RULES
    )
    finding.confirm(note="", harm=None, now=later(1), actor=CENTER)
    finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=leader("U1"))
    finding.sanction(measures=["13(2)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert finding.visible_to(leader("U1"), REGISTRY) and not finding.visible_to(leader("U2"), REGISTRY)


def test_a_waiver_ends_it_lighter_effects_keep_it_confirmed() -> None:
    lighter = confirmed()
    lighter.mitigate(ground="12(2)", effect="lighten", reason="corrected at once", now=later(2), actor=CENTER)
    assert lighter.status == "confirmed" and lighter.records[-1].details["effect_text"] == "从轻"
    waived = confirmed()
    waived.mitigate(ground="12(1)", effect="waive", reason="unclear and confidential", now=later(2), actor=CITY)
    assert waived.status == "waived" and waived.allowed_actions() == ["talks"]


def test_appeal_by_the_sanctioned_and_its_decision() -> None:
    finding = confirmed(staff="U1-leader")
    finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    finding.sanction(measures=["14(5)"], responsibility=INDIVIDUAL, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    with pytest.raises(Forbidden):
        other = Actor(staff="U1-deputy", unit="U1", roles=("unit_leader",))
        finding.appeal(grounds="unfair", registry=REGISTRY, now=later(4), actor=other)  # not the sanctioned person
    person = Actor(staff="U1-leader", unit="U1", roles=("unit_handler",))
    finding.appeal(grounds="the delay was caused by the court", registry=REGISTRY, now=later(4), actor=person)
    assert finding.status == "appealed"
    with pytest.raises(InvalidInput) as refused:
        finding.decide_appeal(outcome="modified", measures=None, reason="", now=later(5), actor=CITY)
    assert refused.value.errors[0].field == "measures"
    with pytest.raises(InvalidInput):
        finding.decide_appeal(outcome="upheld", measures=["14(1)"], reason="", now=later(5), actor=CITY)
    finding.decide_appeal(outcome="modified", measures=["14(1)"], reason="lighter suffices", now=later(5), actor=CITY)
    assert finding.status == "sanctioned" and finding.measures == ("14(1)",)
    with pytest.raises(NotAllowedNow):
        finding.appeal(grounds="again", registry=REGISTRY, now=later(6), actor=person)


def test_a_revoked_sanction_closes_the_finding() -> None:
    finding = confirmed()
    finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    finding.appeal(grounds="justified delay", registry=REGISTRY, now=later(4), actor=leader("U1"))
    finding.decide_appeal(outcome="revoked", measures=None, reason="justified", now=later(5), actor=CENTER)
    assert finding.status == "closed" and finding.measures == ()


def test_raising_by_hand_checks_the_subject_against_the_clause() -> None:
    def raise_(clause: str, subject: Subject, actor: Actor = CENTER) -> Finding:
        return Finding.raise_by_hand(
            uuid4(), clause=clause, subject=subject, basis=list(BASIS), description="x", registry=REGISTRY, now=later(), actor=actor
        )

    with pytest.raises(InvalidInput) as refused:
        raise_("9", Subject(unit="U1"))
    assert refused.value.errors[0].field == "subject"
    with pytest.raises(InvalidInput) as refused:
        raise_("11(7)", Subject(unit="U9"))
    assert refused.value.errors[0].field == "subject.unit"
    with pytest.raises(InvalidInput) as refused:
        raise_("11(7)", Subject(unit="U2", staff="U1-leader"))
    assert refused.value.errors[0].field == "subject.staff"
    with pytest.raises(Forbidden):
        raise_("11(7)", Subject(unit="U2"), leader("U1"))
    finding = raise_("11(10)", Subject(unit="U1-IN"), leader("U1"))
    assert finding.raised_by == "U1-leader" and finding.key is None
