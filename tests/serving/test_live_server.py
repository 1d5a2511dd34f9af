"""The real server process (``leadscope serve``) on 127.0.0.1 with real SQLite and PostgreSQL,
a real MLflow store holding a small trained LightGBM lifecycle model, and the real CLI for keys.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from scoring.accounts_store import insert_transactions
from scoring.features import build_features
from scoring.registry import load_model
from serving.db import make_engine

from .conftest import ModelStore, server_env
from .live import LiveServer, cli, start_server

AS_OF = "2024-01-20T00:00:00Z"


def _events_payload(events: pd.DataFrame) -> list[dict]:
    out = []
    for rec in events.to_dict(orient="records"):
        rec = {
            k: v for k, v in rec.items() if v is not None and not (isinstance(v, float) and v != v)
        }
        rec["timestamp"] = pd.Timestamp(rec["timestamp"]).isoformat()
        out.append(rec)
    return out


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_score_and_events_end_to_end(
    backend: str, request: pytest.FixtureRequest, model_store: ModelStore, tmp_path: Path
) -> None:
    if backend == "sqlite":  # the module's server (one start saves ~15 s on 2 busy cores)
        server, _, env = request.getfixturevalue("sqlite_server")
        own = False
    else:
        env = server_env(request.getfixturevalue("postgres_url"), model_store)
        own = True
    db_url = env["LEADSCOPE_DATABASE_URL"]
    crm = cli(["keys", "create", "--scopes", "crm", "--name", "crm"], env).strip()
    admin = cli(["keys", "create", "--scopes", "admin"], env).strip()
    if own:
        server = start_server(env, tmp_path / "server.log")
    try:
        with server.client(crm) as api, server.client(admin) as adm:
            assert api.get("/readyz").status_code == 200
            served, served_leads = adm.get("/v1/models").json()["models"]
            assert served["name"] == "leadscope-lifecycle" and served["loaded"]
            assert served_leads["name"] == "leadscope-leads" and served_leads["loaded"]

            # ingest the events of a few accounts over HTTP; transactions straight into the DB
            accounts = sorted(model_store.events["account_id"].unique())[:6]
            ev = model_store.events[model_store.events["account_id"].isin(accounts)]
            tx = model_store.transactions[model_store.transactions["account_id"].isin(accounts)]
            payload = _events_payload(ev)
            res = api.post("/v1/events", json={"events": payload})
            assert res.status_code == 200, res.text
            assert res.json() == {"inserted": len(payload), "duplicates": 0}
            assert api.post("/v1/events", json={"events": payload[:10]}).json() == {
                "inserted": 0,
                "duplicates": 10,
            }
            engine = make_engine(db_url)
            insert_transactions(engine, tx)
            engine.dispose()

            # accounts scored from the stored history equal the model on the same features
            res = api.post("/v1/score", json={"account_ids": [*accounts, "nobody"], "as_of": AS_OF})
            assert res.status_code == 200, res.text
            body = res.json()
            assert body["missing_account_ids"] == ["nobody"]
            loaded = load_model("leadscope-lifecycle", tracking_uri=model_store.uri)
            feats = build_features(ev, tx, pd.Timestamp(AS_OF), accounts=accounts)
            expected = loaded.scorer.score_frame(feats.loc[accounts])
            got = {r["id"]: r for r in body["results"]}
            assert set(got) == set(accounts)
            for acc, exp in zip(accounts, expected, strict=True):
                assert got[acc]["score"] == pytest.approx(exp["score"])
                assert got[acc]["stage"] == exp["stage"]
                assert got[acc]["model"]["version"] == served["version"]
                assert got[acc]["reasons"] and "contribution" in got[acc]["reasons"][0]
            # default as_of is now
            res = api.post("/v1/score", json={"account_ids": accounts[:2]})
            assert res.status_code == 200 and len(res.json()["results"]) == 2

            # feature rows take the fast path and match the model too
            records = [
                {"id": a, **{k: (None if v != v else v) for k, v in feats.loc[a].items()}}
                for a in accounts
            ]  # NaN travels as null
            res = api.post("/v1/score", json={"records": records})
            assert [r["score"] for r in res.json()["results"]] == pytest.approx(
                [e["score"] for e in expected]
            )
            # the lead model: raw CRM fields, categorical values encoded by the model
            leads = [{"id": "L1", "source": "referral", "visits": 6}, {"source": "web"}]
            res = api.post("/v1/score", json={"model": "leads", "records": leads})
            assert res.status_code == 200, res.text
            lead_model = load_model("leadscope-leads", tracking_uri=model_store.uri)
            exp_leads = lead_model.scorer.score_frame(pd.DataFrame(leads))
            got_leads = res.json()["results"]
            assert [r["score"] for r in got_leads] == pytest.approx([e["score"] for e in exp_leads])
            assert got_leads[0]["id"] == "L1" and got_leads[0]["model"]["name"] == "leadscope-leads"
            assert got_leads[0]["score"] > got_leads[1]["score"]  # referral + visits convert
            # auth matrix on the real server
            assert api.get("/v1/models").status_code == 403
            assert server.client().post("/v1/score", json={}).status_code == 401
            metrics = api.get("/metrics").text
            assert (
                f'leadscope_score_count{{model="leadscope-lifecycle",version="{model_store.version}"}}'
                in metrics
            )
    finally:
        if own:
            server.stop()
    assert "Traceback" not in server.logs()
    assert 'POST /v1/score" 200' in server.logs()  # access log with request ids


def test_reload_under_load_drops_no_request(sqlite_server, model_store: ModelStore) -> None:  # type: ignore[no-untyped-def]
    from mlflow import MlflowClient

    server: LiveServer
    server, token, _ = sqlite_server
    client = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    name = "leadscope-lifecycle"
    current = client.get_model_version_by_alias(name, "champion")
    row = {"n_web_visit_30d": 3, "n_email_open_90d": 2}
    seen: Counter = Counter()
    stop = threading.Event()
    errors: list[str] = []

    def hammer() -> None:
        with server.client(token) as api:
            while not stop.is_set():
                try:
                    res = api.post("/v1/score", json={"records": [row]})
                except Exception as exc:  # a dropped connection is a failure too
                    errors.append(repr(exc))
                    continue
                if res.status_code != 200:
                    errors.append(f"{res.status_code} {res.text[:200]}")
                else:
                    seen[res.json()["model"]["version"]] += 1

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        # promote a new version (same artifacts, new registry version) and reload under load
        new = client.create_model_version(name, source=current.source, run_id=current.run_id)
        client.set_registered_model_alias(name, "champion", new.version)
        with server.client(token) as adm:
            res = adm.post("/v1/models/reload")
            assert res.json()["changed"] == ["lifecycle"], res.text
            time.sleep(1.0)
            # a broken version: the current one keeps serving and /v1/models says why
            broken = client.create_model_version(name, source=str(Path("/nonexistent/model")))
            client.set_registered_model_alias(name, "champion", broken.version)
            res = adm.post("/v1/models/reload").json()
            assert res["changed"] == []
            status = res["models"][0]
            assert status["version"] == str(new.version) and status["error"]
            time.sleep(0.5)
            assert adm.get("/readyz").status_code == 200
    finally:
        stop.set()
        for t in threads:
            t.join()
        client.set_registered_model_alias(name, "champion", current.version)
    assert errors == []
    assert seen[str(current.version)] > 0 and seen[str(new.version)] > 0, seen
    with server.client(token) as api:
        res = api.post("/v1/score", json={"records": [row]})
        assert res.json()["model"]["version"] == str(new.version)
