"""Prospect lists end to end: page store -> fit -> MLflow registry -> ranked, stored list; CLI."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import sqlalchemy as sa
from mlflow import MlflowClient

from crawling.records import PageRecord
from crawling.store import save_pages
from scoring.registry import load_model
from scoring.schema_accounts import companies
from scoring.schema_web import prospect_lists, term_profiles
from serving.db import make_engine, upgrade
from serving.tracking import ensure_experiments
from training.errors import TrainingInputError
from training.lookalike import MODEL_NAME
from training.prospect_lists import (
    ROW_COLUMNS,
    ProspectConfig,
    load_list,
    run_prospect_list,
    store_list,
    stored_customers,
    stored_domains,
)


@dataclass
class Store:
    engine: sa.Engine
    db_url: str
    tracking_uri: str
    tmp: Path
    customers: list[str]
    hidden: list[str]  # drives companies not among the customers
    others: list[str]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, world) -> Store:
    tmp = tmp_path_factory.mktemp("prospects")
    db_url = f"sqlite:///{(tmp / 'app.db').as_posix()}"
    engine = make_engine(db_url)
    upgrade(engine)
    save_pages(engine, [p for s in world for p in s.pages])
    french = PageRecord(
        domain="fr.example", url="https://fr.example/", main_text="Moteurs", language="fr"
    )
    save_pages(engine, [french])
    drives = [s.domain for s in world if s.industry == "drives"]
    tracking = f"sqlite:///{(tmp / 'mlflow.db').as_posix()}"
    ensure_experiments(tracking, tmp / "artifacts")
    yield Store(
        engine=engine,
        db_url=db_url,
        tracking_uri=tracking,
        tmp=tmp,
        customers=drives[:6],
        hidden=drives[6:],
        others=[s.domain for s in world if s.industry != "drives"],
    )
    mlflow.set_tracking_uri(None)
    engine.dispose()


@pytest.fixture(scope="module")
def result(store: Store):
    customers = [*store.customers, "ghost.example", "fr.example"]
    candidates = [*store.hidden, *store.others, "missing.example", store.customers[0]]
    return run_prospect_list(
        store.engine,
        customers,
        candidates,
        config=ProspectConfig(top=20),
        tracking_uri=store.tracking_uri,
    )


def test_list_ranks_hidden_lookalikes_first(store: Store, result) -> None:
    scored = [r for r in result.rows if r["score"] is not None]
    assert len(scored) == 20
    assert [r["rank"] for r in scored] == list(range(1, 21))
    scores = [r["score"] for r in scored]
    assert scores == sorted(scores, reverse=True)
    top = [r["domain"] for r in scored[: len(store.hidden)]]
    assert len(set(top) & set(store.hidden)) >= len(store.hidden) - 1
    first = scored[0]
    assert set(ROW_COLUMNS) <= set(first)
    assert first["nearest_customers"][0]["domain"] in store.customers
    assert first["shared_terms"] and first["segment"]
    assert first["legal_name"] and first["city"] and first["crawled_at"]
    assert first["language"] in ("de", "en")
    assert 0 <= first["score"] <= 100 and 0 < first["similarity"] <= 1


def test_bad_inputs_are_reported_not_dropped(store: Store, result) -> None:
    assert result.skipped_customers["ghost.example"] == "no pages stored"
    assert "languages: fr" in result.skipped_customers["fr.example"]
    by_domain = {r["domain"]: r for r in result.rows}
    assert by_domain["missing.example"]["score"] is None
    assert by_domain["missing.example"]["reason"] == "no pages stored"
    assert by_domain[store.customers[0]]["reason"] == "is one of the customers"
    assert result.n_candidates == len(store.hidden) + len(store.others) + 2


def test_list_and_profiles_are_stored(store: Store, result) -> None:
    rows = load_list(store.engine, result.list_id)
    assert [r["domain"] for r in rows] == [r["domain"] for r in result.rows]
    with store.engine.connect() as conn:
        meta = conn.execute(
            sa.select(prospect_lists).where(prospect_lists.c.id == result.list_id)
        ).one()
        n_profiles = conn.execute(
            sa.select(sa.func.count()).where(
                term_profiles.c.model_ref == f"{MODEL_NAME}/{result.model_version}"
            )
        ).scalar_one()
    assert meta.n_rows == len(result.rows) and meta.model_version == result.model_version
    assert meta.params["skipped_customers"]["ghost.example"] == "no pages stored"
    assert n_profiles == len(store.customers) + len(store.hidden) + len(store.others)


def test_model_is_logged_registered_and_loadable_alone(store: Store, result) -> None:
    client = MlflowClient(tracking_uri=store.tracking_uri, registry_uri=store.tracking_uri)
    champion = client.get_model_version_by_alias(MODEL_NAME, "champion")
    assert str(champion.version) == result.model_version == "1"
    assert str(client.get_model_version_by_alias(MODEL_NAME, "challenger").version) == "1"
    run = client.get_run(champion.run_id)
    for metric in ("auc", "recall_at_10", "baseline_auc", "n_segments"):
        assert metric in run.data.metrics
    assert run.data.metrics["auc"] > 0.8
    assert run.inputs.dataset_inputs, "the data set is logged"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "segments")}
    assert artifacts == {"segments/segment_report.csv", "segments/segments.png"}
    exp = client.get_experiment(run.info.experiment_id)
    assert exp.name == "leadscope-lookalike"

    mlflow.set_registry_uri(store.tracking_uri)
    pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    assert pyfunc.metadata.signature is not None
    frame = pd.DataFrame(
        {
            "domain": ["a.example", "b.example"],
            "text": [
                "Antriebstechnik: Getriebe, Servomotoren und Kupplungen für den Maschinenbau.",
                "Unsere Bäckerei backt Brot, Brötchen und Kuchen mit Sauerteig.",
            ],
            "language": ["de", "de"],
        }
    )
    out = pyfunc.predict(frame)
    assert list(out["domain"]) == ["a.example", "b.example"]
    assert out["score"][0] > out["score"][1]
    assert json.loads(out["shared_terms"][0])[0]["term"]
    by_terms = pyfunc.predict(
        pd.DataFrame({"domain": ["c.example"], "terms": [["getriebe", "servomotoren"]]})
    )
    assert by_terms["score"][0] > out["score"][1]

    loaded = load_model(MODEL_NAME, "champion", tracking_uri=store.tracking_uri)
    report = loaded.scorer.segment_report()
    assert report["n_customers"].sum() == len(store.customers)


def test_filters_and_a_second_version(store: Store, result) -> None:
    again = run_prospect_list(
        store.engine,
        store.customers,
        None,  # every other stored domain
        config=ProspectConfig(top=3, min_score=50, languages=("en",)),
        tracking_uri=store.tracking_uri,
    )
    scored = [r for r in again.rows if r["score"] is not None]
    assert 0 < len(scored) <= 3
    assert all(r["language"] == "en" and r["score"] >= 50 for r in scored)
    assert again.model_version == "2"
    client = MlflowClient(tracking_uri=store.tracking_uri, registry_uri=store.tracking_uri)
    assert str(client.get_model_version_by_alias(MODEL_NAME, "challenger").version) == "2"
    # an ad-hoc customer list (e.g. any sales request) never moves the champion by default
    assert not again.promoted
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "1"
    third = run_prospect_list(
        store.engine,
        store.customers,
        None,
        config=ProspectConfig(top=3, promote=True),
        tracking_uri=store.tracking_uri,
    )
    assert third.promoted  # same data, same metrics: the gate lets it through
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "3"
    assert {r["domain"] for r in again.rows if r["reason"]} == {"fr.example"}


def test_too_few_customers_names_the_number(store: Store) -> None:
    with pytest.raises(
        TrainingInputError,
        match=r"at least 1 customer with usable pages, got 0 of 2 \(left out: ghost.example: "
        r"no pages stored; fr.example: no German or English pages",
    ):
        run_prospect_list(
            store.engine,
            ["ghost.example", "fr.example"],
            None,
            config=ProspectConfig(),
            tracking_uri=store.tracking_uri,
        )


def test_stored_sets_and_list_storage(db_engine: sa.Engine) -> None:
    with db_engine.begin() as conn:
        conn.execute(
            companies.insert(),
            [
                {"domain": "a.de", "is_customer": True},
                {"domain": "b.de", "is_customer": False},
                {"domain": "c.de", "is_customer": None},
            ],
        )
    assert stored_customers(db_engine) == ["a.de"]
    save_pages(db_engine, [PageRecord(domain="b.de", url="https://b.de/", main_text="x")])
    assert stored_domains(db_engine) == ["b.de"]
    rows = [
        {"rank": 1, "domain": "b.de", "score": 91.5, "shared_terms": [{"term": "getriebe"}]},
        {"rank": None, "domain": "x.de", "score": None, "reason": "no pages stored"},
    ]
    store_list(db_engine, "list-1", rows, MODEL_NAME, "7", {"top": 1})
    assert load_list(db_engine, "list-1") == [{**rows[0]}, {**rows[1]}]


def _cli(args: list[str], store: Store, monkeypatch, capsys) -> tuple[int, str, str]:
    """Run the CLI in this process (one import of spaCy/MLflow for all commands)."""
    from serving.cli import main

    monkeypatch.setenv("LEADSCOPE_DATABASE_URL", store.db_url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.tracking_uri)
    monkeypatch.setenv("LEADSCOPE_MODELS_DIR", str(store.tmp / "models"))
    monkeypatch.setenv("LEADSCOPE_DATA_DIR", str(store.tmp / "data"))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_cli_prospects_csv_json_segments_train(store: Store, result, monkeypatch, capsys) -> None:
    cust = store.tmp / "customers.csv"
    pd.DataFrame({"domain": store.customers, "crm_id": range(6)}).to_csv(cust, index=False)
    cands = store.tmp / "candidates.csv"
    pd.DataFrame({"domain": [*store.hidden, *store.others[:10], "missing.example"]}).to_csv(
        cands, index=False
    )
    out = store.tmp / "prospects.csv"
    args = ["prospects", "--customers", str(cust), "--candidates", str(cands), "--top", "5"]
    code, _, err = _cli([*args, "--out", str(out)], store, monkeypatch, capsys)
    assert code == 0, err
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(ROW_COLUMNS)
    assert frame["rank"].dropna().tolist() == [1, 2, 3, 4, 5]
    assert frame.loc[frame["domain"] == "missing.example", "reason"].item() == "no pages stored"
    assert "prospects ranked" in err

    code, stdout, err = _cli([*args, "--format", "json"], store, monkeypatch, capsys)
    assert code == 0, err
    payload = json.loads(stdout)
    assert payload["model"]["name"] == MODEL_NAME
    assert [r["rank"] for r in payload["rows"] if r["score"] is not None] == [1, 2, 3, 4, 5]

    code, stdout, err = _cli(["segments"], store, monkeypatch, capsys)
    assert code == 0, err
    assert "segment 0" in stdout and "differentiating" in stdout

    code, stdout, err = _cli(
        ["train", "lookalike", "--customers", str(cust)], store, monkeypatch, capsys
    )
    assert code == 0, err
    assert "registered as @challenger" in stdout and "6 customers" in stdout


def test_cli_bad_input_is_one_line_exit_2(store: Store, monkeypatch, capsys) -> None:
    bad = store.tmp / "bad.csv"
    pd.DataFrame({"url": ["a.de"]}).to_csv(bad, index=False)
    code, _, err = _cli(["prospects", "--customers", str(bad)], store, monkeypatch, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "'domain'" in err
    few = store.tmp / "few.csv"
    pd.DataFrame({"domain": ["ghost.example"]}).to_csv(few, index=False)
    code, _, err = _cli(["prospects", "--customers", str(few)], store, monkeypatch, capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("leadscope: error:")
    assert "at least 1 customer with usable pages, got 0 of 1" in err


def test_cli_one_customer_is_a_seed(store: Store, world, monkeypatch, capsys) -> None:
    """One customer is enough to rank lookalikes (the latent view carries the ranking); there
    is no hidden-customer evaluation, and the CLI says why instead of printing NaN."""
    language = {s.domain: s.language for s in world}
    one = store.tmp / "one.csv"
    pd.DataFrame({"domain": store.customers[:1]}).to_csv(one, index=False)
    cands = store.tmp / "one-candidates.csv"
    pd.DataFrame({"domain": [*store.hidden, *store.others]}).to_csv(cands, index=False)
    out = store.tmp / "one-prospects.csv"
    n = len(store.hidden)
    args = ["prospects", "--customers", str(one), "--candidates", str(cands), "--top", str(n)]
    code, _, err = _cli([*args, "--out", str(out)], store, monkeypatch, capsys)
    assert code == 0, err
    assert "no hidden-customer evaluation (it needs 2 customers)" in err
    assert err.count("1 customer: segments, nearest customers and the classifier rest on") == 1
    assert not re.search(r"\bnan\b", err, re.IGNORECASE)
    frame = pd.read_csv(out)
    top = frame.dropna(subset=["rank"])["domain"].tolist()
    assert len(top) == n
    # the drives makers writing in the customer's language come first (the others share no
    # words with it: each test site is written in one language)
    same = {d for d in store.hidden if language[d] == language[store.customers[0]]}
    assert len(same) >= 2
    assert set(top[: len(same)]) == same
