"""The supervision worklist (Art. 6, 7) for the center and the city government."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import Consistent, HotlineDep, respond, roles

router = APIRouter(prefix="/v1/supervision", tags=["supervision"])


@router.get("/worklist", dependencies=[roles("center", "city_gov"), Consistent])
def worklist(
    hotline: HotlineDep,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """Cases that need supervision or have unmet supervision demands, most urgent first."""
    items, token = hotline.index.worklist(page_size=page_size, page_token=page_token)
    return respond(200, {"items": items, "next_page_token": token})
