"""MLflow: runs with metrics, plots, data sets; registration, gate, promote, rollback."""

from __future__ import annotations

from dataclasses import replace

import pytest
from mlflow import MlflowClient

from scoring.registry import load_model
from training.errors import TrainingInputError
from training.lifecycle import DEFAULT_GATE, LifecycleConfig, train_lifecycle
from training.promotion import evaluate_against_champion, promote_version
from training.registry import CHALLENGER, CHAMPION, alias_version, rollback
from training.synthetic import generate_history
from training.tracking import validation_frame


def test_train_register_gate_promote_rollback(mlflow_uri: str) -> None:
    h = generate_history(300, days=560, seed=11)
    config = LifecycleConfig(num_boost_round=60)
    fit, first = train_lifecycle(h.events, h.transactions, tracking_uri=mlflow_uri, config=config)
    assert first.promoted and first.version == "1"
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    run = client.get_run(first.run_id)
    assert run.data.metrics["purchase_auc"] == pytest.approx(fit.metrics["purchase_auc"])
    assert "macro_f1" in run.data.metrics and "recall_retention" in run.data.metrics
    assert run.data.params["horizon_days"] == "90"
    assert {d.dataset.name for d in run.inputs.dataset_inputs} == {
        "leadscope-lifecycle-training",
        "leadscope-lifecycle-validation",
    }
    # the logged metrics come from the held-out accounts, and the logged validation frame (what
    # the gate and `leadscope evaluate` re-score) holds exactly those rows
    assert run.data.metrics["metrics_held_out"] == 1
    assert run.data.metrics["n_test_rows"] == fit.metrics["n_test_rows"] > 0
    logged = validation_frame(client, "leadscope-lifecycle", "1")
    assert len(logged) == len(fit.test_frame)
    assert set(logged["account_id"]) == set(fit.test_frame["account_id"])
    assert not set(logged["account_id"]) & set(fit.tune_frame["account_id"])
    plots = {a.path for a in client.list_artifacts(first.run_id, "plots")}
    assert "plots/confusion_stage.png" in plots and "plots/calibration_purchase.png" in plots

    # a gate nobody can pass keeps the champion; the new version is only the challenger
    strict = replace(DEFAULT_GATE, minimums={"purchase_auc": 0.999})
    _, second = train_lifecycle(
        h.events, h.transactions, tracking_uri=mlflow_uri, config=config, policy=strict
    )
    assert not second.promoted and second.champion_metrics is not None
    assert alias_version(client, "leadscope-lifecycle", CHAMPION) == "1"
    assert alias_version(client, "leadscope-lifecycle", CHALLENGER) == "2"
    loaded = load_model("leadscope-lifecycle", tracking_uri=mlflow_uri)
    assert loaded.version == "1" and loaded.scorer.score_frame(fit.valid_frame.head(2))

    evaluation = evaluate_against_champion("leadscope-lifecycle", mlflow_uri, None)
    assert evaluation.version == "2" and evaluation.champion_version == "1"
    assert "purchase_auc" in evaluation.table()
    # same data, same seed: the challenger is not worse, so the default gate passes
    assert evaluation.gate.passed, evaluation.gate.reasons
    target, _ = promote_version("leadscope-lifecycle", mlflow_uri)
    assert target == "2" and alias_version(client, "leadscope-lifecycle", CHAMPION) == "2"
    assert rollback(client, "leadscope-lifecycle") == "1"
    assert load_model("leadscope-lifecycle", tracking_uri=mlflow_uri).version == "1"
    with pytest.raises(TrainingInputError):
        promote_version("leadscope-lifecycle", mlflow_uri, "99")
