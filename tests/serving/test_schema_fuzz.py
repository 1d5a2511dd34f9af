"""Schemathesis over the live server's OpenAPI schema: no input gives a 5xx answer."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture(scope="module")
def live_api(sqlite_server):  # type: ignore[no-untyped-def]
    server, token, _ = sqlite_server
    return server, token


@pytest.fixture(scope="module")
def api_schema(live_api):  # type: ignore[no-untyped-def]
    server, _ = live_api
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def test_no_server_errors(api_schema, live_api) -> None:  # type: ignore[no-untyped-def]
    """Every operation, up to 25 generated cases each (about 200 requests), with a key that
    holds every scope so the requests reach validation and the handlers."""
    server, token = live_api
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(
                base_url=server.url, headers=headers, checks=[not_a_server_error]
            )

        check()
    assert server.logs().count("serving.access") >= 150  # the cases really reached the server
