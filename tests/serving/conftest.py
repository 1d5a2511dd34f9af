"""Fixtures for the serving tests: a fake model source at the ModelSource seam (unit tests
only), an in-process app with its real database, and API keys."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from scoring.errors import ModelUnavailableError
from scoring.registry import LoadedModel
from serving.api.app import create_app
from serving.keys import Scope, create_key
from serving.settings import Settings

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its TestClient; httpx works and is what we ship
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FEATURES = ["visits", "opens", "revenue"]


class FakeScorer:
    """Scores rows as ``offset + visits`` (clipped to 0-100): enough to see which version ran."""

    feature_names = FEATURES

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def _one(self, row: np.ndarray) -> dict[str, Any]:
        visits = 0.0 if np.isnan(row[0]) else float(row[0])
        score = float(min(100.0, max(0.0, self.offset + visits)))
        return {
            "score": score,
            "grade": "A" if score >= 75 else "B" if score >= 50 else "C" if score >= 25 else "D",
            "stage": "interest",
            "stage_probabilities": {"interest": 0.7, "awareness": 0.3},
            "p_purchase": score / 100,
            "p_churn": 1 - score / 100,
            "reasons": [{"feature": "visits", "value": row[0], "contribution": visits / 10}],
            "campaign": "nurture",
        }

    def score_array(self, X: np.ndarray) -> list[dict[str, Any]]:
        return [self._one(row) for row in X]

    def score_frame(self, df: Any) -> list[dict[str, Any]]:
        X = df.apply(lambda s: s.map(lambda v: float(v) if isinstance(v, int | float) else np.nan))
        return self.score_array(X.to_numpy(dtype=float))


@dataclass
class FakeSource:
    """The ModelSource seam: versions set by the test; ``broken`` simulates failures."""

    version: str = "1"
    registry_down: bool = False
    load_fails: bool = False
    loads: int = 0

    def current_version(self, name: str, alias: str) -> str:
        if self.registry_down:
            raise ModelUnavailableError("model registry unreachable: connection refused")
        return self.version

    def load(self, name: str, alias: str) -> LoadedModel:
        if self.load_fails:
            raise ModelUnavailableError(f"model models:/{name}/{self.version} failed to load")
        self.loads += 1
        return LoadedModel(name, self.version, alias, FakeScorer(offset=float(self.version) * 10))


@pytest.fixture
def fake_source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def api_settings(sqlite_engine: sa.Engine) -> Settings:
    return Settings(
        database_url=sqlite_engine.url.render_as_string(hide_password=False),
        api_rate_limit_per_minute=600,
        api_max_body_bytes=200_000,
        api_key_cache_seconds=0.0,
        job_workers=0,  # jobs stay queued: a generated prospect list must never crawl
    )


@pytest.fixture
def client(api_settings: Settings, fake_source: FakeSource) -> Iterator[TestClient]:
    app = create_app(api_settings, model_source=fake_source)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys(sqlite_engine: sa.Engine) -> dict[str, dict[str, str]]:
    """Authorization headers by role: crm, sales, admin, all."""
    roles = {
        "crm": {Scope.CRM},
        "sales": {Scope.SALES},
        "admin": {Scope.ADMIN},
        "all": {Scope.CRM, Scope.SALES, Scope.ADMIN},
    }
    return {
        role: {"Authorization": f"Bearer {create_key(sqlite_engine, frozenset(s), role).token}"}
        for role, s in roles.items()
    }


# -- real models in a real MLflow store (integration tests) ----------------------------------


@dataclass
class ModelStore:
    """A temp MLflow store holding a small real lifecycle model registered as @champion."""

    uri: str
    version: str
    events: Any  # the synthetic history the model was trained on
    transactions: Any


def _lead_table(n: int = 1200, seed: int = 0) -> Any:
    """A CRM lead export with a categorical source, counts as text and a 0/1 target."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    source = rng.choice(["web", "referral", "event", "Select"], n, p=[0.4, 0.2, 0.2, 0.2])
    visits = rng.poisson(3, n)
    z = -3.0 + 0.7 * visits + np.where(source == "referral", 1.5, 0.0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "source": source,
            "visits": visits.astype(str),
            "converted": y.astype(str),
        }
    )


@pytest.fixture(scope="session")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelStore]:
    import mlflow

    from scoring.loaders import load_lead_table
    from serving.tracking import ensure_experiments
    from training.leads import LeadConfig, train_leads
    from training.lifecycle import LifecycleConfig, train_lifecycle
    from training.synthetic import generate_history

    root = tmp_path_factory.mktemp("mlstore")
    uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
    ensure_experiments(uri, root / "artifacts")
    history = generate_history(200, seed=3, days=400)
    _, report = train_lifecycle(
        history.events,
        history.transactions,
        tracking_uri=uri,
        config=LifecycleConfig(num_boost_round=40),
    )
    assert report.promoted, report.summary()
    _, lead_report = train_leads(
        load_lead_table(_lead_table(), id_column="lead_id", target_column="converted").frame,
        LeadConfig(id_column="lead_id", target="converted", num_boost_round=60),
        tracking_uri=uri,
    )
    assert lead_report.promoted, lead_report.summary()
    yield ModelStore(uri, report.version, history.events, history.transactions)
    mlflow.set_tracking_uri(None)


def server_env(db_url: str, store: ModelStore, **extra: str) -> dict[str, str]:
    """Environment for a live server process on ``db_url`` serving the store's models."""
    return {
        "LEADSCOPE_DATABASE_URL": db_url,
        "MLFLOW_TRACKING_URI": store.uri,
        "LEADSCOPE_API_MODELS": "lifecycle,leads",
        "LEADSCOPE_API_RATE_LIMIT_PER_MINUTE": "1000000",
        **extra,
    }


@pytest.fixture(scope="session")
def sqlite_server(model_store: ModelStore, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One live server on SQLite shared by the integration tests (job workers off: queued
    prospect-list jobs are never crawled). Yields ``(server, token with every scope, env)``."""
    from .live import cli, start_server

    root = tmp_path_factory.mktemp("live")
    env = server_env(
        f"sqlite:///{(root / 'app.db').as_posix()}", model_store, LEADSCOPE_JOB_WORKERS="0"
    )
    token = cli(["keys", "create", "--scopes", "crm,sales,admin"], env).strip()
    server = start_server(env, root / "server.log")
    yield server, token, env
    server.stop()
