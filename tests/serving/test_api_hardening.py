"""In process (TestClient, real SQLite): the score body parser against pydantic, a crash in a
route, failed-authentication limits and the bounded negative key cache."""

from __future__ import annotations

import json
import logging

import numpy as np
import orjson
import pytest
from fastapi.exceptions import RequestValidationError

from serving.api.app import create_app
from serving.api.limits import FailedAuthLimiter
from serving.api.schemas import ScoreRequest
from serving.api.score_body import parse_score_body
from serving.api.scoring import feature_rows
from serving.keys import KeyVerifier, Scope, create_key

from .conftest import FakeScorer, FakeSource, TestClient

# -- the score body parser ---------------------------------------------------------------------

GOOD_BODIES = [
    {"records": [{"visits": 1, "opens": None, "id": "a"}, {"visits": "7", "x": True}]},
    {"model": "leads", "records": [{"visits": 1.5}]},
    {"records": [{"visits": 1}], "as_of": None},  # not the fast shape: pydantic decides
    {"account_ids": ["a", "b"], "as_of": "2024-01-01T00:00:00Z"},
    {"records": [{}]},  # no feature: the scorer refuses it (400), not the parser
]
BAD_BODIES = [
    ({}, "body"),
    ({"records": []}, "body"),
    ({"records": [{"visits": [1]}]}, "records[0].visits"),
    ({"records": [{"visits": 1}, {"visits": {"a": 1}}]}, "records[1].visits"),
    ({"records": [{"visits": 1}, 5]}, "records[1]"),
    ({"records": [{"visits": 1}], "bogus": 1}, "bogus"),
    ({"records": [{"visits": 1}], "model": "nope"}, "model"),
    ({"records": [{"visits": 1}], "model": ["lifecycle"]}, "model"),
    ({"records": {"visits": 1}}, "records"),
    ({"records": [{"visits": 1}] * 10_001}, "records"),
    ({"account_ids": [1]}, "account_ids[0]"),
    ({"records": [{"visits": 1}], "account_ids": ["a"]}, "body"),
    ([1, 2], "body"),
]


@pytest.mark.parametrize("data", GOOD_BODIES)
def test_parser_accepts_what_pydantic_accepts_with_the_same_values(data: dict) -> None:
    got = parse_score_body(orjson.dumps(data))
    want = ScoreRequest.model_validate(data)
    assert got.model == want.model
    assert got.records == want.records and got.account_ids == want.account_ids
    assert got.as_of == want.as_of


@pytest.mark.parametrize(("data", "field"), BAD_BODIES)
def test_parser_refuses_what_pydantic_refuses_naming_the_field(data: object, field: str) -> None:
    from pydantic import ValidationError

    from serving.api.errors import location

    with pytest.raises(ValidationError):
        ScoreRequest.model_validate(data)
    with pytest.raises(RequestValidationError) as info:
        parse_score_body(orjson.dumps(data))
    assert location(info.value.errors()[0]["loc"]).startswith(field)


def test_parser_json_edge_cases() -> None:
    # Python clients send NaN literals (json.dumps default): a missing value, as before
    got = parse_score_body(json.dumps({"records": [{"visits": float("nan")}]}).encode())
    assert got.records is not None and np.isnan(got.records[0]["visits"])
    for raw, text in [(b"", "Field required"), (b"{not json", "JSON decode error")]:
        with pytest.raises(RequestValidationError) as info:
            parse_score_body(raw)
        assert text in info.value.errors()[0]["msg"]


def test_feature_rows_handles_gaps_and_order() -> None:
    names = ["a", "b", "c"]
    recs = [{"c": 3, "a": 1, "b": 2, "id": 9}, {"b": 5}, {"a": None, "b": "6", "c": True}]
    assert [list(r) for r in feature_rows(recs, names)] == [
        [1, 2, 3],
        [None, 5, None],
        [None, "6", True],
    ]
    assert feature_rows([{"a": 1}, {}], ["a"]) == [(1,), (None,)]


def test_score_route_422_names_the_row_and_field(client: TestClient, keys: dict) -> None:
    body = {"records": [{"visits": 1}, {"visits": 2, "opens": [1, 2]}]}
    res = client.post("/v1/score", json=body, headers=keys["crm"])
    assert res.status_code == 422
    err = res.json()["error"]
    assert err["message"].startswith("records[1].opens") and err["fields"]
    res = client.post(
        "/v1/score",
        content=b'{"records": [{"visits": 1}',
        headers={**keys["crm"], "content-type": "application/json"},
    )
    assert res.status_code == 422 and res.json()["error"]["message"].startswith("body: JSON")
    # a key problem is answered before the body is read (401, not 422)
    res = client.post("/v1/score", content=b"{", headers={"content-type": "application/json"})
    assert res.status_code == 401


def test_openapi_documents_the_score_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/score"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][name]
    assert {"records", "account_ids", "model", "as_of"} <= set(schema["properties"])
    assert schema["properties"]["model"]["$ref"].rsplit("/", 1)[1] in spec["components"]["schemas"]


# -- an unexpected error in a route ----------------------------------------------------------


class CrashingScorer(FakeScorer):
    def score_array(self, X: np.ndarray) -> list[dict]:
        raise RuntimeError("secret internal detail /srv/model.py line 42")


class CrashingSource(FakeSource):
    def load(self, name: str, alias: str):  # type: ignore[no-untyped-def]
        loaded = super().load(name, alias)
        return type(loaded)(loaded.name, loaded.version, loaded.alias, CrashingScorer(0.0))


def test_unexpected_exception_is_json_500_without_traceback(
    api_settings, keys, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    app = create_app(api_settings, model_source=CrashingSource())
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.ERROR):
        res = c.post(
            "/v1/score",
            json={"records": [{"visits": 1}]},
            headers={**keys["crm"], "X-Request-ID": "req-crash-1"},
        )
        assert res.status_code == 500
        assert res.headers["content-type"] == "application/json"
        err = res.json()["error"]
        assert err["code"] == "internal" and err["request_id"] == "req-crash-1"
        assert "secret" not in res.text and "Traceback" not in res.text
        assert "RuntimeError" not in res.text
        # the server log has it, with the request id, for support
        assert "req-crash-1" in caplog.text and "secret internal detail" in caplog.text
        # the server keeps answering
        assert c.get("/healthz").status_code == 200


# -- failed authentications ------------------------------------------------------------------


def _bad(i: int) -> dict[str, str]:
    return {"Authorization": f"Bearer ls_{i:012x}_" + "x" * 43}


def test_failed_auth_limit_per_address(api_settings, fake_source, keys) -> None:  # type: ignore[no-untyped-def]
    # the limit comes from the settings (LEADSCOPE_API_AUTH_FAILURE_BURST / _PER_MINUTE)
    settings = api_settings.model_copy(
        update={"api_auth_failure_burst": 3, "api_auth_failures_per_minute": 60.0}
    )
    app = create_app(settings, model_source=fake_source)
    body = {"records": [{"visits": 1}]}
    with TestClient(app, raise_server_exceptions=False) as c:
        state = app.state.svc
        fetches = state.verifier.fetches
        statuses = [c.post("/v1/score", json=body, headers=_bad(i)).status_code for i in range(3)]
        assert statuses == [401, 401, 401]
        assert state.verifier.fetches == fetches + 3
        # over the limit: 429 with Retry-After and a JSON body, and no database lookup
        for headers in (_bad(100), {}, {"Authorization": "Bearer nonsense"}):
            res = c.post("/v1/score", json=body, headers=headers)
            assert res.status_code == 429, res.text
            assert int(res.headers["retry-after"]) >= 1
            assert res.json()["error"]["code"] == "rate_limited"
            assert "failed authentications" in res.json()["error"]["message"]
        assert state.verifier.fetches == fetches + 3
        metrics = c.get("/metrics").text
        assert 'leadscope_auth_failures_total{outcome="refused"} 3.0' in metrics
        assert 'leadscope_auth_failures_total{outcome="limited"} 3.0' in metrics
        # another address is not affected: its bad key is refused (401), not limited (429)
        # (a second client on the running app, without a lifespan of its own)
        other = TestClient(app, raise_server_exceptions=False, client=("10.1.2.3", 50000))
        assert other.post("/v1/score", json=body, headers=_bad(200)).status_code == 401
        assert state.auth_failures.retry_after("10.1.2.3") == 0


def test_valid_cached_key_passes_a_blocked_address(api_settings, fake_source, keys) -> None:  # type: ignore[no-untyped-def]
    settings = api_settings.model_copy(update={"api_key_cache_seconds": 60.0})
    app = create_app(settings, model_source=fake_source)
    body = {"records": [{"visits": 1}]}
    with TestClient(app, raise_server_exceptions=False) as c:
        state = app.state.svc
        state.auth_failures = FailedAuthLimiter(per_minute=60, burst=2)
        assert c.post("/v1/score", json=body, headers=keys["crm"]).status_code == 200
        for i in range(2):
            assert c.post("/v1/score", json=body, headers=_bad(i)).status_code == 401
        assert c.post("/v1/score", json=body, headers=_bad(7)).status_code == 429
        # the key verified from the cache still works; one needing a lookup waits
        assert c.post("/v1/score", json=body, headers=keys["crm"]).status_code == 200
        assert c.post("/v1/score", json=body, headers=keys["sales"]).status_code == 429


def test_failed_auth_limiter_refills_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import serving.api.limits as limits

    now = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: now[0])
    guard = FailedAuthLimiter(per_minute=30, burst=2, max_clients=3)
    guard.failed("a")
    assert guard.retry_after("a") == 0
    guard.failed("a")
    assert guard.retry_after("a") == pytest.approx(2.0)  # one failure back every 2 s
    now[0] += 2.0
    assert guard.retry_after("a") == 0
    for client in ("b", "c", "d", "e"):
        guard.failed(client)
    assert len(guard) == 3  # least recently failing addresses dropped first
    off = FailedAuthLimiter(per_minute=0, burst=1)
    for _ in range(5):
        off.failed("a")
    assert off.retry_after("a") == 0 and len(off) == 0


def test_negative_cache_is_bounded_and_keeps_real_keys(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    verifier = KeyVerifier(sqlite_engine, ttl=60.0, negative_entries=5)
    created = create_key(sqlite_engine, frozenset({Scope.CRM}), "real")
    key_id = created.info.key_id
    assert verifier.lookup(key_id).info is not None
    for i in range(50):
        assert verifier.lookup(f"{i:012x}").info is None
    assert verifier.negative_size == 5 and verifier.fetches == 51
    # the real key was not evicted by the flood: no new database lookup
    assert verifier.cached(key_id) is not None
    verifier.lookup(key_id)
    assert verifier.fetches == 51
    # recent unknown ids are answered from the cache, old ones were evicted (LRU)
    verifier.lookup(f"{49:012x}")
    assert verifier.fetches == 51
    verifier.lookup(f"{0:012x}")
    assert verifier.fetches == 52
    # negative entries expire with the TTL
    short = KeyVerifier(sqlite_engine, ttl=0.0)
    short.lookup("0" * 12)
    short.lookup("0" * 12)
    assert short.fetches == 2


def test_big_body_is_parsed_off_the_loop_with_the_same_answers(
    api_settings, fake_source, keys
) -> None:  # type: ignore[no-untyped-def]
    from serving.api.routes.score import INLINE_MAX_BODY_BYTES

    settings = api_settings.model_copy(update={"api_max_body_bytes": 4_000_000})
    rows = [{"id": i, "visits": i % 50, "note": "x" * 300} for i in range(2000)]
    assert len(orjson.dumps({"records": rows})) > INLINE_MAX_BODY_BYTES
    with TestClient(create_app(settings, model_source=fake_source)) as c:
        res = c.post("/v1/score", json={"records": rows}, headers=keys["crm"])
        assert res.status_code == 200
        results = res.json()["results"]
        assert [r["id"] for r in results] == list(range(2000))
        assert [r["score"] for r in results[:3]] == [10.0, 11.0, 12.0]
        rows[1500]["visits"] = {"nested": 1}
        res = c.post("/v1/score", json={"records": rows}, headers=keys["crm"])
        assert res.status_code == 422
        assert res.json()["error"]["message"].startswith("records[1500].visits")
