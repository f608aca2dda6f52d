"""The supervision worklist (Art. 6, 7) for the center and the city government."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import ActorDep, Consistent, ServicesDep, respond, roles

router = APIRouter(prefix="/v1/supervision", tags=["supervision"])


@router.get("/worklist", dependencies=[roles("center", "city_gov"), Consistent])
def worklist(
    services: ServicesDep,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Cases that need supervision or have unmet supervision demands, most urgent first."""
    items, token = services.index.worklist(page_size=page_size, page_token=page_token)
    return respond(200, {"items": items, "next_page_token": token})


@router.get("/feedback", dependencies=[roles("center", "city_gov", "unit"), Consistent])
def superior_feedback(
    services: ServicesDep,
    actor: ActorDep,
    superior: str | None = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Art. 17: the center's feedback on non-member units' supervision results, for their superiors.

    A unit sees the feedback addressed to it as a superior; the center and the city government see all.
    """
    items, token = services.index.feedback_for(services.cases.feedback_scope(actor, superior), page_size=page_size, page_token=page_token)
    return respond(200, {"items": items, "next_page_token": token})
