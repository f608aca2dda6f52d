"""What the HTTP adapter needs from the composition root, as a protocol (the API never builds it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from foundation.application import Context, Recorded
from foundation.clock import Clock
from foundation.projection import Followers
from foundation.store import Store
from accountability.application import Findings
from accountability.oversight import Oversight
from cases.administration import Administration
from cases.application import Cases
from projections.case_index import CaseIndexView
from projections.findings_index import FindingsIndexView
from replay.audit import Audit
from projections.reports import Reports
from projections.spot_checks import SpotCheckView


class ApiSettings(Protocol):
    jwt_secret: str
    max_body_bytes: int


class Timekeeping(Protocol):
    last_error: str | None

    def advance(self, to: datetime, *, ctx: Context) -> Recorded: ...


class Services(Protocol):
    settings: ApiSettings
    store: Store
    clock: Clock
    cases: Cases
    admin: Administration
    findings: Findings
    index: CaseIndexView
    findings_index: FindingsIndexView
    followers: Followers
    timekeeper: Timekeeping
    audit: Audit
    oversight: Oversight
    reports: Reports
    spot_checks: SpotCheckView

    def start(self) -> None: ...

    def close(self) -> None: ...

    def consistent(self, position: int) -> bool: ...
