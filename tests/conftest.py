"""Shared fixtures: real SQLite and PostgreSQL databases, a real MLflow store in a temp dir."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from serving.db import make_engine, upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "LEADSCOPE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("LEADSCOPE_REQUIRE_POSTGRES") == "1"


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data; skips the test (fails under CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data missing: {path}")
        pytest.skip(f"shared data missing: {path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'leadscope.db').as_posix()}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_admin_engine() -> sa.Engine | None:
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL required (LEADSCOPE_REQUIRE_POSTGRES=1) but unreachable: {exc}"
            )
        return None
    return engine


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards (runs cannot collide)."""
    admin = _postgres_admin_engine()
    if admin is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}; set LEADSCOPE_TEST_POSTGRES_URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Parametrised over both engines: a test using it runs on SQLite and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def db_engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def mlflow_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real MLflow tracking + registry store (SQLite) in a temp dir.

    The working directory moves to the temp dir too: MLflow puts the artifacts of experiments
    created without a location under ``./mlruns``, which must not land in the repository.
    """
    import mlflow

    monkeypatch.chdir(tmp_path)
    # forget an active experiment or run left by another test's store
    while mlflow.active_run() is not None:
        mlflow.end_run()
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None, raising=False)
    uri = f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    yield uri
    mlflow.set_tracking_uri(None)
