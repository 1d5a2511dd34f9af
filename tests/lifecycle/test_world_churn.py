"""p_churn on the default generated world (the one ``leadscope demo`` uses): its customers churn
steadily, so the churn model is fitted and scores customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.loaders import load_events, load_stages, load_transactions
from training.datasets import CHURN, StageRules, build_training_frame, time_split
from training.lifecycle import LifecycleConfig, fit_lifecycle, outcome_split
from training.world import generate_world

MIN_POSITIVES = 10  # per split; the fit itself needs 5


@pytest.fixture(scope="module")
def default_world_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    world = tmp_path_factory.mktemp("world")
    generate_world(world)  # the defaults: seed 7, 420 companies, 24 months
    return {
        "events": load_events(world / "events.csv").frame,
        "transactions": load_transactions(world / "transactions.csv").frame,
        "stages": load_stages(world / "stages.csv").frame,
    }


def test_default_world_customers_get_p_churn(default_world_inputs: dict[str, pd.DataFrame]) -> None:
    ev, tx, stages = (default_world_inputs[k] for k in ("events", "transactions", "stages"))
    fit = fit_lifecycle(ev, tx, stages=stages)
    assert fit.scorer.churn_model is not None

    # enough churners on the training and on the validation dates, not just the minimum
    config = LifecycleConfig()
    split = time_split(fit.frame, config.horizon_days, valid_fraction=config.valid_fraction)
    train, valid = outcome_split(fit.frame, split, config)
    y = fit.frame[CHURN].to_numpy(dtype=float, na_value=np.nan)
    assert np.nansum(y[train]) >= MIN_POSITIVES and np.nansum(y[valid]) >= MIN_POSITIVES
    assert np.nansum(1 - y[train]) >= MIN_POSITIVES and np.nansum(1 - y[valid]) >= MIN_POSITIVES

    assert fit.metrics["churn_auc"] > 0.75  # well above chance on the validation rows
    valid_frame = fit.valid_frame
    parts = fit.scorer.predict_parts(fit.scorer.frame_matrix(valid_frame), contributions=False)
    customer = valid_frame["is_customer"].to_numpy() > 0
    assert customer.any() and not np.isnan(parts["p_churn"][customer]).any()
    assert np.isnan(parts["p_churn"][~customer]).all()
    # churners get higher p_churn than the customers who stay (on the labelled validation rows)
    labelled = customer & valid_frame[CHURN].notna().to_numpy()
    churned = valid_frame[CHURN].to_numpy() == 1
    assert (
        parts["p_churn"][labelled & churned].mean() > parts["p_churn"][labelled & ~churned].mean()
    )
    # churn labels come from churned and at-risk customers, not from the healthy ones
    positives = fit.frame[fit.frame[CHURN] == 1]
    assert positives["stage"].isin(["churned", "at_risk"]).mean() > 0.8


def test_passive_events_do_not_hide_churners(default_world_inputs: dict[str, pd.DataFrame]) -> None:
    """Churned customers still open some mail and visit the site: counting those as engagement
    (the strict label) keeps a fraction of the churners than the active-engagement label."""
    ev, tx, stages = (default_world_inputs[k] for k in ("events", "transactions", "stages"))
    active = build_training_frame(ev, tx, stages=stages)
    strict = build_training_frame(ev, tx, stages=stages, rules=StageRules(churn_passive_events=()))
    assert active[CHURN].sum() >= 50
    assert strict[CHURN].sum() < 0.25 * active[CHURN].sum()
