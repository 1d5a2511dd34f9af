"""Live processes: the periodic reload swaps a running server to a newly promoted @champion; a
registry that really goes away (its MLflow server stopped, the port closed) leaves the current
version serving and says so; ``leadscope serve --workers 2`` serves authenticated requests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from serving.db import open_database
from serving.keys import Scope, create_key

from .conftest import ModelStore, server_env
from .live import LiveServer, free_port, start_server

ROW = {"n_web_visit_30d": 3, "n_email_open_90d": 2}


def _start_mlflow_server(backend_uri: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", backend_uri,
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its uvicorn and job-runner children go down with it
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},  # noqa: E501
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mlflow server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    _stop_group(proc, signal.SIGKILL)
    raise AssertionError(f"mlflow server did not start:\n{log.read_text()[-3000:]}")


def _stop_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the MLflow server's whole process group (it forks uvicorn and a job runner)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(30)


def _key(env: dict[str, str], *scopes: Scope) -> str:
    """A key in the server's database, created in process (one CLI start less per test on
    busy cores; the CLI path has its own tests)."""
    engine = open_database(env["LEADSCOPE_DATABASE_URL"])
    try:
        return create_key(engine, frozenset(scopes)).token
    finally:
        engine.dispose()


def _wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s (last: {last!r})")


def test_periodic_reload_and_registry_going_away(model_store: ModelStore, tmp_path: Path) -> None:
    from mlflow import MlflowClient

    # the server reads the registry over HTTP from an MLflow server on a copy of the store
    # (the copy's alias changes stay out of the shared store)
    db = tmp_path / "registry.db"
    shutil.copy(model_store.uri.removeprefix("sqlite:///"), db)
    mlflow_proc, registry = _start_mlflow_server(f"sqlite:///{db.as_posix()}", tmp_path / "ml.log")
    server: LiveServer | None = None
    try:
        env = server_env(
            f"sqlite:///{(tmp_path / 'app.db').as_posix()}",
            model_store,
            MLFLOW_TRACKING_URI=registry,
            LEADSCOPE_API_MODELS="lifecycle",
            LEADSCOPE_MODEL_RELOAD_INTERVAL_SECONDS="0.5",
            LEADSCOPE_JOB_WORKERS="0",
            # a dead registry fails fast instead of MLflow's minutes of retries
            MLFLOW_HTTP_REQUEST_MAX_RETRIES="0",
            MLFLOW_HTTP_REQUEST_TIMEOUT="5",
        )
        token = _key(env, Scope.CRM, Scope.ADMIN)
        server = start_server(env, tmp_path / "server.log")
        pid = server.proc.pid
        with server.client(token) as api:
            first = api.post("/v1/score", json={"records": [ROW]}).json()["model"]["version"]

            # (a) promote a new version; the periodic check swaps to it without a restart
            # (promoted in the store the MLflow server reads: MLflow's REST API refuses a
            # second version of a logged model's `models:/m-...` source)
            store = f"sqlite:///{db.as_posix()}"
            client = MlflowClient(tracking_uri=store, registry_uri=store)
            name = "leadscope-lifecycle"
            current = client.get_model_version_by_alias(name, "champion")
            assert str(current.version) == first
            new = client.create_model_version(name, source=current.source, run_id=current.run_id)
            client.set_registered_model_alias(name, "champion", new.version)
            statuses: list[int] = []

            def swapped() -> bool:
                res = api.post("/v1/score", json={"records": [ROW]})
                statuses.append(res.status_code)
                return res.status_code == 200 and res.json()["model"]["version"] == str(new.version)

            _wait_for(swapped, 30, "the periodic swap")
            assert set(statuses) == {200}  # no request failed around the swap
            assert server.proc.poll() is None and server.proc.pid == pid

            # (b) the registry goes away for real: its port is closed
            _stop_group(mlflow_proc, signal.SIGTERM)
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{registry}/health", timeout=2)

            def reported() -> dict | None:
                model = api.get("/v1/models").json()["models"][0]
                return model if model["error"] else None

            model = _wait_for(reported, 30, "the reload error")
            assert model["version"] == str(new.version) and model["loaded"]
            assert model["error"].startswith("model registry unreachable"), model["error"]
            ready = api.get("/readyz")
            assert ready.status_code == 200  # still serving, and it says what is wrong
            assert ready.json()["models"][0]["error"]
            assert ready.json()["models"][0]["version"] == str(new.version)
            res = api.post("/v1/score", json={"records": [ROW]})
            assert res.status_code == 200 and res.json()["model"]["version"] == str(new.version)
            res = api.post("/v1/models/reload")
            assert res.status_code == 200 and res.json()["changed"] == []
            assert res.json()["models"][0]["error"]
    finally:
        if server is not None:
            server.stop()
        _stop_group(mlflow_proc, signal.SIGKILL)  # the children too, even if the parent is gone
    logs = server.logs()
    assert "Traceback" not in logs
    assert "still serving version" in logs


def test_serve_with_two_workers(model_store: ModelStore, tmp_path: Path) -> None:
    env = server_env(
        f"sqlite:///{(tmp_path / 'app.db').as_posix()}",
        model_store,
        LEADSCOPE_API_MODELS="lifecycle",
        LEADSCOPE_JOB_WORKERS="0",
    )
    token = _key(env, Scope.CRM)
    server = start_server(env, tmp_path / "server.log", args=("--workers", "2"))
    try:
        # /healthz answers as soon as one worker is up: wait for both to finish starting
        _wait_for(
            lambda: server.logs().count("Application startup complete") >= 2, 120, "two workers"
        )
        with server.client(token) as api:
            for _ in range(20):
                res = api.post("/v1/score", json={"records": [ROW]})
                assert res.status_code == 200, res.text
                assert res.json()["model"]["version"] == model_store.version
        with server.client() as anon:
            assert anon.post("/v1/score", json={"records": [ROW]}).status_code == 401
        logs = server.logs()
        assert logs.count("Started server process") >= 2
    finally:
        server.stop()
    assert "Traceback" not in logs
