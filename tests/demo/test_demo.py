"""``leadscope demo`` end to end on a small world: every step runs for real and reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient


@pytest.mark.timeout(900)
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEADSCOPE_DATA_DIR": str(tmp_path / "data"),
        "LEADSCOPE_MODELS_DIR": str(tmp_path / "models"),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("LEADSCOPE_DATABASE_URL", None)
    res = subprocess.run(
        [sys.executable, "-m", "serving.cli", "demo", "--companies", "120", "--top", "10"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout
    for step in (
        "1. generate",
        "2. crawl",
        "3. lookalike",
        "4. train the lifecycle",
        "5. train the lead",
        "6. start the API",
    ):
        assert step in out, step
    assert "prospect-list job succeeded" in out
    assert "grade" in out and "stage" in out and "p_churn" in out
    assert "churn AUC" in out or "no churn model" in out
    assert "held-out accounts on later as-of dates" in out  # the demo world is large enough
    assert "Traceback" not in res.stderr
    # the models are registered in the local store under models/, with artifacts there too
    uri = f"sqlite:///{tmp_path / 'models' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in ("leadscope-lookalike", "leadscope-lifecycle", "leadscope-leads"):
        assert client.get_model_version_by_alias(name, "champion").version
    assert any((tmp_path / "models" / "artifacts").iterdir())
    assert not (tmp_path / "mlruns").exists()
    mlflow.set_tracking_uri(None)
