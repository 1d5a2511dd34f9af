"""The generic lead model on a generated CRM export: columns, leakage warnings, scores."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from scoring.calibration import thresholds_from_scores
from scoring.leads import score_lead_table
from scoring.loaders import load_lead_table
from training.errors import TrainingInputError
from training.leads import (
    LeadConfig,
    cross_validate_leads,
    evaluate_leads,
    fit_leads,
    lead_parts,
    train_leads,
)
from training.registry import CHAMPION, alias_version


def _leads(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    source = rng.choice(["web", "referral", "event", "Select"], n, p=[0.4, 0.2, 0.2, 0.2])
    visits = rng.poisson(3, n)
    minutes = rng.exponential(10, n)
    z = -3.5 + 0.7 * visits + 0.08 * minutes + np.where(source == "referral", 1.5, 0.0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "source": source,
            "visits": visits.astype(str),
            "minutes": np.round(minutes, 1).astype(str),
            "email": [f"x{i}@example.com" for i in range(n)],  # id-like
            "status_after_call": np.where(y == 1, "won-ish", "lost-ish"),  # leaks the target
            "converted": y.astype(str),
        }
    )


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return load_lead_table(_leads(), id_column="lead_id", target_column="converted").frame


def test_fit_warns_about_leakage_and_id_columns(leads: pd.DataFrame) -> None:
    fit = fit_leads(leads, LeadConfig(id_column="lead_id", target="converted"))
    text = " ".join(fit.warnings)
    assert "'status_after_call' alone predicts the target" in text
    assert "'email' looks like an id" in text
    assert "email" not in fit.features


def test_honest_fit_scores_and_reasons(leads: pd.DataFrame) -> None:
    config = LeadConfig(
        id_column="lead_id", target="converted", post_outcome=("status_after_call",)
    )
    fit = fit_leads(leads, config)
    assert "status_after_call" not in fit.features
    assert any("filled after the outcome" in w for w in fit.warnings)
    assert fit.metrics["auc"] > 0.7 and fit.metrics["lift_grade_a"] > 1.3
    assert fit.scorer.categorical["source"] == ["event", "referral", "web"]  # Select = missing
    new = leads.head(5).copy()
    new.loc[0, "source"] = "podcast"  # unseen level: scored as missing
    table = score_lead_table(fit.scorer, new)
    assert list(table.columns) == ["lead_id", "score", "grade", "probability", "reasons"]
    reasons = json.loads(table["reasons"].iloc[1])
    assert reasons and {"feature", "value", "contribution"} == set(reasons[0])
    assert all(0 <= s <= 100 for s in table["score"])
    aucs = cross_validate_leads(leads, config, folds=3)
    assert len(aucs) == 3 and min(aucs) > 0.65


def test_bad_configs(leads: pd.DataFrame) -> None:
    with pytest.raises(TrainingInputError, match="no such column"):
        fit_leads(leads, LeadConfig(id_column="lead_id", target="converted", exclude=("nope",)))
    with pytest.raises(TrainingInputError, match="lacks the column"):
        fit_leads(leads, LeadConfig(id_column="lead_id", target="won"))


def test_train_leads_registers(leads: pd.DataFrame, mlflow_uri: str) -> None:
    config = LeadConfig(id_column="lead_id", target="converted", exclude=("status_after_call",))
    fit, report = train_leads(leads, config, tracking_uri=mlflow_uri)
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    assert report.promoted and alias_version(client, "leadscope-leads", CHAMPION) == "1"
    assert client.get_run(report.run_id).data.metrics["auc"] == pytest.approx(fit.metrics["auc"])


def test_metrics_come_from_validation_rows_that_tuned_nothing(leads: pd.DataFrame) -> None:
    """Early stopping, Platt scaling and grade thresholds use one half of the validation split;
    the metrics, plots and the gate's frame the other half."""
    config = LeadConfig(
        id_column="lead_id", target="converted", post_outcome=("status_after_call",)
    )
    fit = fit_leads(leads, config)
    m = fit.metrics
    assert m["metrics_held_out"] == 1.0
    assert m["n_tune_rows"] + m["n_test_rows"] == m["n_valid_rows"]
    assert 0.15 < m["n_valid_rows"] / len(leads) < 0.25 and m["n_test_rows"] > 100
    assert m["n_train_rows"] + m["n_valid_rows"] == len(leads)
    test_ids = set(fit.valid_frame["lead_id"])
    assert len(test_ids) == m["n_test_rows"]
    assert not test_ids & set(fit.train_frame["lead_id"])
    # the tuning rows are the validation rows that are neither trained on nor reported
    tune = leads[~leads["lead_id"].isin(test_ids | set(fit.train_frame["lead_id"]))]
    assert len(tune) == m["n_tune_rows"]
    # the grade thresholds come from the tuning rows' scores, not the reported rows'
    tune_scores = fit.scorer.predict_parts(fit.scorer.encode(tune), contributions=False)["score"]
    test_scores = fit.scorer.predict_parts(fit.scorer.encode(fit.valid_frame), contributions=False)[
        "score"
    ]
    assert fit.scorer.grades == thresholds_from_scores(tune_scores, config.grade_shares)
    assert fit.scorer.grades != thresholds_from_scores(test_scores, config.grade_shares)
    reported = evaluate_leads(fit.scorer, fit.valid_frame, "converted")
    assert m["auc"] == pytest.approx(reported["auc"])


def test_too_few_validation_leads_to_hold_out_fall_back_and_say_so(leads: pd.DataFrame) -> None:
    y = pd.to_numeric(leads["converted"])
    rare = pd.concat([leads[y == 1].head(40), leads[y == 0].head(400)], ignore_index=True)
    config = LeadConfig(
        id_column="lead_id", target="converted", post_outcome=("status_after_call",)
    )
    fit = fit_leads(rare, config)  # about 8 converted leads in the validation split
    assert fit.metrics["metrics_held_out"] == 0.0
    assert fit.metrics["n_tune_rows"] == fit.metrics["n_valid_rows"] > 0
    assert fit.metrics["n_test_rows"] == 0
    with pytest.raises(TrainingInputError, match="test_fraction must be in"):
        fit_leads(rare, replace(config, test_fraction=1.0))


def test_a_lead_keeps_its_side_when_the_export_grows(leads: pd.DataFrame) -> None:
    """The split hashes the lead id: a champion fitted on an earlier export never trained or
    tuned on the leads a challenger fitted on a larger export is measured on."""
    config = LeadConfig(id_column="lead_id", target="converted")
    y = pd.to_numeric(leads["converted"]).to_numpy()
    first = lead_parts(leads["lead_id"].head(1000), y[:1000], config)
    grown = lead_parts(leads["lead_id"], y, config)
    assert first[3] and grown[3]
    for old, new in zip(first[:3], grown[:3], strict=True):
        assert set(old) == set(new[new < 1000])  # every old lead on the same side
    assert not set(grown[2]) & (set(first[0]) | set(first[1]))


def test_gate_notes_a_champion_fitted_without_held_out_validation(
    leads: pd.DataFrame, mlflow_uri: str
) -> None:
    """A champion from before the held-out split (metrics_held_out 0) is re-scored partly on
    rows it tuned on: when it wins, the gate says so instead of passing it off as fair."""
    base = LeadConfig(id_column="lead_id", target="converted", exclude=("status_after_call",))
    weak = replace(base, num_boost_round=1, num_leaves=2)  # a worse challenger
    _, first = train_leads(leads, replace(base, test_fraction=0.0), tracking_uri=mlflow_uri)
    assert first.promoted
    _, second = train_leads(leads, weak, tracking_uri=mlflow_uri)
    assert not second.promoted
    assert any("fitted before held-out validation" in r for r in second.gate.reasons)
    assert "fitted before held-out validation" in second.summary()
    # a champion fitted with held-out validation gets no such note
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    _, third = train_leads(leads, base, tracking_uri=mlflow_uri)
    assert third.promoted and alias_version(client, "leadscope-leads", CHAMPION) == "3"
    _, fourth = train_leads(leads, weak, tracking_uri=mlflow_uri)
    assert not fourth.promoted
    assert not any("fitted before held-out validation" in r for r in fourth.gate.reasons)
