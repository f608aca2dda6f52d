"""The served OpenAPI document declares the problem answers each operation gives (issue 9), so clients can be generated."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_idempotency_api import NOT_COMMANDS

pytestmark = pytest.mark.storage


def test_every_operation_declares_its_problem_answers(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"] and "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, answer in responses.items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (method, path, status)
            if path.startswith("/v1/"):
                assert {"401", "403"} <= set(responses), (method, path)
            if method in ("post", "put") and (method.upper(), path) not in NOT_COMMANDS:
                assert {"400", "404", "409", "412", "413", "422"} <= set(responses), (method, path)
            if "min_position" in {p["name"] for p in operation.get("parameters", [])}:
                assert {"429", "503"} <= set(responses) and "Retry-After" in responses["503"]["headers"], (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
