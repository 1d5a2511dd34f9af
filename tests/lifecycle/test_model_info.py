"""Registered model versions carry a signature and an input example and load as pyfunc."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import get_model_info

from scoring.loaders import load_lead_table
from tests.lifecycle.test_leads import _leads
from training.leads import LeadConfig, train_leads
from training.lifecycle import LifecycleConfig, train_lifecycle
from training.synthetic import generate_history


def _check_version(name: str, version: str, inputs: list[str], outputs: set[str]) -> pd.DataFrame:
    uri = f"models:/{name}/{version}"
    info = get_model_info(uri)
    assert info.signature is not None
    assert info.signature.inputs.input_names() == inputs
    assert outputs <= set(info.signature.outputs.input_names())
    assert info.saved_input_example_info is not None
    model = mlflow.pyfunc.load_model(uri)
    example = model.input_example
    assert isinstance(example, pd.DataFrame) and list(example.columns) == inputs
    assert len(example) == 5
    out = model.predict(example)  # the signature is enforced on this call
    assert len(out) == 5
    return out


def test_lifecycle_version_has_signature_and_example(mlflow_uri: str) -> None:
    h = generate_history(200, days=520, seed=5)
    fit, report = train_lifecycle(
        h.events,
        h.transactions,
        tracking_uri=mlflow_uri,
        config=LifecycleConfig(num_boost_round=30),
    )
    out = _check_version(
        "leadscope-lifecycle",
        report.version,
        fit.scorer.feature_names,
        {"score", "grade", "stage", "p_purchase", "p_churn", "reasons", "campaign"},
    )
    # the input example is the head of the logged (held-out) validation frame
    direct = fit.scorer.score_frame(fit.test_frame[fit.scorer.feature_names].head(5))
    assert np.allclose(out["score"].to_numpy(float), [r["score"] for r in direct])


def test_leads_version_has_signature_and_example(mlflow_uri: str) -> None:
    leads = load_lead_table(_leads(800, seed=2), id_column="lead_id", target_column="converted")
    config = LeadConfig(id_column="lead_id", target="converted", exclude=("status_after_call",))
    fit, report = train_leads(leads.frame, config, tracking_uri=mlflow_uri)
    out = _check_version(
        "leadscope-leads", report.version, fit.features, {"score", "grade", "probability"}
    )
    assert out["probability"].between(0, 1).all()
