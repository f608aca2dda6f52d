"""Cases: accept, read (now, at a version, as of an instant), history, and the filtered list."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from api.deps import ActorDep, CommandDep, Consistent, ServicesDep, respond, roles
from api.presenters import created_case_answer, present_case, present_history
from api.schemas import CaseIn, CaseOut, CasePage, HistoryOut
from foundation.errors import InvalidInput, NotFound
from cases.values import Requester, Status
from projections.pages import ListFilter, page_of

router = APIRouter(prefix="/v1/cases", tags=["cases"])


def case_uuid(case_id: str) -> UUID:
    """A case id from the path; anything that is not one is simply not found."""
    try:
        return UUID(case_id)
    except ValueError:
        raise NotFound("case", case_id) from None


@router.post("", status_code=201, response_model=CaseOut, dependencies=[roles("agent", "center")])
def accept_case(body: CaseIn, cmd: CommandDep) -> Response:
    """Accept a citizen's request as a case (登记)."""
    requester = Requester(**body.requester.model_dump())
    return cmd.run(created_case_answer, cmd.services.cases.accept, **body.model_dump(exclude={"requester"}), requester=requester)


@router.get("", response_model=CasePage, dependencies=[Consistent])
def list_cases(
    services: ServicesDep,
    actor: ActorDep,
    unit: str | None = None,
    status: Status | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month of acceptance")] = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Cases, newest accepted first; a unit sees only the cases that are or were dispatched to it."""
    items, token = services.index.list(
        ListFilter(unit=services.cases.list_scope(actor, unit), status=status, overdue=overdue, supervised=supervised, month=month),
        page_size=page_size,
        page_token=page_token,
    )
    return respond(200, CasePage(items=items, next_page_token=token).model_dump(mode="json"))


@router.get("/{case_id}", response_model=CaseOut, dependencies=[Consistent])
def get_case(
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    as_of: AwareDatetime | None = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The case now, or as it stood at ``as_of`` (an instant) or at ``version``."""
    if as_of is not None and version is not None:
        raise InvalidInput("as_of", "ask for as_of or version, not both")
    case = services.cases.case(case_uuid(case_id), actor, as_of=as_of, version=version)
    return respond(200, present_case(case, actor))


@router.get("/{case_id}/history", response_model=HistoryOut, dependencies=[Consistent])
def case_history(
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
    page_token: str | None = None,
) -> Response:
    """Every event of the case in order (version, type, recorded_at, actor, data, position), a page at a time."""
    case, events = services.cases.history(case_uuid(case_id), actor)
    page, token = page_of(events, lambda e: e[1].originator_version, page_size=page_size, page_token=page_token, key_type=int)
    return respond(200, {"id": str(case.id), "items": present_history(case, page, actor), "next_page_token": token})
