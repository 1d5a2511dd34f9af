"""Prospect lists over HTTP on a real server: a job crawls the demo web on loopback, the server
is killed (SIGKILL) mid-job and started again, and the job resumes to a finished list served as
paginated JSON and CSV."""

from __future__ import annotations

import csv
import io
import signal
import time
from pathlib import Path

import pandas as pd

from scoring.companies import upsert_companies
from serving.db import open_database

from .conftest import ModelStore, server_env
from .live import LiveServer, cli, start_server


def _poll(server: LiveServer, token: str, url: str, until, timeout: float = 240.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    with server.client(token) as api:
        while time.monotonic() < deadline:
            body = api.get(url).json()
            if until(body):
                return body
            time.sleep(0.2)
    raise AssertionError(f"job did not reach the state in time: {body}")


def test_job_survives_a_killed_server(model_store: ModelStore, tmp_path: Path, db_url: str) -> None:
    """On SQLite and on PostgreSQL (``db_url`` is parametrised over both)."""
    from training.world import DemoWeb, generate_world

    generate_world(tmp_path / "world", seed=11, n_companies=40)
    companies = pd.read_csv(tmp_path / "world" / "companies.csv")
    env = server_env(
        db_url,
        model_store,
        LEADSCOPE_CRAWL_ALLOWED_NETWORKS="127.0.0.0/8",  # the demo web lives on 127.0.x.y
        LEADSCOPE_CRAWL_DELAY="0.6",  # slow enough to be killed mid-crawl
        LEADSCOPE_CRAWL_MAX_PAGES_PER_SITE="4",
        LEADSCOPE_JOB_HEARTBEAT_SECONDS="0.5",
    )
    with DemoWeb(tmp_path / "world" / "web") as web:
        companies["url"] = [web.url_for(d) for d in companies["domain"]]
        engine = open_database(db_url)
        upsert_companies(engine, companies)
        engine.dispose()
        token = cli(["keys", "create", "--scopes", "sales"], env).strip()

        server = start_server(env, tmp_path / "server1.log")
        try:
            with server.client(token) as api:
                res = api.post("/v1/prospect-lists", json={"limit": 15})
                assert res.status_code == 202, res.text
                url = res.json()["url"]
                assert res.headers["location"] == url
            _poll(
                server,
                token,
                url,
                lambda b: (
                    b["status"] == "running"
                    and b["progress"] > 0
                    and "crawl" in (b["message"] or "")
                ),
            )
        finally:
            server.stop(signal.SIGKILL)

        server = start_server(env, tmp_path / "server2.log")
        try:
            done = _poll(server, token, url, lambda b: b["status"] in ("succeeded", "failed"))
            assert done["status"] == "succeeded", done
            assert done["attempts"] == 2  # resumed after the kill, not started over as new
            assert "left by a stopped server is now queued" in server.logs()
            assert ": crawled " in server.logs()  # the cut-off crawl went on from its frontier
            assert done["total_rows"] > 0 and done["progress"] == 1.0
            with server.client(token) as api:
                page = api.get(url, params={"page": 1, "per_page": 5}).json()
                assert len(page["rows"]) == min(5, done["total_rows"])
                assert [r["rank"] for r in page["rows"]][:2] == [1, 2]
                assert page["next"] and "page=2" in page["next"]
                for key in ("domain", "score", "segment", "shared_terms", "nearest_customers"):
                    assert key in page["rows"][0]
                text = api.get(url, headers={"Accept": "text/csv"}).text
                rows = list(csv.DictReader(io.StringIO(text)))
                assert len(rows) == done["total_rows"]
                assert rows[0]["domain"] == page["rows"][0]["domain"]
                assert api.get(url + ".csv").text == text
                assert api.get("/v1/prospect-lists/not-a-job").status_code == 404
        finally:
            server.stop()
