"""Findings of accountability (Art. 9-16): list, read, raise by hand, decide, appeal, review."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from accountability.clauses import Clause
from accountability.finding import BasisRef, Responsibility, Subject
from api.deps import ActorDep, CommandDep, Consistent, ServicesDep, respond, roles
from api.presenters import created_finding_answer, present_finding, finding_answer
from api.schemas import (
    AppealDecisionIn,
    AppealIn,
    ConfirmIn,
    FindingIn,
    FindingOut,
    MitigationIn,
    ReasonIn,
    ReferralIn,
    SanctionIn,
    TalkIn,
)
from foundation.errors import NotFound
from projections.findings_index import FindingFilter
from replay.review import review

router = APIRouter(prefix="/v1/findings", tags=["findings"])
DECIDERS = roles("center", "city_gov")
Status = Annotated[
    str | None, Query(pattern="^(candidate|confirmed|dismissed|withdrawn|sanctioned|waived|appealed|closed)$")
]


def finding_uuid(finding_id: str) -> UUID:
    try:
        return UUID(finding_id)
    except ValueError:
        raise NotFound("finding", finding_id) from None


@router.get("", dependencies=[Consistent])
def list_findings(
    services: ServicesDep,
    actor: ActorDep,
    unit: str | None = None,
    staff: str | None = None,
    clause: Clause | None = None,
    status: Status = None,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Findings, newest first; a unit sees its own and its subordinate units', a person their own."""
    units, staff = services.findings.list_scope(actor, unit=unit, staff=staff)
    items, token = services.findings_index.list(
        FindingFilter(units=units, staff=staff, clause=clause, status=status, period=period),
        page_size=page_size,
        page_token=page_token,
    )
    return respond(200, {"items": items, "next_page_token": token})


@router.get("/{finding_id}", response_model=FindingOut, dependencies=[Consistent])
def get_finding(finding_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    return respond(200, present_finding(services.findings.finding(finding_uuid(finding_id), actor)))


@router.get("/{finding_id}/review", dependencies=[Consistent])
def review_finding(finding_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    """Art. 16: the basis as it stood at each decision and as it stands now, with the rule run again on both."""
    finding = services.findings.finding(finding_uuid(finding_id), actor)
    visible = services.findings.visible_basis(finding, actor)
    return respond(200, review(services.store, finding, services.clock.now(), visible=visible))


@router.post("", status_code=201, response_model=FindingOut, dependencies=[roles("center", "city_gov", "unit_leader")])
def raise_finding(body: FindingIn, cmd: CommandDep) -> Response:
    """Raise a finding by hand on any clause (Art. 9, 10, 11(6), 11(7), 11(9)-11(12), ...)."""
    return cmd.run(
        created_finding_answer,
        cmd.services.findings.raise_finding,
        clause=body.clause,
        subject=Subject(**body.subject.model_dump()),
        basis=[BasisRef(**b.model_dump()) for b in body.basis],
        description=body.description,
    )


@router.post("/{finding_id}/confirm", response_model=FindingOut, dependencies=[DECIDERS])
def confirm(finding_id: str, body: ConfirmIn, cmd: CommandDep) -> Response:
    return cmd.run(finding_answer, cmd.services.findings.confirm, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/dismiss", response_model=FindingOut, dependencies=[DECIDERS])
def dismiss(finding_id: str, body: ReasonIn, cmd: CommandDep) -> Response:
    return cmd.run(finding_answer, cmd.services.findings.dismiss, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/mitigations", response_model=FindingOut, dependencies=[DECIDERS])
def mitigate(finding_id: str, body: MitigationIn, cmd: CommandDep) -> Response:
    """Art. 12: lighten, reduce or waive responsibility on a ground 12(1)-12(4)."""
    return cmd.run(finding_answer, cmd.services.findings.mitigate, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/talks", response_model=FindingOut, dependencies=[roles("center", "unit_leader")])
def hold_talk(finding_id: str, body: TalkIn, cmd: CommandDep) -> Response:
    """Art. 15: a reminder talk or written inquiry (required before measures)."""
    return cmd.run(finding_answer, cmd.services.findings.hold_talk, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/sanctions", response_model=FindingOut, dependencies=[roles("center", "city_gov", "unit_leader")])
def sanction(finding_id: str, body: SanctionIn, cmd: CommandDep) -> Response:
    """Art. 13 measures on the unit (collective) or Art. 14 measures on a named staff member (individual); several per finding."""
    return cmd.run(
        finding_answer,
        cmd.services.findings.sanction,
        finding_uuid(finding_id),
        measures=list(body.measures),
        responsibility=Responsibility(**body.responsibility.model_dump()),
        staff=body.staff,
        note=body.note,
    )


@router.post("/{finding_id}/referrals", response_model=FindingOut, dependencies=[DECIDERS])
def refer(finding_id: str, body: ReferralIn, cmd: CommandDep) -> Response:
    """Art. 15: refer to the discipline agencies or the judicial organs."""
    return cmd.run(finding_answer, cmd.services.findings.refer, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/appeals", response_model=FindingOut)
def appeal(finding_id: str, body: AppealIn, cmd: CommandDep) -> Response:
    """Art. 16: the sanctioned unit's leader (a collective sanction) or the sanctioned person (an individual one) appeals a sanction."""
    return cmd.run(finding_answer, cmd.services.findings.appeal, finding_uuid(finding_id), **body.model_dump())


@router.post("/{finding_id}/appeals/{n}/decision", response_model=FindingOut, dependencies=[roles("city_gov", "center")])
def decide_appeal(finding_id: str, n: int, body: AppealDecisionIn, cmd: CommandDep) -> Response:
    return cmd.run(finding_answer, cmd.services.findings.decide_appeal, finding_uuid(finding_id), n, **body.model_dump())
