"""p_churn on a generated world with churners: the active-engagement churn label makes it exist."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoring.loaders import load_events, load_stages, load_transactions
from training.datasets import CHURN, StageRules, build_training_frame
from training.lifecycle import fit_lifecycle
from training.world import generate_world


def test_world_customers_get_p_churn(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=11, n_companies=420)
    ev = load_events(world / "events.csv").frame
    tx = load_transactions(world / "transactions.csv").frame
    stages = load_stages(world / "stages.csv").frame

    fit = fit_lifecycle(ev, tx, stages=stages)
    assert fit.scorer.churn_model is not None
    assert fit.metrics["churn_auc"] > 0.7
    valid = fit.valid_frame
    parts = fit.scorer.predict_parts(fit.scorer.frame_matrix(valid), contributions=False)
    customer = valid["is_customer"].to_numpy() > 0
    assert customer.any() and not np.isnan(parts["p_churn"][customer]).any()
    assert np.isnan(parts["p_churn"][~customer]).all()
    # churn labels come from churned-stage customers, not from the healthy ones
    churned = fit.frame[fit.frame[CHURN] == 1]
    assert (churned["stage"].isin(["churned", "at_risk"])).mean() > 0.5

    # counting passive events (opens, visits) as engagement leaves almost no churn label
    strict = build_training_frame(ev, tx, stages=stages, rules=StageRules(churn_passive_events=()))
    assert strict[CHURN].sum() < 5 < fit.frame[CHURN].sum()
