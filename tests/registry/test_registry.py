"""Registry aliases on a real MLflow store: challenger, gate, promote, rollback, load by alias."""

from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient

from scoring.errors import ModelUnavailableError
from scoring.registry import load_model
from training.errors import TrainingInputError
from training.registry import (
    CHALLENGER,
    CHAMPION,
    GatePolicy,
    alias_version,
    check_gate,
    promote,
    register_challenger,
    rollback,
)


class Constant(mlflow.pyfunc.PythonModel):
    def __init__(self, value: float) -> None:
        self.value = value

    def predict(self, context, model_input, params=None):
        return [self.value] * len(model_input)


def _log(value: float) -> str:
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="model", python_model=Constant(value), pip_requirements=["mlflow"]
        )
    return info.model_uri


def test_gate_minimums_and_champion_comparison() -> None:
    policy = GatePolicy(minimums={"auc": 0.7}, compare={"auc": True, "log_loss": False})
    assert check_gate(policy, {"auc": 0.8, "log_loss": 0.5}, None).passed
    low = check_gate(policy, {"auc": 0.6, "log_loss": 0.5}, None)
    assert not low.passed and "minimum" in low.reasons[0]
    worse = check_gate(policy, {"auc": 0.8, "log_loss": 0.6}, {"auc": 0.8, "log_loss": 0.5})
    assert not worse.passed and "log_loss" in worse.reasons[0]
    within = check_gate(policy, {"auc": 0.798, "log_loss": 0.5}, {"auc": 0.8, "log_loss": 0.5})
    assert within.passed


def test_register_promote_rollback_and_load(mlflow_uri: str) -> None:
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    with pytest.raises(ModelUnavailableError):
        load_model("demo-model", tracking_uri=mlflow_uri)
    v1 = register_challenger(client, "demo-model", _log(1.0))
    assert alias_version(client, "demo-model", CHALLENGER) == v1
    assert alias_version(client, "demo-model", CHAMPION) is None
    assert promote(client, "demo-model") == v1
    v2 = register_challenger(client, "demo-model", _log(2.0))
    assert alias_version(client, "demo-model", CHAMPION) == v1  # registering never promotes
    promote(client, "demo-model", v2)
    loaded = load_model("demo-model", tracking_uri=mlflow_uri)
    assert (loaded.version, loaded.alias) == (v2, CHAMPION)
    assert loaded.scorer.value == 2.0
    assert rollback(client, "demo-model") == v1
    assert load_model("demo-model", tracking_uri=mlflow_uri).scorer.value == 1.0
    with pytest.raises(TrainingInputError):
        promote(client, "demo-model", "99")
