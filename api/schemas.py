"""Request and response bodies of the HTTP contract (``../shared/API.md``), with examples.

Inputs refuse unknown fields, so a misspelt field is a 422 naming it rather than silently ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from accountability.clauses import Clause, Effect, MitigationGround, TalkKind
from accountability.measures import Measure
from cases.calendar import AmendmentKind
from cases.policy import PolicyTable
from cases.values import Flag, ReplyOutcome, Satisfaction, SignedShare, Status, Urgency
from cases.supervision import Method
from cases.units import UnitKind

Text = Field(min_length=1, max_length=2000)
Ident = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (C0 but tab, line feed and carriage return; DEL; C1) and lone surrogates:
never meant by a person, and NUL cannot be stored in a PostgreSQL text column at all."""


def unprintable(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (a string, or strings nested in lists and dict keys/values) a control character sits."""
    if isinstance(value, str):
        found = UNPRINTABLE.search(value)
        return f"{where or 'the text'} contains the control character U+{ord(found.group()):04X} at {found.start()}" if found else None
    if isinstance(value, list | tuple):
        return next((m for i, item in enumerate(value) if (m := unprintable(item, f"{where}[{i}]"))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            found = unprintable(key, f"{where} key {key!r}".strip()) or unprintable(item, f"{where}[{key!r}]")
            if found:
                return found
    return None


class Printable(BaseModel):
    """No control characters in any text of the model (tab, line feed and carriage return allowed)."""

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        found = unprintable(value)
        if found:
            raise ValueError(found.replace("the text", "text", 1) if not found.startswith("[") else f"item {found}")
        return value


class In(Printable):
    """Every request body: unknown fields refused, text trimmed, and no control characters in any
    text, so whatever is accepted can be stored and shown. Every input schema derives from it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ----------------------------------------------------------------- reference data


class UnitIn(In):
    id: str = Ident
    name: str = Field(min_length=1, max_length=100)
    kind: UnitKind
    parent_id: str | None = None
    superior_id: str | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "U-ENV", "name": "市生态环境局", "kind": "member"}]}
    )


class StaffIn(In):
    id: str = Ident
    name: str = Field(min_length=1, max_length=50)
    position: str | None = Field(default=None, max_length=100)
    responsible_leader: bool = False

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "env-lead", "name": "李四", "position": "副局长", "responsible_leader": True}]}
    )


class CalendarIn(In):
    holidays: list[date] = []
    workdays: list[date] = []
    kind: AmendmentKind | None = None
    reason: str = Field(default="", max_length=500)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"holidays": ["2026-12-31"], "workdays": [], "kind": "local", "reason": "flood closure"}]
        }
    )


class PolicyIn(PolicyTable, Printable):
    """The deadline policy table as sent (category names are text too)."""

    def table(self) -> PolicyTable:
        return PolicyTable.model_validate(self.model_dump())


class ClockIn(In):
    now: AwareDatetime

    @field_validator("now")
    @classmethod
    def _within_reason(cls, value: datetime) -> datetime:
        if not 2004 <= value.year <= 2100:
            raise ValueError("the simulated clock stays within 2004-2100, the years the calendar can count")
        return value


class UnitOut(BaseModel):
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None
    superior_id: str | None
    registered_at: datetime
    staff: list[dict[str, Any]] | None = None
    version: int | None = None
    position: int | None = None


# ------------------------------------------------------------------------ cases


class RequesterIn(In):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=5, max_length=20, pattern=r"^\+?[0-9][0-9 -]{3,18}[0-9]$")
    id_number: str | None = Field(default=None, min_length=6, max_length=20, pattern=r"^[0-9]{6,17}[0-9Xx]$")
    address: str | None = Field(default=None, max_length=200)


class CaseIn(In):
    channel: str = Field(min_length=1, max_length=32)
    category: str = Field(min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=5000)
    urgency: Urgency = "normal"
    requester: RequesterIn
    confidential: bool = False
    unclear: bool = False
    """The request is unclear (Art. 12(1) may apply if it is also confidential)."""
    flags: list[Flag] = []

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "phone",
                    "category": "环境保护",
                    "summary": "夜间施工噪音扰民",
                    "content": "章贡区某工地每晚十点后仍在施工，噪音很大。",
                    "urgency": "normal",
                    "requester": {"name": "张三", "phone": "13812345678"},
                    "confidential": False,
                    "flags": ["hot"],
                }
            ]
        }
    )


class DispatchIn(In):
    lead_unit: str = Field(min_length=1)
    co_units: list[str] = []
    working_days: int | None = Field(default=None, ge=1, le=60)
    response_hours: int | None = Field(default=None, ge=1, le=72)

    model_config = ConfigDict(json_schema_extra={"examples": [{"lead_unit": "U-ENV", "co_units": ["U-URBAN"]}]})


class EmptyIn(In):
    pass


class ReasonIn(In):
    reason: str = Text


class NoteIn(In):
    note: str = Text


class ExtensionIn(In):
    working_days: int = Field(ge=1, le=30)
    reason: str = Text


class ApprovalIn(In):
    approved: bool
    reason: str = Field(default="", max_length=2000)


class AcceptanceIn(In):
    accepted: bool
    reason: str = Field(default="", max_length=2000)


class SignedShareIn(In):
    unit: str = Field(min_length=1)
    share: str = Field(default="", max_length=500)


class UrgingIn(In):
    method: Method
    unit: str = Field(min_length=1)
    note: str = Field(default="", max_length=2000)
    due_date: date | None = None
    signed_by: list[str | SignedShareIn] = []
    """On-site coordination: each responsible unit that signed the confirmation sheet (with its share)."""
    instruction: str | None = Field(default=None, max_length=2000)
    """Leader dispatch: the city leader's instruction."""
    leader: str | None = Field(default=None, max_length=50)
    addressee: str | None = Field(default=None, max_length=64)
    received_at: AwareDatetime | None = None
    """A receipt later than the instant the center records the urging."""

    def fields(self) -> dict[str, Any]:
        """The command's arguments: the confirmation sheet as signed shares."""
        shares = [SignedShare(unit=s) if isinstance(s, str) else SignedShare(**s.model_dump()) for s in self.signed_by]
        return {**self.model_dump(exclude={"signed_by"}), "signed_by": shares}

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"method": "sms", "unit": "U-ENV", "note": "请尽快办结"},
                {
                    "method": "onsite_coordination",
                    "unit": "U-ENV",
                    "due_date": "2026-10-16",
                    "signed_by": [{"unit": "U-ENV", "share": "牵头整改"}, {"unit": "U-URBAN", "share": "配合执法"}],
                },
                {"method": "leader_dispatch", "unit": "U-ENV", "due_date": "2026-10-15", "instruction": "限期解决", "leader": "王副市长"},
            ]
        }
    )


class SupervisionIn(In):
    ground: str = Field(description="only 6(5) is recorded by hand")
    reason: str = Text


class RectificationIn(In):
    unit: str = Field(min_length=1)
    proposal: str = Text
    kind: Literal["reminder", "rectification"] = "rectification"


class CooperationIssueIn(In):
    unit: str = Field(min_length=1)
    note: str = Text


class ReplyIn(In):
    content: str = Field(min_length=1, max_length=5000)
    outcome: ReplyOutcome


class RevisitIn(In):
    satisfied: bool
    reply_matches_facts: bool
    note: str = Field(default="", max_length=2000)
    satisfaction: Satisfaction | None = None


class RedoIn(In):
    reason: str = Text
    working_days: int | None = Field(default=None, ge=1, le=60)


class RedoAttributionIn(In):
    unit_at_fault: bool
    reason: str = Text


class DeadlineOut(BaseModel):
    due_date: date | None = None
    due_at: datetime | None = None
    """The emergency response deadline (an instant), for emergency cases."""
    rule: str | None = None
    response_rule: str | None = None
    working_days: int | None = None
    lapses_at: datetime | None = None
    lapsed_at: datetime | None = None
    provisional: bool = False
    calendar_version: int | None = None
    overdue_mark_date: date | None = None


class SupervisionOut(BaseModel):
    required: bool
    grounds: list[str]
    details: list[dict[str, Any]]
    unmet: list[int]
    """Numbers of the urgings whose deadline lapsed unmet (Art. 11(8))."""


class UrgingOut(BaseModel):
    n: int
    method: str
    article: str
    unit: str
    addressee: str | None
    at: datetime
    received_at: datetime
    due_date: date
    rule: str
    provisional: bool
    state: Literal["pending", "met", "lapsed"]
    met_at: datetime | None
    lapsed_at: datetime | None
    round: int
    signed_by: list[dict[str, Any]]
    instruction: str | None
    leader: str | None
    note: str


class CaseOut(BaseModel):
    id: str
    number: str
    status: Status
    version: int
    position: int | None = None
    channel: str
    category: str
    summary: str
    content: str
    urgency: Urgency
    flags: list[str]
    confidential: bool
    unclear: bool
    requester: dict[str, Any] | None
    accepted_at: datetime
    lead_unit: str | None
    co_units: list[str]
    round: int
    deadline: DeadlineOut
    overdue: bool
    supervision: SupervisionOut
    urgings: list[UrgingOut]
    extension_requests: list[dict[str, Any]]
    justifications: list[dict[str, Any]]
    returns: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    reply: dict[str, Any] | None
    revisits: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    redo_attributions: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    rectification_proposals: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    tracking: dict[str, Any] | None
    cooperation_issues: list[dict[str, Any]]
    superior_feedback: list[dict[str, Any]]
    response_deadline: dict[str, Any] | None
    closed_at: datetime | None
    allowed_actions: list[str]


class CaseItem(BaseModel):
    id: str
    number: str
    status: Status
    urgency: Urgency
    category: str
    summary: str
    lead_unit: str | None
    co_units: list[str]
    round: int
    due_date: date | None
    overdue: bool
    supervised: bool
    grounds: list[str]
    unmet_supervision: int
    next_deadline_at: datetime | None
    accepted_at: datetime | None
    version: int


class CasePage(BaseModel):
    items: list[CaseItem]
    next_page_token: str | None


class HistoryEvent(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    actor: dict[str, Any]
    data: dict[str, Any]
    position: int


class HistoryOut(BaseModel):
    id: str
    items: list[HistoryEvent]
    next_page_token: str | None = None


# --------------------------------------------------------------------- findings


class SubjectIn(In):
    unit: str = Field(min_length=1)
    staff: str | None = None


class BasisIn(In):
    case_id: UUID
    version: int = Field(ge=1)


class FindingIn(In):
    clause: Clause
    subject: SubjectIn
    basis: list[BasisIn] = Field(min_length=1)
    description: str = Field(min_length=1, max_length=5000)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "clause": "11(7)",
                    "subject": {"unit": "U-ENV", "staff": "u-env-handler"},
                    "basis": [{"case_id": "0b41b2df-b920-4b2d-b0cf-8f533799fec1", "version": 7}],
                    "description": "因工作不负责任，未能妥善处理群众诉求，造成不良影响。",
                }
            ]
        }
    )


class ConfirmIn(In):
    note: str = Field(default="", max_length=2000)
    harm: str | None = Field(default=None, max_length=2000)
    """The harm (不良后果/不良影响); required to confirm 11(3), 11(4), 11(5)."""


class MitigationIn(In):
    ground: MitigationGround
    effect: Effect
    reason: str = Text


class TalkIn(In):
    kind: TalkKind
    note: str = Text


class ResponsibilityIn(In):
    scope: Literal["collective", "individual"]
    kind: Literal["direct", "leadership"]


class SanctionIn(In):
    measures: list[Measure] = Field(min_length=1)
    responsibility: ResponsibilityIn
    staff: str | None = Field(default=None, max_length=64)
    """Art. 14: the staff member of the finding's unit the measures fall on (none for Art. 13 on the unit)."""
    note: str = Field(default="", max_length=2000)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"measures": ["13(1)", "13(2)"], "responsibility": {"scope": "collective", "kind": "leadership"}, "note": "通报批评并责令书面检查"},
                {"measures": ["14(2)"], "staff": "u-env-handler", "responsibility": {"scope": "individual", "kind": "direct"}, "note": "诫勉谈话"},
            ]
        }
    )


class ReferralIn(In):
    to: Literal["discipline", "judicial"]
    reason: str = Text


class AppealIn(In):
    grounds: str = Text
    sanction: int | None = Field(default=None, ge=1)
    """The ``n`` of the sanction appealed; required when the finding carries several open to appeal."""


class AppealDecisionIn(In):
    outcome: Literal["upheld", "modified", "revoked"]
    measures: list[Measure] | None = None
    reason: str = Text


class FindingOut(BaseModel):
    id: str
    clause: str
    article: str
    subject: dict[str, Any]
    status: str
    basis: list[dict[str, Any]]
    period: str | None
    raised_by: str
    raised_at: datetime
    description: str
    needs_harm: bool
    harm: str | None
    suggestions: list[str]
    staff_concerned: list[str]
    measures: list[dict[str, Any]]
    """The measures in force, over every sanction."""
    responsibility: dict[str, Any] | None
    """The responsibility of the latest sanction (each sanction carries its own)."""
    sanctions: list[dict[str, Any]]
    appeals: list[dict[str, Any]]
    mitigations: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    allowed_actions: list[str]
    version: int
    position: int | None = None
