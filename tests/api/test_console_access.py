"""The console's access matrix, generated from its route table (issue 13), like the API's (issue 9).

Every console page × every role × a resource of the principal's own unit (U1) and of another
(U2), signed in through the sign-in form. Each page has a declared rule; a page without one fails
``test_every_console_page_has_a_rule``. A page answers what the API answers for the same
principal: 403 for a role that may not use it, 404 for a resource the principal may not see, 403
for another unit's list or scorecard. Every form, sent by a role that may not act or about another
unit's resource, records nothing. The pages' matrix runs on SQLite (access is decided on loaded
objects and roles, as in the API's matrix); the forms, whose refusal must record nothing, on both stores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import route_roles
from console.pages import router
from foundation.actors import ROLES, UNIT_ROLES
from hotline.bootstrap import Hotline, bootstrap
from hotline.web import create_app
from tests.api.conftest import console_sign_in, token
from tests.api.test_access_matrix import OTHER, OWN, World
from tests.conftest import make_settings
from tests.world import seed_units

ANY = frozenset(ROLES)
UNIT = frozenset(UNIT_ROLES)


@dataclass(frozen=True)
class Page:
    roles: frozenset[str]
    """Who may open it (everyone else: 403, or ``elsewhere`` for a page that sends them to their own)."""
    scope: str | None = None
    """How a unit role meets another unit's resource: ``404`` (in the path) or ``403`` (a unit filter or scorecard)."""
    hidden: frozenset[str] = frozenset()
    """Roles that may not see the resource at all (404), as in the API."""
    refused: frozenset[str] = frozenset()
    elsewhere: str = "403"
    params: tuple[tuple[str, str], ...] = ()


PAGES: dict[str, Page | str] = {
    "/console/": "303",  # to the principal's home page
    "/console/login": "public",
    "/console/login/link": "public",  # a one-time link carries its own token
    "/console/worklist": Page(frozenset({"center", "city_gov"})),
    "/console/inbox": Page(UNIT, elsewhere="303"),
    "/console/cases/{case_id}": Page(ANY, scope="404"),
    "/console/findings": Page(ANY, scope="403", params=(("unit", "{unit}"),)),
    "/console/findings/{finding_id}": Page(ANY, scope="404", hidden=frozenset({"agent"})),
    "/console/findings/{finding_id}/dossier": Page(ANY, scope="404", hidden=frozenset({"agent"})),
    "/console/audit": Page(frozenset({"center", "city_gov", "discipline", "auditor", "admin"})),
    "/console/reports": Page(ANY),
    "/console/reports/monthly/{month}": Page(ANY),
    "/console/assessment/{year}": Page(ANY),
    "/console/units/{unit_id}": "303",  # to the unit's scorecard, which decides
    "/console/units/{unit_id}/scorecard": Page(ANY, scope="403", refused=frozenset({"agent"})),
}

FORMS: dict[str, tuple[frozenset[str], str | None]] = {
    # who passes the form's role check (the API route of the same act: the others get 403), and that route
    "/console/login": (ANY, None),
    "/console/logout": (ANY, None),
    "/console/cases/{case_id}/urge": (frozenset({"center", "city_gov"}), "/v1/cases/{case_id}/urgings"),
    "/console/cases/{case_id}/returns/{number}/decision": (frozenset({"center"}), "/v1/cases/{case_id}/returns/{n}/decision"),
    "/console/cases/{case_id}/justifications/{number}/decision": (frozenset({"center"}), "/v1/cases/{case_id}/justifications/{n}/decision"),
    "/console/findings/{finding_id}/appeal": (ANY, "/v1/findings/{finding_id}/appeals"),  # the domain decides who may appeal (Art. 16)
}


def console_routes(method: str) -> list[str]:
    return sorted({route.path for route in router.routes for m in route.methods if m == method})  # type: ignore[attr-defined]


def test_every_console_page_and_form_has_a_rule() -> None:
    assert set(console_routes("GET")) == set(PAGES), "declare who may open each console page in PAGES"
    assert set(console_routes("POST")) == set(FORMS), "declare who may send each console form in FORMS"
    for roles, api in FORMS.values():  # a form lets through exactly whom the API route of the same act lets through
        assert api is None or route_roles("POST", api) == roles, api


def expected(page: Page, role: str, unit: str) -> int:
    if role not in page.roles:
        return int(page.elsewhere)
    if role in UNIT and unit == OTHER and page.scope:
        return int(page.scope)
    if role in page.hidden:
        return 404
    return 403 if role in page.refused else 200


Console = tuple[Hotline, dict[str, dict[str, str]], dict[str, TestClient]]


@contextmanager
def signed_in_everywhere(database_url: str) -> Iterator[Console]:
    """A store with a case and a finding of each unit, and a console client signed in for every role."""
    hotline = bootstrap(make_settings(database_url))
    hotline.start()
    seed_units(hotline)
    try:
        with TestClient(create_app(hotline=hotline)) as api:
            world = World(api)
            resources = {"case": {u: world.case(u) for u in (OWN, OTHER)}, "finding": {u: world.finding(u) for u in (OWN, OTHER)}}
        assert hotline.consistent(hotline.store.head())
        with ExitStack() as stack:
            clients = {}
            for role in ROLES:
                client = stack.enter_context(TestClient(create_app(hotline=hotline)))
                console_sign_in(client, token(role, OWN if role in UNIT else None, sub=f"{OWN}-{role}" if role in UNIT else None))
                clients[role] = client
            yield hotline, resources, clients
    finally:
        hotline.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """For the pages: who sees what is decided on loaded objects and roles, not by the store (as in the API's matrix)."""
    with signed_in_everywhere(f"sqlite:///{tmp_path_factory.mktemp('console') / 'hotline.sqlite3'}") as built:
        yield built


@pytest.fixture
def console_on(database_url: str) -> Iterator[Console]:
    """For the forms: that a refused one records nothing is the store's business, so on each store."""
    with signed_in_everywhere(database_url) as built:
        yield built


def fill(path: str, resources: dict[str, dict[str, str]], unit: str) -> str:
    return (
        path.replace("{case_id}", resources["case"][unit]).replace("{finding_id}", resources["finding"][unit])
        .replace("{unit_id}", unit).replace("{month}", "2026-10").replace("{year}", "2026").replace("{number}", "1")
    )


@pytest.mark.parametrize("path", sorted(p for p, rule in PAGES.items() if isinstance(rule, Page)))
def test_the_console_access_matrix(console: Any, path: str) -> None:
    _, resources, clients = console
    page = PAGES[path]
    assert isinstance(page, Page)
    got, want = {}, {}
    for role in ROLES:
        for unit in (OWN, OTHER) if page.scope else (OWN,):
            params = {name: value.replace("{unit}", unit) for name, value in page.params}
            answer = clients[role].get(fill(path, resources, unit), params=params, follow_redirects=False)
            assert answer.status_code < 500, answer.text
            got[(role, unit)], want[(role, unit)] = answer.status_code, expected(page, role, unit)
    wrong = {key: (got[key], want[key]) for key in got if got[key] != want[key]}
    assert not wrong, f"(role, unit): (got, declared) {wrong}"


@pytest.mark.parametrize("path", sorted(p for p in FORMS if "{" in p))
def test_a_form_from_a_role_that_may_not_act_or_on_another_units_case_records_nothing(console_on: Any, path: str) -> None:
    hotline, resources, clients = console_on
    roles, _ = FORMS[path]
    for role in ROLES:
        client = clients[role]
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/reports").text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "method": "sms", "unit": OWN, "accepted": "no", "reason": "r", "grounds": "g"}
        for unit in (OWN, OTHER):
            if role in roles and not (role in UNIT and unit == OTHER):
                continue  # may act here (what the act does is the application's, tested with it)
            head = hotline.store.head()
            answer = client.post(fill(path, resources, unit), data=form, follow_redirects=False)
            want = 403 if role not in roles else 404  # another unit's case or finding: as if it did not exist
            assert answer.status_code == want, (role, unit, answer.status_code)
            assert hotline.store.head() == head, f"{role} on {unit}'s resource recorded something"


def test_an_appeal_form_with_an_odd_sanction_number_is_refused_in_words_not_a_500(console_on: Any) -> None:
    """``"²".isdigit()`` is True but ``int("²")`` fails: the form's number is read as ASCII digits only."""
    hotline, resources, clients = console_on
    client = clients["unit_leader"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/reports").text)
    assert csrf is not None
    head = hotline.store.head()
    for odd in ("²", "１", "-1", "9" * 30):
        answer = client.post(
            fill("/console/findings/{finding_id}/appeal", resources, OWN), data={"csrf": csrf.group(1), "sanction": odd, "grounds": "g"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, (odd, answer.status_code)
    assert hotline.store.head() == head


def test_a_form_path_with_an_odd_number_answers_with_the_consoles_page_not_the_apis_json(console_on: Any) -> None:
    """A return's or justification's number in a form's path that is not a plain number (a hand-edited
    address): the console's own 404 page in words, nothing recorded (before: the API's JSON 422)."""
    hotline, resources, clients = console_on
    client = clients["center"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/reports").text)
    assert csrf is not None
    head = hotline.store.head()
    for kind in ("returns", "justifications"):
        for odd in ("abc", "²", "１", "0", "-1", "9" * 30):
            path = f"/console/cases/{resources['case'][OWN]}/{kind}/{odd}/decision"
            answer = client.post(path, data={"csrf": csrf.group(1), "accepted": "no", "reason": "r"}, follow_redirects=False)
            assert (answer.status_code, answer.headers["content-type"].split(";")[0]) == (404, "text/html"), (kind, odd, answer.status_code)
            assert "未找到" in answer.text
    assert hotline.store.head() == head
