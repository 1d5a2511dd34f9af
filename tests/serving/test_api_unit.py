"""The API in process (TestClient) with its real SQLite database and a fake model source at the
ModelSource seam: auth matrix, validation, limits, error bodies, reload semantics."""

from __future__ import annotations

import pytest

from serving.keys import revoke_key

from .conftest import FakeSource, TestClient


def _score(client: TestClient, headers: dict, **body) -> object:  # type: ignore[no-untyped-def]
    return client.post("/v1/score", json={"records": [{"visits": 5}], **body}, headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("POST", "/v1/score", {"records": [{"visits": 1}]}, "crm"),
        (
            "POST",
            "/v1/events",
            {"events": [{"account_id": "a", "timestamp": "2024-01-01", "event_type": "x"}]},
            "crm",
        ),
        ("POST", "/v1/prospect-lists", {"customers": ["a.de"]}, "sales"),
        ("GET", "/v1/prospect-lists/00000000-0000-0000-0000-000000000000", None, "sales"),
        ("GET", "/v1/models", None, "admin"),
        ("POST", "/v1/models/reload", None, "admin"),
    ],
)
def test_auth_matrix(client: TestClient, keys: dict, method: str, path: str, body, scope: str):  # type: ignore[no-untyped-def]
    def call(headers: dict) -> int:
        return client.request(method, path, json=body, headers=headers).status_code

    assert call({}) == 401
    assert call({"Authorization": "Bearer ls_000000000000_" + "x" * 43}) == 401
    assert call({"Authorization": "Basic dXNlcjpwYXNz"}) == 401
    for role in ("crm", "sales", "admin"):
        expected_ok = role == scope
        status = call(keys[role])
        assert (status not in (401, 403)) == expected_ok, (role, status)
        if not expected_ok:
            assert status == 403
    assert call(keys["all"]) not in (401, 403)
    token = keys[scope]["Authorization"].split()[1]
    assert call({"X-API-Key": token}) not in (401, 403)


def test_error_body_is_json_without_traceback(client: TestClient) -> None:
    res = client.post("/v1/score", json={})
    assert res.status_code == 401
    err = res.json()["error"]
    assert err["code"] == "unauthorized" and err["request_id"] == res.headers["x-request-id"]
    assert res.headers["www-authenticate"] == "Bearer"
    res = client.get("/no/such/route")
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"


def test_revoked_key_is_refused(client: TestClient, keys: dict, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    assert _score(client, keys["crm"]).status_code == 200
    key_id = keys["crm"]["Authorization"].split("_")[1]
    revoke_key(sqlite_engine, key_id)
    res = _score(client, keys["crm"])
    assert res.status_code == 401 and "revoked" in res.json()["error"]["message"]


def test_score_records_and_model_reference(client: TestClient, keys: dict) -> None:
    res = client.post(
        "/v1/score",
        json={
            "records": [{"id": "lead-1", "visits": 5, "opens": None, "junk": "x"}, {"visits": "7"}]
        },
        headers=keys["crm"],
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["model"] == {"name": "leadscope-lifecycle", "version": "1", "alias": "champion"}
    first, second = body["results"]
    assert first["id"] == "lead-1" and first["score"] == 15.0 and second["id"] == 1
    assert second["score"] == 17.0  # numeric strings take the fast path too
    for key in (
        "grade",
        "stage",
        "stage_probabilities",
        "p_purchase",
        "p_churn",
        "reasons",
        "campaign",
        "model",
    ):
        assert key in first
    leads = client.post(
        "/v1/score", json={"model": "leads", "records": [{"visits": 1}]}, headers=keys["crm"]
    )
    assert leads.json()["model"]["name"] == "leadscope-leads"


def test_score_validation_names_the_field(client: TestClient, keys: dict) -> None:
    cases = [
        ({"records": [{"visits": 1}], "account_ids": ["a"]}, 422, "exactly one"),
        ({"records": [{"visits": [1, 2]}]}, 422, "records[0].visits"),
        ({"records": [{"nothing": 1}]}, 400, "records[0]: none of the model's features"),
        ({"records": [{"visits": 1}], "model": "bogus"}, 422, "model"),
        ({"records": [{"visits": 1}] * 10_001}, 422, "records"),
    ]
    for body, status, text in cases:
        res = client.post("/v1/score", json=body, headers=keys["crm"])
        assert res.status_code == status, (body, res.text[:300])
        assert text in res.json()["error"]["message"]


def test_events_ingest_idempotent_and_validated(client: TestClient, keys: dict) -> None:
    events = [
        {
            "event_id": "e1",
            "account_id": "a",
            "timestamp": "2024-01-01T10:00:00",
            "event_type": "web_visit",
            "utm": "x",
        },
        {"event_id": "e2", "account_id": "a", "timestamp": "2024-01-02", "event_type": "login"},
    ]
    res = client.post("/v1/events", json={"events": events}, headers=keys["crm"])
    assert res.json() == {"inserted": 2, "duplicates": 0}
    res = client.post("/v1/events", json={"events": events}, headers=keys["crm"])
    assert res.json() == {"inserted": 0, "duplicates": 2}
    bad = [events[0], {"account_id": "a", "timestamp": "soon", "event_type": "x"}]
    res = client.post("/v1/events", json={"events": bad}, headers=keys["crm"])
    assert res.status_code == 422
    assert res.json()["error"]["message"].startswith("events[1].timestamp:")
    res = client.post(
        "/v1/events", json={"events": [{**events[0], "value": "NaN"}]}, headers=keys["crm"]
    )
    assert res.status_code == 422 and "events[0].value" in res.json()["error"]["message"]


def test_body_cap_413(client: TestClient, keys: dict) -> None:
    big = {
        "events": [{"account_id": "a" * 100, "timestamp": "2024-01-01", "event_type": "x"}] * 2000
    }
    res = client.post("/v1/events", json=big, headers=keys["crm"])
    assert res.status_code == 413 and res.json()["error"]["code"] == "payload_too_large"

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(50):
            yield b" " * 10_000

    res = client.post(
        "/v1/events", content=chunks(), headers={**keys["crm"], "content-type": "application/json"}
    )
    assert res.status_code == 413


def test_rate_limit_429(api_settings, fake_source, keys) -> None:  # type: ignore[no-untyped-def]
    from serving.api.app import create_app

    settings = api_settings.model_copy(update={"api_rate_limit_per_minute": 3})
    with TestClient(create_app(settings, model_source=fake_source)) as c:
        statuses = [_score(c, keys["crm"]).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        res = _score(c, keys["crm"])
        assert int(res.headers["retry-after"]) >= 1
        assert _score(c, keys["all"]).status_code == 200  # limits are per key
        metrics = c.get("/metrics").text
        assert "leadscope_rate_limited_total" in metrics


def test_reload_swaps_and_keeps_serving_on_failure(
    client: TestClient, keys: dict, fake_source
) -> None:  # type: ignore[no-untyped-def]
    assert _score(client, keys["crm"]).json()["results"][0]["score"] == 15.0
    fake_source.version = "2"
    res = client.post("/v1/models/reload", headers=keys["admin"])
    assert res.json()["changed"] == ["lifecycle", "leads"]
    assert _score(client, keys["crm"]).json()["model"]["version"] == "2"
    assert client.post("/v1/models/reload", headers=keys["admin"]).json()["changed"] == []

    fake_source.version, fake_source.load_fails = "3", True
    res = client.post("/v1/models/reload", headers=keys["admin"]).json()
    assert res["changed"] == [] and "failed to load" in res["models"][0]["error"]
    scored = _score(client, keys["crm"]).json()
    assert scored["model"]["version"] == "2" and scored["results"][0]["score"] == 25.0
    fake_source.load_fails, fake_source.registry_down = False, True
    client.post("/v1/models/reload", headers=keys["admin"])
    models = client.get("/v1/models", headers=keys["admin"]).json()["models"]
    assert all(m["version"] == "2" and "unreachable" in m["error"] for m in models)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # still serving version 2
    metrics = client.get("/metrics").text
    assert (
        'leadscope_model_info{alias="champion",model="leadscope-lifecycle",version="2"} 1.0'
        in metrics
    )
    assert 'version="1"} 0.0' in metrics


def test_not_ready_without_models(api_settings, keys) -> None:  # type: ignore[no-untyped-def]
    from serving.api.app import create_app

    source = FakeSource(registry_down=True)
    with TestClient(create_app(api_settings, model_source=source)) as c:
        res = c.get("/readyz")
        assert res.status_code == 503 and res.json()["database"] == "ok"
        assert c.get("/healthz").status_code == 200
        res = _score(c, keys["crm"])
        assert res.status_code == 503 and "not loaded" in res.json()["error"]["message"]
        source.registry_down = False
        c.post("/v1/models/reload", headers=keys["admin"])
        assert c.get("/readyz").status_code == 200


def test_metrics_by_route_and_model_version(client: TestClient, keys: dict) -> None:
    for _ in range(3):
        _score(client, keys["crm"])
    client.post("/v1/score", json={}, headers=keys["crm"])
    text = client.get("/metrics").text
    assert (
        'leadscope_http_request_duration_seconds_count{method="POST",route="/v1/score",'
        'status="200"} 3.0' in text
    )
    assert 'route="/v1/score",status="422"} 1.0' in text
    assert 'leadscope_score_count{model="leadscope-lifecycle",version="1"} 3.0' in text
    assert 'leadscope_score_bucket{le="20.0",model="leadscope-lifecycle",version="1"} 3.0' in text


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/v1/score",
        "/v1/events",
        "/v1/prospect-lists",
        "/v1/prospect-lists/{job_id}",
        "/v1/models",
        "/v1/models/reload",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert p in paths


def test_database_down_is_503_and_not_ready(client: TestClient, keys: dict) -> None:
    from serving.db import make_engine

    # only the routes' engine is broken (the key verifier keeps its own)
    state = client.app.state.svc  # type: ignore[attr-defined]
    good = state.engine
    state.engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/x?connect_timeout=2")
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"].startswith("unreachable")
        event = {"account_id": "a", "timestamp": "2024-01-01", "event_type": "x"}
        res = client.post("/v1/events", json={"events": [event]}, headers=keys["crm"])
        assert res.status_code == 503 and res.json()["error"]["code"] == "unavailable"
        assert _score(client, keys["crm"]).status_code == 200  # scoring records needs no DB
    finally:
        state.engine.dispose()
        state.engine = good
