"""The console's pages (``/console/...``): server-rendered Chinese pages over the same application services
as the JSON API, with the same visibility (a page the principal may not see answers 404, as the API does).

A page route reads the principal from the session, makes one or two application or read-model calls,
and renders a template. A form posts back, is checked for its CSRF token, makes one application call
and redirects (POST-redirect-GET); a refusal is shown on the page in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from accountability.clauses import CLAUSE_TEXT, CLAUSES
from api.app import route_roles
from api.auth import actor_from
from api.dossier import dossier_zip, present_dossier
from api.presenters import present_case, present_finding, present_history
from api.render.documents import assessment_document, monthly_document
from api.render.respond import report_response
from api.services import Services
from console.session import Sessions, SignedOut
from foundation.actors import Actor
from foundation.application import Context
from foundation.clock import TZ
from foundation.errors import DomainError, Forbidden, InvalidInput, NotAllowedNow, NotFound
from projections.figures import FIGURES, RATES, SCORECARD_FIGURES
from projections.findings_index import FindingFilter
from projections.pages import MONTH_PATTERN, PERIOD_PATTERN, YEAR_PATTERN, ListFilter
from replay.timeline import (
    DECISION_LABELS, FINDING_STATUS_LABELS, STATUS_LABELS, VALUE_LABELS, article_zh, entry, system_text_zh,
)

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]))
MONTH = re.compile(MONTH_PATTERN)
YEAR = re.compile(YEAR_PATTERN)
PERIOD = re.compile(PERIOD_PATTERN)
WORKLIST_PAGE = 200
"""Cases a worklist page shows in each of its lists."""
TEMPLATES.globals.update(
    status_zh=STATUS_LABELS, finding_status_zh=FINDING_STATUS_LABELS, urgency_zh=VALUE_LABELS["urgency"], method_zh=VALUE_LABELS["method"],
    clause_text=CLAUSE_TEXT, article_zh=article_zh, system_zh=system_text_zh, decision_zh=DECISION_LABELS,
)

router = APIRouter(prefix="/console", include_in_schema=False)


def services_of(request: Request) -> Services:
    return request.app.state.services


def sessions_of(request: Request) -> Sessions:
    return request.app.state.console_sessions


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    sessions = sessions_of(request)
    html = TEMPLATES.get_template(template).render(request=request, csrf=sessions.csrf(request), **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def signed_in(request: Request) -> Actor:
    return sessions_of(request).actor(request)


def home_of(actor: Actor) -> str:
    return "/console/inbox" if actor.is_unit_member else "/console/worklist"


async def form_of(request: Request) -> dict[str, str]:
    """A urlencoded form, read without extra dependencies (each field once)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}


def refusal(error: DomainError) -> str:
    """A refused action, in words: the kind of refusal in Chinese, then the service's reason."""
    if isinstance(error, NotAllowedNow):
        return f"当前状态不允许此操作：{error}"
    if isinstance(error, InvalidInput):
        return "输入有误：" + "；".join(f"{e.field}：{e.message}" for e in error.errors)
    if isinstance(error, Forbidden):
        return f"无权执行此操作：{error}"
    return f"操作未执行：{error}"


# ------------------------------------------------------------------ signing in


@router.get("/")
def console_home(request: Request) -> Response:
    try:
        return RedirectResponse(home_of(signed_in(request)), status_code=303)
    except SignedOut:
        return RedirectResponse("/console/login", status_code=303)


@router.get("/login")
def login_form(request: Request, error: str = "") -> Response:
    sessions = sessions_of(request)
    response = HTMLResponse("")
    token = sessions.pre_csrf(request, response)
    html = TEMPLATES.get_template("login.html").render(request=request, login_csrf=token, error=error, csrf="")
    return HTMLResponse(html, headers={**{k: v for k, v in response.headers.items() if k == "set-cookie"}, "Cache-Control": "no-store"})


@router.post("/login")
async def login(request: Request) -> Response:
    sessions, form = sessions_of(request), await form_of(request)
    if not sessions.check_pre_csrf(request, form.get("csrf", "")):
        return RedirectResponse("/console/login?error=" + quote("表单已过期，请重新登录"), status_code=303)
    token = form.get("token", "").strip()
    try:
        actor = actor_from(f"Bearer {token}", services_of(request).settings.jwt_secret)
    except Exception:  # noqa: BLE001 - any token that does not verify is refused in words
        return RedirectResponse("/console/login?error=" + quote("令牌无效或已过期"), status_code=303)
    response = RedirectResponse(home_of(actor), status_code=303)
    sessions.open(response, token, request)
    return response


@router.get("/login/link")
def login_link(request: Request, code: str) -> Response:
    sessions = sessions_of(request)
    try:
        token = sessions.redeem(code, datetime.now(TZ))
    except SignedOut:
        return RedirectResponse("/console/login?error=" + quote("登录链接无效或已使用"), status_code=303)
    actor = actor_from(f"Bearer {token}", services_of(request).settings.jwt_secret)
    response = RedirectResponse(home_of(actor), status_code=303)
    sessions.open(response, token, request)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    sessions, form = sessions_of(request), await form_of(request)
    if not sessions.check_csrf(request, form.get("csrf", "")):
        return render(request, "error.html", 403, message="表单校验失败（CSRF）", actor=None)
    response = RedirectResponse("/console/login", status_code=303)
    sessions.close(response)
    return response


# --------------------------------------------------------------------- pages


def page(handler: Callable[..., Response]) -> Callable[..., Response]:
    """A page for a signed-in principal: signed-out visitors go to sign in; what they may not see is 404."""

    def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            actor = signed_in(request)
        except SignedOut:
            return RedirectResponse("/console/login", status_code=303)
        try:
            return handler(request, actor, *args, **kwargs)
        except NotFound:
            return render(request, "error.html", 404, message="未找到（或无权查看）", actor=actor)
        except Forbidden as error:
            return render(request, "error.html", 403, message=f"无权查看：{error}", actor=actor)
        except InvalidInput as error:
            return render(request, "error.html", 422, message=refusal(error), actor=actor)

    return wrapped


@router.get("/worklist")
def worklist(
    request: Request, unit: str = "", status: str = "", overdue: str = "", sort: str = "deadline", page_token: str = "", cases_page: str = ""
) -> Response:
    return page(_worklist)(request, unit=unit, status=status, overdue=overdue, sort=sort, page_token=page_token, cases_page=cases_page)


def _worklist(
    request: Request, actor: Actor, *, unit: str, status: str, overdue: str, sort: str, page_token: str, cases_page: str
) -> Response:
    """The supervision worklist, 200 cases a page (most urgent first), and the case search, 200 a page; both page on."""
    if not actor.has("center", "city_gov"):
        raise Forbidden("督办工作台供热线中心和市政府使用")
    services = services_of(request)
    supervised, next_supervised = services.index.worklist(page_size=WORKLIST_PAGE, page_token=page_token or None)
    now = services.clock.now()
    today = now.date()
    due_soon = [c for c in supervised if c["next_deadline_at"] and c["next_deadline_at"].date() <= today + timedelta(days=1)]
    where = ListFilter(unit=unit or None, status=status or None, overdue={"yes": True, "no": False}.get(overdue))
    cases, next_cases = services.index.list(where, page_size=WORKLIST_PAGE, page_token=cases_page or None)
    key = {
        "deadline": lambda c: (c["next_deadline_at"] is None, c["next_deadline_at"] or now),
        "number": lambda c: c["number"],
        "unmet": lambda c: -c["unmet_supervision"],
    }.get(sort, lambda c: c["number"])
    return render(
        request, "worklist.html", actor=actor, supervised=sorted(supervised, key=key), due_soon=due_soon, cases=cases,
        filters={"unit": unit, "status": status, "overdue": overdue, "sort": sort}, units=services.admin.units(), now=now,
        next_supervised=next_supervised, next_cases=next_cases, paged=bool(page_token or cases_page),
    )


@router.get("/inbox")
def inbox(request: Request) -> Response:
    return page(_inbox)(request)


def _inbox(request: Request, actor: Actor) -> Response:
    if not actor.is_unit_member:
        return RedirectResponse("/console/worklist", status_code=303)
    services = services_of(request)
    mine, _ = services.index.list(ListFilter(unit=actor.unit), page_size=200, page_token=None)
    to_sign = [c for c in mine if c["status"] == "dispatched"]
    to_reply = [c for c in mine if c["status"] in ("signed", "redo")]
    findings, _ = services.findings_index.list(
        FindingFilter(units=tuple(services.admin.reference.registry().subtree(actor.unit or ""))), page_size=50, page_token=None
    )
    return render(request, "inbox.html", actor=actor, to_sign=to_sign, to_reply=to_reply, others=mine, findings=findings)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, as_of: str = "", message: str = "") -> Response:
    return page(_case_page)(request, case_id=case_id, as_of=as_of, message=message)


def _case_page(request: Request, actor: Actor, *, case_id: str, as_of: str, message: str) -> Response:
    services = services_of(request)
    uuid = _uuid(case_id)
    instant = _end_of(as_of) if as_of else None
    case = services.cases.case(uuid, actor, as_of=instant)
    now_case, events = services.cases.history(uuid, actor)
    shown = present_case(case, actor)
    timeline = [entry(item) for item in present_history(now_case, events, actor) if item["version"] <= case.version]
    allowed = set(now_case.allowed_actions()) if instant is None else set()
    return render(
        request, "case.html", actor=actor, case=shown, timeline=timeline, as_of=as_of, message=message,
        can_urge="urgings" in allowed and _may("/v1/cases/{case_id}/urgings", actor),
        pending_returns=[r for r in shown["returns"] if r["decision"] is None]
        if "return-decision" in allowed and _may("/v1/cases/{case_id}/returns/{n}/decision", actor) else [],
        pending_justifications=[j for j in shown["justifications"] if j["decision"] is None]
        if "justification-decision" in allowed and _may("/v1/cases/{case_id}/justifications/{n}/decision", actor) else [],
        units_on_case=[shown["lead_unit"], *shown["co_units"]] if shown["lead_unit"] else [],
    )


@router.post("/cases/{case_id}/urge")
async def urge(request: Request, case_id: str) -> Response:
    form = await form_of(request)
    return _act(request, case_id, form, lambda services, uuid, ctx: services.cases.urge(
        uuid, method=form.get("method", ""), unit=form.get("unit", ""), note=form.get("note", ""), ctx=ctx
    ), done="已督办", api="/v1/cases/{case_id}/urgings")


@router.post("/cases/{case_id}/returns/{number}/decision")
async def decide_return(request: Request, case_id: str, number: str) -> Response:
    form = await form_of(request)
    return _act(request, case_id, form, lambda services, uuid, ctx: services.cases.decide_return(
        uuid, _ordinal(number, "return"), accepted=form.get("accepted") == "yes", reason=form.get("reason", ""), ctx=ctx
    ), done="已审核退回", api="/v1/cases/{case_id}/returns/{n}/decision")


@router.post("/cases/{case_id}/justifications/{number}/decision")
async def decide_justification(request: Request, case_id: str, number: str) -> Response:
    form = await form_of(request)
    return _act(request, case_id, form, lambda services, uuid, ctx: services.cases.decide_justification(
        uuid, _ordinal(number, "justification"), accepted=form.get("accepted") == "yes", reason=form.get("reason", ""), ctx=ctx
    ), done="已审核正当理由", api="/v1/cases/{case_id}/justifications/{n}/decision")


def _ordinal(number: str, what: str) -> int:
    """A return's or justification's number from a form's path, else nothing by that number (the console
    answers with its own page, not the API's JSON 422 for a path that is not an integer)."""
    found = _digits(number)
    if not found:
        raise NotFound(what, number)
    return found


def _digits(text: str) -> int | None:
    """A number a form carries: ASCII digits only (``str.isdigit`` takes "²", which ``int`` refuses), else None."""
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None


def _may(api: str, actor: Actor) -> bool:
    """Whether the principal passes the roles of the API route ``POST api`` (a form is offered only then, and checked by ``_act``)."""
    return bool(route_roles("POST", api).intersection(actor.roles))


def _act(request: Request, case_id: str, form: dict[str, str], call: Callable[..., Any], *, done: str, api: str) -> Response:
    """A form on a case page: CSRF checked, the roles of the API route ``api`` (the same act), one application call,
    back to the page with the outcome in words."""
    try:
        actor = signed_in(request)
    except SignedOut:
        return RedirectResponse("/console/login", status_code=303)
    back = f"/console/cases/{quote(case_id)}"
    if not sessions_of(request).check_csrf(request, form.get("csrf", "")):
        return render(request, "error.html", 403, message="表单校验失败（CSRF），请刷新页面后重试", actor=actor)
    if not _may(api, actor):
        needed = "、".join(sorted(route_roles("POST", api)))
        return render(request, "error.html", 403, message=f"无权执行此操作：需要以下角色之一：{needed}", actor=actor)
    services = services_of(request)
    try:
        call(services, _uuid(case_id), Context(actor=actor, now=services.clock.now()))
        message = done
    except NotFound:
        return render(request, "error.html", 404, message="未找到（或无权查看）", actor=actor)
    except DomainError as error:
        message = refusal(error)
    return RedirectResponse(f"{back}?message={quote(message)}", status_code=303)


@router.get("/findings")
def findings(request: Request, clause: str = "", unit: str = "", status: str = "") -> Response:
    return page(_findings)(request, clause=clause, unit=unit, status=status)


def _findings(request: Request, actor: Actor, *, clause: str, unit: str, status: str) -> Response:
    services = services_of(request)
    units, staff = services.findings.list_scope(actor, unit=unit or None, staff=None)
    items, _ = services.findings_index.list(
        FindingFilter(units=units, staff=staff, clause=clause or None, status=status or None), page_size=200, page_token=None
    )
    return render(
        request, "findings.html", actor=actor, findings=items, clauses=CLAUSES, filters={"clause": clause, "unit": unit, "status": status}
    )


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: str, message: str = "") -> Response:
    return page(_finding_page)(request, finding_id=finding_id, message=message)


def _finding_page(request: Request, actor: Actor, *, finding_id: str, message: str) -> Response:
    from replay.review import review  # the Art. 16 review: the basis as it stood at each decision and now

    services = services_of(request)
    finding = services.findings.finding(_uuid(finding_id), actor)
    shown = present_finding(finding)
    appealable = [s for s in shown["sanctions"] if s["appeal"] is None and s["measures"] and _may_appeal(actor, s, shown)]
    return render(
        request, "finding.html", actor=actor, finding=shown, message=message, appealable=appealable,
        review=review(services.store, finding, services.clock.now(), visible=services.findings.visible_basis(finding, actor)),
    )


def _may_appeal(actor: Actor, sanction: dict[str, Any], finding: dict[str, Any]) -> bool:
    if sanction["scope"] == "individual":
        return actor.staff == sanction["staff"]
    return "unit_leader" in actor.roles and actor.unit == finding["subject"]["unit"]


@router.get("/findings/{finding_id}/dossier")
def finding_dossier(request: Request, finding_id: str) -> Response:
    return page(_finding_dossier)(request, finding_id=finding_id)


def _finding_dossier(request: Request, actor: Actor, *, finding_id: str) -> Response:
    """The dossier an appeal or a referral rests on (the API's ``/dossier`` as a zip: data, proofs, summary in Chinese)."""
    dossier = services_of(request).audit.dossier(_uuid(finding_id), actor)
    return Response(
        dossier_zip(dossier, present_dossier(dossier, actor)),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="dossier-{dossier.finding.id}.zip"', "Cache-Control": "no-store"},
    )


@router.post("/findings/{finding_id}/appeal")
async def appeal(request: Request, finding_id: str) -> Response:
    form = await form_of(request)
    try:
        actor = signed_in(request)
    except SignedOut:
        return RedirectResponse("/console/login", status_code=303)
    if not sessions_of(request).check_csrf(request, form.get("csrf", "")):
        return render(request, "error.html", 403, message="表单校验失败（CSRF），请刷新页面后重试", actor=actor)
    services = services_of(request)
    sanction = _digits(form.get("sanction", ""))
    try:
        services.findings.appeal(_uuid(finding_id), grounds=form.get("grounds", ""), sanction=sanction, ctx=Context(actor=actor, now=services.clock.now()))
        message = "申诉已提交"
    except NotFound:
        return render(request, "error.html", 404, message="未找到（或无权查看）", actor=actor)
    except DomainError as error:
        message = refusal(error)
    return RedirectResponse(f"/console/findings/{quote(finding_id)}?message={quote(message)}", status_code=303)


@router.get("/audit")
def audit_page(request: Request) -> Response:
    return page(_audit_page)(request)


def _audit_page(request: Request, actor: Actor) -> Response:
    if not actor.has("auditor", "discipline", "admin", "center", "city_gov"):
        raise Forbidden("完整性核验供审计、纪检监察和管理人员使用")
    audit = services_of(request).audit
    heads = audit.page(before=None, limit=10)
    return render(request, "audit.html", actor=actor, heads=heads, origin=audit.origin, signed=audit.notary is not None)


# ------------------------------------------------------------------- reports


@router.get("/reports")
def reports_page(request: Request, month: str = "", year: str = "") -> Response:
    return page(_reports_page)(request, month=month, year=year)


def _reports_page(request: Request, actor: Actor, *, month: str, year: str) -> Response:
    """Art. 8 and 18: the monthly report and the assessment to open or download; the scorecards the principal may read."""
    services = services_of(request)
    today = services.clock.now().date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    month = month if MONTH.match(month) else last_month
    year = year if YEAR.match(year) else str(today.year)
    units = services.reports.units()
    visible = _scorecard_units(services, actor, units)
    return render(request, "reports.html", actor=actor, month=month, year=year, units=[units[u] for u in sorted(visible)])


def _scorecard_units(services: Services, actor: Actor, units: dict[str, dict[str, Any]]) -> set[str]:
    try:
        visible = services.reports.visible_units(actor, units)
    except Forbidden:
        return set()
    return set(units) if visible is None else visible


@router.get("/reports/monthly/{month}")
def monthly_report(request: Request, month: str, format: str = "html") -> Response:  # noqa: A002
    """The Art. 8 运行月报, the same document the API answers, in the console's session (no token in the URL)."""
    return page(_report)(request, period=month, pattern=MONTH, build=lambda reports: reports.monthly(month), document=monthly_document, fmt=format)


@router.get("/assessment/{year}")
def assessment_report(request: Request, year: str, format: str = "html") -> Response:  # noqa: A002
    """The Art. 18 year-end assessment, as the monthly report."""
    return page(_report)(request, period=year, pattern=YEAR, build=lambda reports: reports.assessment(year), document=assessment_document, fmt=format)


def _report(
    request: Request, actor: Actor, *, period: str, pattern: re.Pattern[str], build: Callable[[Any], dict[str, Any]],
    document: Callable[[dict[str, Any]], Any], fmt: str,
) -> Response:
    if not pattern.match(period):
        raise NotFound("report", period)
    services = services_of(request)
    report = build(services.reports)
    generated = services.clock.now().isoformat(timespec="seconds")
    return report_response(report, document(report), _format(fmt), generated, back=("/console/reports", "← 返回报表"))


def _format(fmt: str) -> str:
    if fmt not in ("html", "csv", "xlsx"):
        raise InvalidInput("format", "html, csv or xlsx")
    return fmt


@router.get("/units/{unit_id}")
def unit_page(request: Request, unit_id: str) -> Response:
    """A unit's page is its scorecard for this month (which links to its findings); visibility is the scorecard's."""
    return RedirectResponse(f"/console/units/{quote(unit_id, safe='')}/scorecard", status_code=303)


@router.get("/units/{unit_id}/scorecard")
def scorecard_page(request: Request, unit_id: str, period: str = "", explain: str = "") -> Response:
    return page(_scorecard_page)(request, unit_id=unit_id, period=period, explain=explain)


def _scorecard_page(request: Request, actor: Actor, *, unit_id: str, period: str, explain: str) -> Response:
    """A unit's figures for a month or a year; each figure opens the cases (or findings) behind it."""
    services = services_of(request)
    period = period if PERIOD.match(period) else services.clock.now().strftime("%Y-%m")
    card = services.reports.scorecard(unit_id, period, actor)
    behind = services.reports.explain(unit_id, period, explain, actor, page_size=200, page_token=None) if explain else None
    return render(
        request, "scorecard.html", actor=actor, card=card, period=period, behind=behind,
        figures=[FIGURES[key] for key in SCORECARD_FIGURES], rates=RATES,
    )


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound("resource", value) from None


def _end_of(value: str) -> datetime:
    """An "as it stood on" date (YYYY-MM-DD, to its end) or instant (YYYY-MM-DDTHH:MM), in Asia/Shanghai."""
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time.max, tzinfo=TZ)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("as_of", "a date YYYY-MM-DD or an instant YYYY-MM-DDTHH:MM") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)

