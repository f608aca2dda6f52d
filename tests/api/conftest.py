"""The API over HTTP with a real store (both stores), the simulated clock and real JWTs."""

from __future__ import annotations

import re

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from fastapi.testclient import TestClient

from hotline.web import create_app
from api.auth import issue_token
from cases.calendar import TZ
from hotline.bootstrap import Hotline
from tests.conftest import JWT_SECRET
from tests.world import seed_units

ROLE_UNITS = {
    "agent": ("agent-1", "C"),
    "center": ("center-1", "C"),
    "city_gov": ("gov-1", "GOV"),
    "discipline": ("cdi-1", "CDI"),
    "auditor": ("audit-1", "AUD"),
    "admin": ("admin-1", "C"),
}


def token(role: str, unit: str | None = None, sub: str | None = None, *, ttl: timedelta = timedelta(hours=1)) -> dict[str, str]:
    default_sub, default_unit = ROLE_UNITS.get(role, (f"{unit}-{role}", unit))
    claims_unit = unit or default_unit
    jwt = issue_token(
        JWT_SECRET, sub=sub or default_sub, unit=claims_unit, roles=[role], now=datetime.now(TZ), ttl=ttl
    )
    return {"Authorization": f"Bearer {jwt}"}


class Api:
    """A test client that speaks as a role: ``api.post(path, body, "center")``."""

    def __init__(self, client: TestClient, hotline: Hotline) -> None:
        self.client = client
        self.hotline = hotline

    def headers(self, who: str | dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
        base = token(who) if isinstance(who, str) else dict(who)
        return {**base, **(extra or {})}

    def get(self, path: str, who: str | dict[str, str] = "center", **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(who, kwargs.pop("headers", None)), **kwargs)

    def fresh(self, path: str, who: str | dict[str, str] = "center", **params: Any) -> Any:
        """A query that reads its own writes: ``min_position`` = the head of the log now."""
        return self.get(path, who, params={**params, "min_position": self.hotline.store.head()})

    def post(self, path: str, body: Any = None, who: str | dict[str, str] = "center", **kwargs: Any) -> Any:
        return self.client.post(path, json=body if body is not None else {}, headers=self.headers(who, kwargs.pop("headers", None)), **kwargs)

    def put(self, path: str, body: Any, who: str | dict[str, str] = "admin", **kwargs: Any) -> Any:
        return self.client.put(path, json=body, headers=self.headers(who, kwargs.pop("headers", None)), **kwargs)

    def case_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "channel": "phone",
            "category": "environment",
            "summary": "noise at night",
            "content": "construction after 22:00",
            "urgency": "normal",
            "requester": {"name": "张三", "phone": "13812345678", "address": "江西省赣州市章贡区红旗大道1号"},
            "confidential": False,
            "flags": [],
        }
        body.update(overrides)
        return body

    def new_case(self, **overrides: Any) -> dict[str, Any]:
        response = self.post("/v1/cases", self.case_body(**overrides), "agent")
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, case_id: str, action: str, body: Any = None, who: str | dict[str, str] = "center", status: int = 200) -> dict[str, Any]:
        response = self.post(f"/v1/cases/{case_id}/{action}", body, who)
        assert response.status_code == status, response.text
        return response.json()

    def move_clock(self, instant: datetime) -> dict[str, Any]:
        response = self.put("/v1/admin/clock", {"now": instant.isoformat()})
        assert response.status_code == 200, response.text
        return response.json()


def unit(role: str, unit_id: str) -> dict[str, str]:
    return token(role, unit_id)


HANDLER_U1 = unit("unit_handler", "U1")
LEADER_U1 = unit("unit_leader", "U1")
HANDLER_U2 = unit("unit_handler", "U2")
HANDLER_U3 = unit("unit_handler", "U3")


@pytest.fixture
def api(hotline: Hotline) -> Iterator[Api]:
    seed_units(hotline)
    with TestClient(create_app(hotline=hotline)) as client:
        yield Api(client, hotline)


def console_sign_in(client: TestClient, bearer: dict[str, str]) -> None:
    """Sign ``client`` in to the console with the token in ``bearer`` (the sign-in form, its CSRF cookie and all)."""
    form = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None, form.text
    token = bearer["Authorization"].split()[1]
    signed = client.post("/console/login", data={"csrf": csrf.group(1), "token": token}, follow_redirects=False)
    assert signed.status_code == 303 and "hotline_console" in signed.headers.get("set-cookie", ""), signed.text
