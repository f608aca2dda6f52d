"""Read models and reports (Art. 3, 8, 18): unit scorecards, the monthly report, the year-end assessment,
the analysis by unit or staff member, and the assessment policy the center sets.

The monthly report and the assessment answer JSON, CSV, xlsx or a printable HTML page, chosen by
``Accept`` (or ``?format=json|csv|xlsx|html``). In a browser, staff open them from the console
(``/console/reports``, signed in by cookie): a bearer token never travels in a URL, where access
logs, browser history and ``Referer`` headers would keep it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from accountability.assessment import AssessmentWeights
from api.deps import ActorDep, CommandDep, Consistent, ServicesDep, respond, roles
from api.render.documents import assessment_document, monthly_document
from api.render.respond import MEDIA, report_response
from api.render.tabular import XLSX
from foundation.actors import Actor
from foundation.application import Recorded
from projections.pages import MONTH_PATTERN, PERIOD_PATTERN

router = APIRouter(tags=["read models and reports"])
OVERSIGHT = roles("center", "city_gov", "discipline", "auditor", "admin")
PERIOD, MONTH = PERIOD_PATTERN, MONTH_PATTERN
Month = Annotated[str, Path(pattern=MONTH, examples=["2026-10"])]
Format = Annotated[str | None, Query(pattern="^(json|csv|xlsx|html)$", description="overrides Accept")]
FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"description": "the report, in the format asked for", "content": {media: {} for media in MEDIA.values()}},
    406: {
        "description": "no format the report comes in is acceptable",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}
ACCEPTED = {"application/json": "json", "text/csv": "csv", XLSX: "xlsx", "text/html": "html", "application/xhtml+xml": "html"}


def negotiate(accept: str | None, fmt: str | None) -> str:
    """``?format=`` first, then the most preferred type of ``Accept`` that a report comes in; JSON by default."""
    if fmt:
        return fmt
    choices = []
    for position, part in enumerate((accept or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = next((float(p[2:]) for p in params if p.startswith("q=") and _number(p[2:])), 1.0)
        if media in ACCEPTED:
            choices.append((-quality, position, ACCEPTED[media]))
        elif media in ("*/*", "application/*", ""):
            choices.append((-quality, position, "json"))
    choices = [c for c in choices if c[0] < 0]
    if not choices:
        raise HTTPException(406, "reports come as application/json, text/csv, text/html or " + XLSX)
    return min(choices)[2]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@router.get("/v1/units/{unit_id}/scorecard", dependencies=[Consistent])
def scorecard(
    unit_id: str,
    services: ServicesDep,
    actor: ActorDep,
    period: Annotated[str, Query(pattern=PERIOD, examples=["2026-10"])],
    explain: Annotated[str | None, Query(description="a figure: list the cases (or findings) behind it")] = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
    page_token: str | None = None,
) -> Response:
    """A unit's figures for a month or a year, counted in the month each thing happened; ``?explain=overdue`` lists the cases behind one.

    A unit sees itself, its subordinate units and the non-member units it is superior to (Art. 17);
    the center, the city government, discipline, auditors and admins see every unit.
    """
    if explain is not None:
        return respond(200, services.reports.explain(unit_id, period, explain, actor, page_size=page_size, page_token=page_token))
    return respond(200, services.reports.scorecard(unit_id, period, actor))


@router.get("/v1/reports/monthly/{month}", dependencies=[Consistent], responses=FORMATS)
def monthly_report(
    month: Month, services: ServicesDep, _: ActorDep, accept: Annotated[str | None, Header()] = None, format: Format = None  # noqa: A002
) -> Response:
    """Art. 8 运行月报: every member unit's scorecard, rankings, the units with Art. 11(2) findings, urgings by method,
    supervision met and unmet, the findings and measures decided in the month, and a 12-month trend."""
    fmt = negotiate(accept, format)
    report = services.reports.monthly(month)
    return report_response(report, monthly_document(report), fmt, services.clock.now().isoformat(timespec="seconds"))


@router.get("/v1/assessment/{year}", dependencies=[Consistent], responses=FORMATS)
def assessment(
    year: Annotated[int, Path(ge=2022, le=2100)],
    services: ServicesDep,
    _: ActorDep,
    accept: Annotated[str | None, Header()] = None,
    format: Format = None,  # noqa: A002
    policy_version: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
) -> Response:
    """Art. 18: each member unit's year-end indicators and score, with the policy version the score used."""
    fmt = negotiate(accept, format)
    report = services.reports.assessment(str(year), policy_version=policy_version)
    return report_response(report, assessment_document(report), fmt, services.clock.now().isoformat(timespec="seconds"))


@router.get("/v1/analysis", dependencies=[OVERSIGHT, Consistent])
def analysis(
    services: ServicesDep,
    period: Annotated[str, Query(pattern=MONTH)],
    by: Annotated[str, Query(pattern="^(unit|staff)$")] = "unit",
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """Art. 3: the figures per unit or per staff member (who signed, replied, was urged), this month against
    the last, and who worsened most; for the city government's supervision office."""
    return respond(200, services.reports.analysis(period, by, top=top))


def policy_set(recorded: Recorded, actor: Actor) -> tuple[int, dict[str, Any]]:
    return 200, {**recorded.result, "version": recorded.version}


@router.put("/v1/policy/assessment", dependencies=[roles("admin", "center")])
def set_assessment_policy(body: AssessmentWeights, cmd: CommandDep) -> Response:
    """Art. 18: the weights of the year-end score (a new policy version; assessments name the version they used)."""
    return cmd.run(policy_set, cmd.services.oversight.set_assessment_policy, body)


@router.get("/v1/policy/assessment", dependencies=[Consistent])
def get_assessment_policy(services: ServicesDep, _: ActorDep) -> Response:
    weights, version = services.oversight.assessment_policy()
    return respond(200, {**weights.model_dump(mode="json"), "policy_version": version})
