"""The end-to-end demo behind ``leadscope demo``: every step of the product on embedded defaults.

generate the world -> serve its websites on loopback -> crawl them -> build a lookalike prospect
list (fit, register, score) -> train and register the lifecycle model -> start the API -> push
events, score accounts and request a prospect list over HTTP -> summary.

This is edge glue: each step calls one library function; the HTTP part talks to a real
``leadscope serve`` process on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from serving.db import open_database
from serving.settings import Settings
from serving.tracking import configure_mlflow

log = logging.getLogger(__name__)

Echo = Callable[[str], None]


@dataclass
class DemoConfig:
    seed: int = 7
    n_companies: int = 420
    crawl_delay: float = 0.05
    crawl_concurrency: int = 16
    top: int = 25
    api_port: int = 0  # 0: a free port


@dataclass
class DemoReport:
    timings: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _step(report: DemoReport, name: str, echo: Echo) -> Iterator[None]:
    echo(f"\n== {name}")
    started = time.perf_counter()
    yield
    report.timings[name] = time.perf_counter() - started
    echo(f"   ({report.timings[name]:.1f} s)")


def _crawl_progress(echo: Echo) -> Callable[[Any], None]:
    last = [0.0]

    def show(p: Any) -> None:
        now = time.perf_counter()
        if now - last[0] >= 2.0:
            last[0] = now
            echo(f"   crawled {p.pages_stored} pages, {p.sites_done}/{p.sites_total} sites")

    return show


def run_demo(settings: Settings, config: DemoConfig, echo: Echo) -> DemoReport:
    """Run every step; raises on failure (the CLI turns user errors into one line)."""
    from crawling import Seed, crawl
    from scoring.accounts_store import insert_events, insert_transactions
    from scoring.companies import upsert_companies
    from scoring.loaders import load_lead_table
    from serving.settings import crawl_config_from_settings
    from training.leads import LeadConfig, train_leads
    from training.lifecycle import train_lifecycle
    from training.prospect_lists import ProspectConfig, run_prospect_list
    from training.world import DemoWeb, generate_world

    report = DemoReport()
    data_dir = settings.data_dir.resolve()
    world_dir = data_dir / "demo-world"
    tracking_uri = configure_mlflow(settings)
    # a fresh application database each run, so the demo is repeatable
    db_path = data_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_url = f"sqlite:///{db_path}"
    engine = open_database(db_url)

    with _step(report, "1. generate the demo world", echo):
        generate_world(
            world_dir,
            seed=config.seed,
            n_companies=config.n_companies,
            end_date=datetime.now(UTC).date(),
        )
        companies = pd.read_csv(world_dir / "companies.csv")
        events = pd.read_csv(world_dir / "events.csv")
        transactions = pd.read_csv(world_dir / "transactions.csv")
        stages = pd.read_csv(world_dir / "stages.csv")
        upsert_companies(engine, companies)
        report.facts["companies"] = len(companies)
        report.facts["customers"] = int(companies["is_customer"].sum())
        echo(
            f"   {len(companies)} companies ({report.facts['customers']} customers), "
            f"{len(events):,} events, {len(transactions):,} transactions -> {world_dir}"
        )

    with DemoWeb(world_dir / "web") as web:
        with _step(report, "2. crawl the demo web (robots.txt, per-host delay, 127.0.x.y)", echo):
            urls = {d: web.url_for(d) for d in companies["domain"]}
            seeds = [Seed(domain=d, url=u) for d, u in urls.items()]
            crawl_config = crawl_config_from_settings(
                settings,
                delay=config.crawl_delay,
                concurrency=config.crawl_concurrency,
                allowed_networks=("127.0.0.0/8",),  # the demo web lives on loopback only
            )
            crawl_summary = crawl(seeds, engine, crawl_config, progress=_crawl_progress(echo))
            report.facts["pages"] = crawl_summary.pages_stored
            echo(
                f"   {crawl_summary.pages_stored} pages from {crawl_summary.sites} sites, "
                f"{crawl_summary.pages_per_second:.0f} pages/s, "
                f"skipped {dict(crawl_summary.skipped)}"
            )

        with _step(report, "3. lookalike prospects: segments, fit, register, rank", echo):
            customers = companies.loc[companies["is_customer"].astype(bool), "domain"].tolist()
            candidates = companies.loc[~companies["is_customer"].astype(bool), "domain"].tolist()
            result = run_prospect_list(
                engine,
                customers,
                candidates,
                config=ProspectConfig(top=config.top),
                tracking_uri=tracking_uri,
            )
            scored = [r for r in result.rows if r.get("score") is not None]
            truth = dict(zip(companies["domain"], companies.get("true_fit", 0), strict=False))
            hits = sum(int(truth.get(r["domain"], 0)) for r in scored[: config.top])
            base = companies.loc[~companies["is_customer"].astype(bool), "true_fit"].mean()
            report.facts["prospect_precision"] = hits / max(1, min(config.top, len(scored)))
            echo(
                f"   model {result.model_name} v{result.model_version}; top {config.top}: "
                f"{hits} true lookalikes (precision {report.facts['prospect_precision']:.2f}, "
                f"base rate {base:.2f})"
            )
            for row in scored[:5]:
                terms = ", ".join(
                    str(t.get("term", t)) if isinstance(t, dict) else str(t)
                    for t in (row.get("shared_terms") or [])[:4]
                )
                echo(f"   #{row['rank']:>2} {row['domain']:<32} {row['score']:5.1f}  {terms}")

    with _step(report, "4. train the lifecycle model (LightGBM, MLflow, gate)", echo):
        _fit, training = train_lifecycle(
            events,
            transactions,
            stages=stages,
            tracking_uri=tracking_uri,
            data_source=str(world_dir),
        )
        report.facts["lifecycle"] = training.version
        m = training.metrics
        echo(f"   {training.summary()}")
        echo(
            f"   {'held-out accounts' if m.get('metrics_held_out') else 'validation'} on later "
            f"as-of dates: stage accuracy {m['stage_accuracy']:.3f}, "
            f"macro F1 {m['macro_f1']:.3f}, purchase AUC {m['purchase_auc']:.3f}, "
            f"grade-A lift {m['purchase_lift_grade_a']:.1f}, "
            + (
                f"churn AUC {m['churn_auc']:.3f}"
                if math.isfinite(m.get("churn_auc", math.nan))
                else "no churn model (too few churners)"
            )
        )

    with _step(report, "5. train the lead model on the CRM lead export (leads.csv)", echo):
        leads = load_lead_table(
            world_dir / "leads.csv", id_column="lead_id", target_column="converted"
        ).frame
        lead_config = LeadConfig(
            id_column="lead_id",
            target="converted",
            exclude=("account_id", "created_at"),
            post_outcome=("sales_status",),
        )
        lead_fit, lead_report = train_leads(
            leads, lead_config, tracking_uri=tracking_uri, data_source=str(world_dir)
        )
        for warning in lead_fit.warnings:
            echo(f"   warning: {warning}")
        echo(f"   {lead_report.summary()}")
        echo(
            f"   validation AUC {lead_fit.metrics['auc']:.3f}, "
            f"lift of grade A {lead_fit.metrics['lift_grade_a']:.2f}"
        )

    with _step(report, "6. start the API and call it over HTTP", echo):
        insert_events(engine, events)
        insert_transactions(engine, transactions)
        _http_part(settings, config, db_url, tracking_uri, companies, report, echo)

    return report


def _http_part(
    settings: Settings,
    config: DemoConfig,
    db_url: str,
    tracking_uri: str,
    companies: pd.DataFrame,
    report: DemoReport,
    echo: Echo,
) -> None:
    from serving.keys import Scope, create_key

    engine = open_database(db_url, migrate=False)
    key = create_key(engine, frozenset({Scope.CRM, Scope.SALES, Scope.ADMIN}), name="demo")
    port = config.api_port or _free_port()
    env = {
        **os.environ,
        "LEADSCOPE_DATABASE_URL": db_url,
        "MLFLOW_TRACKING_URI": tracking_uri,
        "LEADSCOPE_CRAWL_ALLOWED_NETWORKS": "127.0.0.0/8",  # the demo web, nothing else private
    }
    cmd = [sys.executable, "-m", "serving.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = settings.data_dir.resolve() / "demo-api.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key.token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"API did not become ready; its log: {log_path}")
                time.sleep(0.3)
            echo(f"   API ready at {base} (docs: {base}/docs)")
            # a few customers and a few prospects, so different stages show
            is_cust = companies["is_customer"].astype(bool)
            accounts = [
                *companies.loc[is_cust, "account_id"].astype(str).head(3),
                *companies.loc[~is_cust, "account_id"].astype(str).head(3),
            ]
            resp = client.post("/v1/score", json={"account_ids": accounts})
            resp.raise_for_status()
            for res in resp.json()["results"]:
                churn = "-" if res["p_churn"] is None else f"{res['p_churn']:.2f}"
                echo(
                    f"   {res['id']:<12} stage {res['stage']:<13} score {res['score']:5.1f} "
                    f"grade {res['grade']} p_churn {churn:>4} -> {res['campaign']}"
                )
            sample = pd.read_csv(settings.data_dir.resolve() / "demo-world" / "leads.csv").head(3)
            records = json.loads(sample.drop(columns=["converted"]).to_json(orient="records"))
            for rec in records:
                rec["id"] = rec.pop("lead_id")
            resp = client.post("/v1/score", json={"model": "leads", "records": records})
            resp.raise_for_status()
            for res in resp.json()["results"]:
                top = res["reasons"][0] if res.get("reasons") else {}
                echo(
                    f"   lead {res['id']:<12} score {res['score']:5.1f} grade {res['grade']} "
                    f"(top reason: {top.get('feature')}={top.get('value')})"
                )
            job = client.post("/v1/prospect-lists", json={"limit": 10})
            job.raise_for_status()
            url = job.json()["url"]
            deadline = time.monotonic() + 300
            while True:
                status = client.get(url).json()
                if status["status"] in ("succeeded", "failed"):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"prospect-list job still {status['status']} after 300 s")
                time.sleep(0.5)
            echo(f"   prospect-list job {status['status']}: {len(status.get('rows') or [])} rows")
            csv = client.get(url, headers={"Accept": "text/csv"})
            report.facts["api_csv_lines"] = len(csv.text.splitlines())
            echo(f"   CSV download: {report.facts['api_csv_lines']} lines")
            report.facts["api"] = json.dumps({"port": port})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()
