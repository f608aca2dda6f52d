"""The actions on a case (``POST /v1/cases/{id}/<action>``); each answers with the case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CommandDep, roles
from api.presenters import case_answer
from api.routers.cases import case_uuid
from api.schemas import (
    AcceptanceIn,
    ApprovalIn,
    CaseOut,
    CooperationIssueIn,
    DispatchIn,
    EmptyIn,
    ExtensionIn,
    NoteIn,
    ReasonIn,
    RectificationIn,
    RedoAttributionIn,
    RedoIn,
    ReplyIn,
    RevisitIn,
    SupervisionIn,
    UrgingIn,
)

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["case actions"])
CENTER = roles("center")
UNIT = roles("unit")
SUPERVISORS = roles("center", "city_gov")


def post(path: str, *dependencies: Any, summary: str) -> Any:
    return router.post(path, response_model=CaseOut, dependencies=list(dependencies), summary=summary)


@post("/dispatch", CENTER, summary="Dispatch to a lead unit and co-units; sets the handling deadline")
def dispatch(case_id: str, body: DispatchIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.dispatch, case_uuid(case_id), **body.model_dump())


@post("/sign", UNIT, summary="A unit on the case acknowledges receipt (签收)")
def sign(case_id: str, cmd: CommandDep, body: EmptyIn | None = None) -> Response:
    return cmd.run(case_answer, cmd.services.cases.sign, case_uuid(case_id))


@post("/return-dispatch", UNIT, summary="The lead unit returns the case as not its business")
def return_dispatch(case_id: str, body: ReasonIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.return_dispatch, case_uuid(case_id), **body.model_dump())


@post("/returns/{n}/decision", CENTER, summary="Rule on a return: accepted (re-dispatch) or rejected (推诿, Art. 5)")
def decide_return(case_id: str, n: int, body: AcceptanceIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.decide_return, case_uuid(case_id), n, **body.model_dump())


@post("/respond", UNIT, summary="First response to an emergency case (Art. 11(3))")
def respond_to_emergency(case_id: str, body: NoteIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.respond, case_uuid(case_id), **body.model_dump())


@post("/extension-requests", UNIT, summary="Ask for more working days before the deadline lapses")
def request_extension(case_id: str, body: ExtensionIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.request_extension, case_uuid(case_id), **body.model_dump())


@post("/extension-requests/{n}/decision", CENTER, summary="Approve or refuse an extension request")
def decide_extension(case_id: str, n: int, body: ApprovalIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.decide_extension, case_uuid(case_id), n, **body.model_dump())


@post("/justifications", UNIT, summary="Report a justified reason for the delay (Art. 11(1))")
def report_justification(case_id: str, body: ReasonIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.report_justification, case_uuid(case_id), **body.model_dump())


@post("/justifications/{n}/decision", CENTER, summary="Accept or reject a justification report")
def decide_justification(case_id: str, n: int, body: AcceptanceIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.decide_justification, case_uuid(case_id), n, **body.model_dump())


@post("/urgings", SUPERVISORS, summary="Supervise by an Art. 7 method, with its own deadline")
def urge(case_id: str, body: UrgingIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.urge, case_uuid(case_id), **body.fields())


@post("/supervision", SUPERVISORS, summary="Put under supervision on Art. 6(5) with a reason")
def supervise(case_id: str, body: SupervisionIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.supervise, case_uuid(case_id), **body.model_dump())


@post("/rectification-proposals", CENTER, summary="Remind or propose rectification to an overdue or buck-passing unit (Art. 5)")
def propose_rectification(case_id: str, body: RectificationIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.propose_rectification, case_uuid(case_id), **body.model_dump())


@post("/rectification-proposals/{n}/refusal", CENTER, summary="Record the unit's refusal of a proposal (Art. 5)")
def refuse_rectification(case_id: str, n: int, body: NoteIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.refuse_rectification, case_uuid(case_id), n, **body.model_dump())


@post("/escalations", CENTER, summary="Report a refusal to the city government (Art. 5)")
def escalate(case_id: str, body: ReasonIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.escalate, case_uuid(case_id), **body.model_dump())


@post("/tracking", roles("city_gov"), summary="The city government's supervision office tracks the case (Art. 5)")
def order_tracking(case_id: str, body: NoteIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.order_tracking, case_uuid(case_id), **body.model_dump())


@post("/contributions", UNIT, summary="A co-unit's part of a joint case")
def contribute(case_id: str, body: NoteIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.contribute, case_uuid(case_id), **body.model_dump())


@post("/cooperation-issues", UNIT, summary="The lead unit records a co-unit's non-cooperation (Art. 11(4))")
def record_cooperation_issue(case_id: str, body: CooperationIssueIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.record_cooperation_issue, case_uuid(case_id), **body.model_dump())


@post("/superior-feedback", CENTER, summary="Report a non-member unit's supervision result to its superior (Art. 17)")
def notify_superior(case_id: str, body: NoteIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.notify_superior, case_uuid(case_id), **body.model_dump())


@post("/reply", UNIT, summary="The lead unit's reply; ends the handling round")
def reply(case_id: str, body: ReplyIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.reply, case_uuid(case_id), **body.model_dump())


@post("/revisit", roles("agent", "center"), summary="The requester's feedback and the verification of the reply")
def revisit(case_id: str, body: RevisitIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.revisit, case_uuid(case_id), **body.model_dump())


@post("/redo", CENTER, summary="Return for redo (发回重办): a new round and deadline")
def redo(case_id: str, body: RedoIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.redo, case_uuid(case_id), **body.model_dump())


@post("/redo-attribution", CENTER, summary="Still unsatisfied after a redo: is it the unit's fault (Art. 6(4))")
def attribute_redo(case_id: str, body: RedoAttributionIn, cmd: CommandDep) -> Response:
    return cmd.run(case_answer, cmd.services.cases.attribute_redo, case_uuid(case_id), **body.model_dump())


@post("/close", CENTER, summary="Archive the case")
def close(case_id: str, cmd: CommandDep, body: EmptyIn | None = None) -> Response:
    return cmd.run(case_answer, cmd.services.cases.close_case, case_uuid(case_id))
