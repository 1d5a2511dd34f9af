"""The generated demo world through ``mlflow run . -e train_lifecycle --env-manager local``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from training.registry import CHAMPION, alias_version
from training.world import generate_world

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_mlflow_run_trains_on_the_world(tmp_path: Path, mlflow_uri: str) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=3, n_companies=120)
    bin_dir = str(Path(sys.executable).parent)
    inherited = {  # an experiment or run chosen by earlier tests must not leak into mlflow run
        k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_EXPERIMENT", "MLFLOW_RUN"))
    }
    env = {
        **inherited,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": mlflow_uri,
        "LEADSCOPE_MODELS_DIR": str(tmp_path / "models"),
    }
    params = []
    for name in ("transactions", "events", "stages"):
        params += ["-P", f"{name}={world / f'{name}.csv'}"]
    res = subprocess.run(
        [
            str(Path(bin_dir) / "mlflow"),
            "run",
            str(REPO),
            "-e",
            "train_lifecycle",
            "--env-manager",
            "local",
            "--experiment-name",
            "leadscope-lifecycle",
            *params,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    version = alias_version(client, "leadscope-lifecycle", CHAMPION)
    assert version == "1"
    run = client.get_run(client.get_model_version("leadscope-lifecycle", version).run_id)
    assert run.data.params["transactions"].endswith("transactions.csv")  # the project's run
    metrics = run.data.metrics
    # stages against the world's ground-truth snapshots, above the majority class
    stages = pd.read_csv(world / "stages.csv")
    majority = stages["stage"].value_counts(normalize=True).iloc[0]
    assert metrics["stage_accuracy"] > majority
    assert metrics["purchase_auc"] > 0.75
