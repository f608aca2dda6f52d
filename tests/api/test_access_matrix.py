"""The access matrix, generated from the app's route table (issue 9).

Every route × every role × a resource of the principal's own unit and of another unit. Each
route has a declared rule below; a route without one fails ``test_every_route_has_a_rule``, so a
new route cannot ship without saying who may use it. Outcomes are read as:

* 401 no or bad token; 403 the role may not do this (or the domain refuses this principal on a
  resource it may see); 404 the principal may not see the resource (told apart from a missing
  sub-resource by the resource's id in the answer);
* ``ok`` anything else: the request was let through to the resource (2xx, or 409/412/422 from its state).

Access control does not depend on the store, so the matrix runs on SQLite only; the API's other
tests run the same checks on both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import api_routes
from foundation.actors import ROLES, UNIT_ROLES
from hotline.bootstrap import Hotline, bootstrap
from hotline.web import create_app
from tests.api.conftest import token
from tests.conftest import make_settings
from tests.world import seed_units

ANY = frozenset(ROLES)
UNIT = frozenset(UNIT_ROLES)
OWN, OTHER = "U1", "U2"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    """Who passes the route's role check (everyone else: 403)."""
    scope: str | None = None
    """How a unit role meets another unit's resource: ``404`` (a resource in the path), ``403`` (a list filter), or None."""
    refused: frozenset[str] = frozenset()
    """Roles the domain refuses (403) on a resource they may see."""
    hidden: frozenset[str] = frozenset()
    """Roles that may not see the resource at all, whatever its unit (404)."""
    body: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def case_action(roles: frozenset[str], body: dict[str, Any], refused: frozenset[str] = frozenset()) -> Rule:
    return Rule(roles, scope="404", refused=refused, body=body)


CENTER, SUPERVISORS, DECIDERS = frozenset({"center"}), frozenset({"center", "city_gov"}), frozenset({"center", "city_gov"})
ADMIN = frozenset({"admin"})
FINDING_READERS_HIDDEN = frozenset({"agent"})
AUDITORS = frozenset({"auditor", "discipline", "admin"})
OVERSIGHT = frozenset({"center", "city_gov", "discipline", "auditor", "admin"})
MONTH = {"period": "2026-10"}

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule(ANY),
    ("GET", "/metrics"): Rule(ANY),
    # Art. 3, 8, 18: a unit reads its own scorecard, its subordinates' and its non-member units' (a list filter: 403);
    # the monthly report and the assessment are published to everyone signed in; analysis and spot checks are oversight.
    ("GET", "/v1/units/{unit_id}/scorecard"): Rule(ANY, scope="403", refused=frozenset({"agent"}), params=MONTH),
    ("GET", "/v1/reports/monthly/{month}"): Rule(ANY),
    ("GET", "/v1/assessment/{year}"): Rule(ANY),
    ("GET", "/v1/analysis"): Rule(OVERSIGHT, params=MONTH),
    ("PUT", "/v1/policy/assessment"): Rule(
        frozenset({"admin", "center"}),
        body={"signed_on_time": 0.2, "replied_on_time": 0.3, "satisfaction": 0.3, "no_redo": 0.1, "supervision_met": 0.1},
    ),
    ("GET", "/v1/policy/assessment"): Rule(ANY),
    ("POST", "/v1/spot-checks"): Rule(frozenset({"city_gov"}), body={"size": 2, "seed": 7, "unit": "U1"}),
    ("GET", "/v1/spot-checks"): Rule(OVERSIGHT),
    ("GET", "/v1/spot-checks/{check_id}"): Rule(OVERSIGHT),
    ("GET", "/v1/audit/heads"): Rule(ANY),
    ("POST", "/v1/audit/heads"): Rule(AUDITORS),
    ("GET", "/v1/audit/checkpoint"): Rule(ANY),
    ("GET", "/v1/audit/consistency"): Rule(ANY),
    ("GET", "/v1/audit/verify"): Rule(AUDITORS),
    ("GET", "/v1/cases/{case_id}/proof"): Rule(ANY, scope="404"),
    ("GET", "/v1/findings/{finding_id}/dossier"): Rule(ANY, scope="404", hidden=FINDING_READERS_HIDDEN),
    ("GET", "/v1/admin/clock"): Rule(ADMIN),
    ("PUT", "/v1/admin/clock"): Rule(ADMIN, body={"now": "2026-09-28T10:00:00+08:00"}),
    ("POST", "/v1/units"): Rule(ADMIN, body={"id": "U9", "name": "new unit", "kind": "member"}),
    ("GET", "/v1/units"): Rule(ANY),
    ("GET", "/v1/units/{unit_id}"): Rule(ANY),
    ("POST", "/v1/units/{unit_id}/staff"): Rule(ADMIN, body={"id": "s-9", "name": "staff"}),
    ("PUT", "/v1/calendar/{year}"): Rule(ADMIN, body={"holidays": [], "workdays": []}),
    ("GET", "/v1/calendar/{year}"): Rule(ANY),
    ("PUT", "/v1/policy/deadlines"): Rule(ADMIN, body={"default_working_days": 5}),
    ("GET", "/v1/policy/deadlines"): Rule(ANY),
    ("POST", "/v1/cases"): Rule(
        frozenset({"agent", "center"}),
        body={"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}},
    ),
    ("GET", "/v1/cases"): Rule(ANY, scope="403"),
    ("GET", "/v1/cases/{case_id}"): Rule(ANY, scope="404"),
    ("GET", "/v1/cases/{case_id}/history"): Rule(ANY, scope="404"),
    ("POST", "/v1/cases/{case_id}/dispatch"): case_action(CENTER, {"lead_unit": "U1"}),
    ("POST", "/v1/cases/{case_id}/sign"): case_action(UNIT, {}),
    ("POST", "/v1/cases/{case_id}/return-dispatch"): case_action(UNIT, {"reason": "x"}),
    ("POST", "/v1/cases/{case_id}/returns/{n}/decision"): case_action(CENTER, {"accepted": True}),
    ("POST", "/v1/cases/{case_id}/respond"): case_action(UNIT, {"note": "x"}),
    ("POST", "/v1/cases/{case_id}/extension-requests"): case_action(UNIT, {"working_days": 2, "reason": "x"}),
    ("POST", "/v1/cases/{case_id}/extension-requests/{n}/decision"): case_action(CENTER, {"approved": True}),
    ("POST", "/v1/cases/{case_id}/justifications"): case_action(UNIT, {"reason": "x"}),
    ("POST", "/v1/cases/{case_id}/justifications/{n}/decision"): case_action(CENTER, {"accepted": True}),
    ("POST", "/v1/cases/{case_id}/urgings"): case_action(SUPERVISORS, {"method": "sms", "unit": "U1"}),
    ("POST", "/v1/cases/{case_id}/supervision"): case_action(SUPERVISORS, {"ground": "6(5)", "reason": "x"}),
    ("POST", "/v1/cases/{case_id}/rectification-proposals"): case_action(CENTER, {"unit": "U1", "proposal": "x"}),
    ("POST", "/v1/cases/{case_id}/rectification-proposals/{n}/refusal"): case_action(CENTER, {"note": "x"}),
    ("POST", "/v1/cases/{case_id}/escalations"): case_action(CENTER, {"reason": "x"}),
    ("POST", "/v1/cases/{case_id}/tracking"): case_action(frozenset({"city_gov"}), {"note": "x"}),
    ("POST", "/v1/cases/{case_id}/contributions"): case_action(UNIT, {"note": "x"}),
    ("POST", "/v1/cases/{case_id}/cooperation-issues"): case_action(UNIT, {"unit": "U3", "note": "x"}),
    ("POST", "/v1/cases/{case_id}/superior-feedback"): case_action(CENTER, {"note": "x"}),
    ("POST", "/v1/cases/{case_id}/reply"): case_action(UNIT, {"content": "x", "outcome": "resolved"}),
    ("POST", "/v1/cases/{case_id}/revisit"): case_action(frozenset({"agent", "center"}), {"satisfied": True, "reply_matches_facts": True}),
    ("POST", "/v1/cases/{case_id}/redo"): case_action(CENTER, {"reason": "x"}),
    ("POST", "/v1/cases/{case_id}/redo-attribution"): case_action(CENTER, {"unit_at_fault": True, "reason": "x"}),
    ("POST", "/v1/cases/{case_id}/close"): case_action(CENTER, {}),
    ("GET", "/v1/supervision/worklist"): Rule(SUPERVISORS),
    ("GET", "/v1/supervision/feedback"): Rule(SUPERVISORS | UNIT, scope="403"),
    ("GET", "/v1/findings"): Rule(ANY, scope="403"),
    # A unit leader raises findings on its own unit only; the other unit's probe names U2 as the subject.
    ("POST", "/v1/findings"): Rule(frozenset({"center", "city_gov", "unit_leader"}), scope="403"),
    ("GET", "/v1/findings/{finding_id}"): Rule(ANY, scope="404", hidden=FINDING_READERS_HIDDEN),
    ("GET", "/v1/findings/{finding_id}/review"): Rule(ANY, scope="404", hidden=FINDING_READERS_HIDDEN),
    ("POST", "/v1/findings/{finding_id}/confirm"): Rule(DECIDERS, scope="404", body={"note": "x"}),
    ("POST", "/v1/findings/{finding_id}/dismiss"): Rule(DECIDERS, scope="404", body={"reason": "x"}),
    ("POST", "/v1/findings/{finding_id}/mitigations"): Rule(DECIDERS, scope="404", body={"ground": "12(2)", "effect": "lighten", "reason": "x"}),
    ("POST", "/v1/findings/{finding_id}/talks"): Rule(frozenset({"center", "unit_leader"}), scope="404", body={"kind": "reminder_talk", "note": "x"}),
    ("POST", "/v1/findings/{finding_id}/sanctions"): Rule(
        frozenset({"center", "city_gov", "unit_leader"}), scope="404",
        body={"measures": ["13(1)"], "responsibility": {"scope": "collective", "kind": "leadership"}},
    ),
    ("POST", "/v1/findings/{finding_id}/referrals"): Rule(DECIDERS, scope="404", body={"to": "discipline", "reason": "x"}),
    # Art. 16: only the sanctioned unit's leader (or the sanctioned person) appeals; everyone else is refused.
    ("POST", "/v1/findings/{finding_id}/appeals"): Rule(
        ANY, scope="404", hidden=FINDING_READERS_HIDDEN, refused=ANY - {"unit_leader", "agent"}, body={"grounds": "x"}
    ),
    ("POST", "/v1/findings/{finding_id}/appeals/{n}/decision"): Rule(frozenset({"city_gov", "center"}), scope="404", body={"outcome": "upheld", "reason": "x"}),
}
PUBLIC = {("GET", "/health"), ("GET", "/metrics")}


def expected(rule: Rule, role: str, unit: str) -> str:
    if role not in rule.roles:
        return "403"
    if role in UNIT and unit == OTHER and rule.scope:
        return rule.scope
    if role in rule.hidden:
        return "404"
    if role in rule.refused:
        return "403"
    return "ok"


def outcome(response: Any, ident: str | None) -> str:
    if response.status_code in (401, 403):
        return str(response.status_code)
    if response.status_code == 404 and (ident is None or ident in response.text):
        return "404"
    assert response.status_code < 500, response.text
    return "ok"


def headers(role: str) -> dict[str, str]:
    return token(role, OWN if role in UNIT else None, sub=f"{OWN}-{role}" if role in UNIT else None)


class World:
    """Resources of the own unit (U1) and of another (U2); commands get fresh ones, so no probe changes another's."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def case(self, unit: str) -> str:
        body = {"channel": "phone", "category": "environment", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}}
        case_id = self.client.post("/v1/cases", json=body, headers=token("agent")).json()["id"]
        assert self.client.post(f"/v1/cases/{case_id}/dispatch", json={"lead_unit": unit}, headers=token("center")).status_code == 200
        return case_id

    def finding(self, unit: str) -> str:
        body = {"clause": "11(7)", "subject": {"unit": unit}, "basis": [{"case_id": self.case(unit), "version": 2}], "description": "d"}
        answer = self.client.post("/v1/findings", json=body, headers=token("center"))
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def spot_check(self) -> str:
        answer = self.client.post("/v1/spot-checks", json={"size": 1, "seed": 1}, headers=token("city_gov"))
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def request(self, method: str, path: str, rule: Rule, unit: str) -> tuple[Any, str | None]:
        ident: str | None = None
        path_format = path
        body = dict(rule.body)
        if "{case_id}" in path:
            ident = self.case(unit)
            path = path.replace("{case_id}", ident)
        if "{finding_id}" in path:
            ident = self.finding(unit)
            path = path.replace("{finding_id}", ident)
        if "{check_id}" in path:
            path = path.replace("{check_id}", self.spot_check())
        path = path.replace("{unit_id}", unit).replace("{year}", "2026").replace("{month}", "2026-10").replace("{n}", "1")
        params = dict(rule.params)
        if rule.scope == "403" and method == "GET" and "{unit_id}" not in path_format:
            params |= {"superior": unit} if "feedback" in path else {"unit": unit}
        if path == "/v1/findings" and method == "POST":
            body = {"clause": "11(7)", "subject": {"unit": unit}, "basis": [{"case_id": self.case(OWN), "version": 2}], "description": "d"}
        return (lambda who: self.client.request(method, path, params=params, json=body if method != "GET" else None, headers=who)), ident


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hotline, World]]:
    path = tmp_path_factory.mktemp("matrix") / "hotline.sqlite3"
    hotline = bootstrap(make_settings(f"sqlite:///{path}"))
    hotline.start()
    seed_units(hotline)
    try:
        with TestClient(create_app(hotline=hotline)) as client:
            assert client.post("/v1/audit/heads", headers=token("admin")).status_code in (200, 201)  # a checkpoint to read
            yield hotline, World(client)
    finally:
        hotline.close()


def routes() -> list[tuple[str, str]]:
    return sorted({(method, route.path_format) for route in api_routes() for method in route.methods})


def test_every_route_has_a_rule() -> None:
    assert set(routes()) - set(RULES) == set(), "a route without an access rule: declare who may use it in RULES"
    assert set(RULES) - set(routes()) == set(), "a rule for a route that no longer exists"


@pytest.mark.parametrize(("method", "path"), routes())
def test_the_access_matrix(world: tuple[Hotline, World], method: str, path: str) -> None:
    _, probe = world
    rule = RULES[(method, path)]
    units = (OWN, OTHER) if rule.scope else (OWN,)
    got, want = {}, {}
    for role in ROLES:
        for unit in units:
            send, ident = probe.request(method, path, rule, unit)
            got[(role, unit)] = outcome(send(headers(role)), ident)
            want[(role, unit)] = "ok" if (method, path) in PUBLIC else expected(rule, role, unit)
    wrong = {key: (got[key], want[key]) for key in got if got[key] != want[key]}
    assert not wrong, f"(role, unit): (got, declared) {wrong}"


@pytest.mark.parametrize(("method", "path"), [r for r in routes() if r not in PUBLIC])
def test_no_token_is_401_and_a_token_without_roles_is_403(world: tuple[Hotline, World], method: str, path: str) -> None:
    _, probe = world
    send, _ = probe.request(method, path, RULES[(method, path)], OWN)
    assert send({}).status_code == 401
    import jwt

    from tests.conftest import JWT_SECRET

    roleless = jwt.encode({"sub": "x", "unit": OWN, "roles": [], "exp": 9_999_999_999}, JWT_SECRET, algorithm="HS256")
    assert send({"Authorization": f"Bearer {roleless}"}).status_code == 403


WAITING = [
    (method, path)
    for method, path in routes()
    if method == "GET" and RULES[(method, path)].roles != ANY and (method, path) not in PUBLIC
]


@pytest.mark.parametrize(("method", "path"), WAITING)
def test_a_role_that_may_not_read_is_refused_before_any_wait(world: tuple[Hotline, World], method: str, path: str) -> None:
    """``roles()`` is declared before ``Consistent``: a 403 never waits on ``min_position`` first."""
    import time

    hotline, probe = world
    assert hotline.settings.wait_timeout >= 5
    outsider = next(role for role in ROLES if role not in RULES[(method, path)].roles)
    started = time.monotonic()
    answer = probe.client.get(path.replace("{year}", "2026").replace("{unit_id}", OWN), params={"min_position": 10**9}, headers=headers(outsider))
    assert answer.status_code == 403 and time.monotonic() - started < 2
