"""The finding aggregate: decisions, Art. 12 mitigation, Art. 13-15 measures, Art. 16 appeal, Art. 4 authority."""

from __future__ import annotations

from uuid import uuid4

import pytest

from accountability.finding import BasisRef, Finding, FindingDraft, Responsibility, Subject, rule_finding_id
from foundation.actors import Actor, system
from foundation.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
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


def talked(finding: Finding | None = None) -> Finding:
    finding = finding or confirmed()
    finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=CENTER)
    return finding


def test_the_unit_answers_and_its_staff_are_concerned() -> None:
    finding = Finding.from_draft(draft().model_copy(update={"staff_concerned": ("U1-handler", "U1-leader")}), now=later(), actor=RULES)
    assert finding.subject == Subject(unit="U1") and finding.staff_concerned == ("U1-handler", "U1-leader")
    person = Actor(staff="U1-handler", unit="U1", roles=("unit_handler",))
    assert finding.visible_to(person, REGISTRY) and not finding.visible_to(Actor(staff="U2-handler", unit="U2", roles=("unit_handler",)), REGISTRY)


def test_a_collective_and_an_individual_sanction_on_one_finding() -> None:
    finding = talked()
    on_unit = finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="通报", registry=REGISTRY, now=later(3), actor=CENTER)
    on_person = finding.sanction(
        measures=["14(2)", "14(3)"], responsibility=INDIVIDUAL, staff="U1-handler", note="诫勉", registry=REGISTRY, now=later(3), actor=leader("U1")
    )
    assert (on_unit.n, on_unit.scope, on_unit.staff, on_unit.authority) == (1, "collective", None, "C")
    assert (on_person.n, on_person.scope, on_person.staff, on_person.authority) == (2, "individual", "U1-handler", "U1")
    assert finding.status == "sanctioned" and finding.measures == ("13(1)", "14(2)", "14(3)")
    assert on_person.severity == 3 and on_unit.severity == 1
    assert "第四条" in on_person.discipline_notice and finding.persons == ("U1-handler",)


@pytest.mark.parametrize(
    ("measures", "scope", "staff", "field"),
    [
        (["13(1)", "14(5)"], "collective", None, "measures"),
        (["14(2)"], "collective", "U1-handler", "responsibility.scope"),
        (["13(2)"], "individual", None, "responsibility.scope"),
        (["14(2)"], "individual", None, "staff"),
        (["13(2)"], "collective", "U1-handler", "staff"),
        (["14(2)"], "individual", "U2-handler", "staff"),
        (["14(2)"], "individual", "nobody", "staff"),
    ],
)
def test_art_13_and_14_are_never_mixed_and_each_has_its_scope_and_bearer(measures: list[str], scope: str, staff: str | None, field: str) -> None:
    finding = talked()
    with pytest.raises(InvalidInput) as refused:
        finding.sanction(
            measures=measures, responsibility=Responsibility(scope=scope, kind="direct"), staff=staff, note="",  # type: ignore[arg-type]
            registry=REGISTRY, now=later(3), actor=CENTER if measures[0].startswith("13") else leader("U1"),
        )
    assert [e.field for e in refused.value.errors] == [field]
    assert finding.sanctions == ()


def test_art_4_who_imposes_measures() -> None:
    finding = talked()
    for outsider in (CENTER, CITY, leader("U2")):
        with pytest.raises(Forbidden):
            finding.sanction(measures=["14(2)"], responsibility=INDIVIDUAL, staff="U1-handler", note="", registry=REGISTRY, now=later(3), actor=outsider)
    with pytest.raises(Forbidden):  # a unit does not sanction itself
        finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CITY)
    finding.sanction(measures=["14(2)"], responsibility=INDIVIDUAL, staff="U1-handler", note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert [s.by for s in finding.sanctions] == ["gov-1", "U1-leader"]


def test_a_parent_unit_sanctions_its_internal_body() -> None:
    finding = Finding.from_draft(
        draft().model_copy(update={"subject": Subject(unit="U1-IN"), "key": "x"}), now=later(), actor=RULES
    )
    finding.confirm(note="", harm=None, now=later(1), actor=CENTER)
    finding.hold_talk(kind="reminder_talk", note="", registry=REGISTRY, now=later(2), actor=leader("U1"))
    finding.sanction(measures=["13(2)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert finding.visible_to(leader("U1"), REGISTRY) and not finding.visible_to(leader("U2"), REGISTRY)


def test_a_person_only_finding_falls_on_that_person() -> None:
    finding = Finding.raise_by_hand(
        uuid4(), clause="11(7)", subject=Subject(unit="U1", staff="U1-handler"), basis=list(BASIS), description="失职",
        registry=REGISTRY, now=later(), actor=CENTER,
    )
    finding.confirm(note="", harm=None, now=later(1), actor=CENTER)
    talked(finding)
    with pytest.raises(InvalidInput) as refused:
        finding.sanction(measures=["14(1)"], responsibility=INDIVIDUAL, staff="U1-leader", note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert refused.value.errors[0].field == "staff"
    sanction = finding.sanction(measures=["14(1)"], responsibility=INDIVIDUAL, note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert sanction.staff == "U1-handler"


def test_lightening_and_reduction_stand_beside_every_later_measure() -> None:
    lighter = confirmed()
    lighter.mitigate(ground="12(2)", effect="lighten", reason="corrected at once", now=later(2), actor=CENTER)
    assert lighter.status == "confirmed" and lighter.records[-1].details["effect_text"] == "从轻"
    talked(lighter)
    first = lighter.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    second = lighter.sanction(measures=["14(1)"], responsibility=INDIVIDUAL, staff="U1-handler", note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert [(m.ground, m.effect) for m in first.mitigations] == [("12(2)", "lighten")] == [(m.ground, m.effect) for m in second.mitigations]
    assert lighter.records[-1].details["mitigations"] == ["12(2) 从轻"]
    waived = confirmed()
    waived.mitigate(ground="12(1)", effect="waive", reason="unclear and confidential", now=later(2), actor=CITY)
    assert waived.status == "waived" and waived.allowed_actions() == ["talks"]


def test_appeals_are_per_sanction_by_who_bears_it() -> None:
    finding = talked()
    finding.sanction(measures=["13(2)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    finding.sanction(measures=["14(5)"], responsibility=INDIVIDUAL, staff="U1-handler", note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    person = Actor(staff="U1-handler", unit="U1", roles=("unit_handler",))
    with pytest.raises(InvalidInput) as refused:
        finding.appeal(grounds="unfair", now=later(4), actor=person)
    assert refused.value.errors[0].field == "sanction" and "1, 2" in refused.value.errors[0].message
    with pytest.raises(Forbidden):
        finding.appeal(grounds="unfair", sanction=1, now=later(4), actor=person)  # the unit's, not the person's
    with pytest.raises(Forbidden):
        finding.appeal(grounds="unfair", sanction=2, now=later(4), actor=leader("U1"))  # the person's, not the leader's
    personal = finding.appeal(grounds="the court caused the delay", sanction=2, now=later(4), actor=person)
    collective = finding.appeal(grounds="we were not urged", sanction=1, now=later(4), actor=leader("U1"))
    assert (personal.n, personal.sanction, collective.n, collective.sanction) == (1, 2, 2, 1)
    assert finding.status == "appealed" and "appeals" not in finding.allowed_actions()
    with pytest.raises(NotFound):
        finding.decide_appeal(3, outcome="upheld", measures=None, reason="", now=later(5), actor=CITY)
    with pytest.raises(InvalidInput) as refused:
        finding.decide_appeal(1, outcome="modified", measures=["13(1)"], reason="", now=later(5), actor=CITY)
    assert refused.value.errors[0].field == "measures[0]"
    with pytest.raises(InvalidInput):
        finding.decide_appeal(1, outcome="upheld", measures=["14(1)"], reason="", now=later(5), actor=CITY)
    finding.decide_appeal(1, outcome="modified", measures=["14(1)"], reason="lighter suffices", now=later(5), actor=CITY)
    assert finding.status == "appealed" and finding.measures == ("13(2)", "14(1)")  # the other appeal is pending
    with pytest.raises(NotAllowedNow):
        finding.decide_appeal(1, outcome="revoked", measures=None, reason="", now=later(6), actor=CITY)
    finding.decide_appeal(2, outcome="revoked", measures=None, reason="they were not urged", now=later(6), actor=CENTER)
    assert finding.status == "sanctioned" and finding.measures == ("14(1)",)
    assert [s.imposed for s in finding.sanctions] == [("13(2)",), ("14(5)",)]


def test_who_can_never_appeal_is_refused_before_the_finding_is_looked_at() -> None:
    finding = confirmed()  # nothing to appeal yet: the unit's leader hears "not now", anyone else "not you"
    with pytest.raises(NotAllowedNow):
        finding.appeal(grounds="unfair", now=later(4), actor=leader("U1"))
    for outsider in (CENTER, CITY, leader("U2"), Actor(staff="U1-other", unit="U1", roles=("unit_handler",))):
        with pytest.raises(Forbidden):
            finding.appeal(grounds="unfair", now=later(4), actor=outsider)
    personal = talked()
    personal.sanction(measures=["14(5)"], responsibility=INDIVIDUAL, staff="U1-handler", note="", registry=REGISTRY, now=later(3), actor=leader("U1"))
    assert personal.appeal(grounds="unfair", now=later(4), actor=Actor(staff="U1-handler", unit="U1", roles=("unit_handler",))).sanction == 1


def test_a_finding_whose_every_sanction_is_revoked_is_closed() -> None:
    finding = talked()
    finding.sanction(measures=["13(1)"], responsibility=COLLECTIVE, note="", registry=REGISTRY, now=later(3), actor=CENTER)
    finding.appeal(grounds="justified delay", now=later(4), actor=leader("U1"))
    finding.decide_appeal(1, outcome="revoked", measures=None, reason="justified", now=later(5), actor=CENTER)
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
