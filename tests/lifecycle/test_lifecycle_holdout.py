"""The lifecycle metrics come from held-out accounts, not from the rows that tuned the models.

The validation dates are split by account (a hash of the id): one part tunes (early stopping,
calibration, grade thresholds), the other gives the metrics and plots. Tiny data fall back to
in-sample metrics, flagged by ``metrics_held_out`` = 0. Churn is also measured among the
customers still active at the as-of date.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from scoring.calibration import thresholds_from_scores
from scoring.features import EVENT_TYPES, OTHER
from training.datasets import CHURN, PURCHASE, PURCHASE_DAYS, build_training_frame, time_split
from training.errors import TrainingInputError
from training.evaluation import active_customers, holdout_accounts
from training.lifecycle import (
    LifecycleConfig,
    evaluate_lifecycle,
    fit_lifecycle_frame,
    outcome_split,
    validation_parts,
)
from training.synthetic import generate_history

CONFIG = LifecycleConfig(num_boost_round=80)


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    h = generate_history(300, days=640, seed=7)
    return build_training_frame(h.events, h.transactions)


def test_tune_and_test_parts_are_disjoint_by_account(lifecycle_fit) -> None:
    fit, m = lifecycle_fit, lifecycle_fit.metrics
    assert LifecycleConfig().test_fraction == 0.5 and "test_fraction" in LifecycleConfig().params()
    assert fit.held_out and m["metrics_held_out"] == 1 and m["churn_metrics_held_out"] == 1
    tune, test = fit.tune_mask, fit.test_mask
    assert not (tune & test).any() and np.array_equal(tune | test, fit.valid_mask)
    assert m["n_tune_rows"] == tune.sum() > 0 and m["n_test_rows"] == test.sum() > 0
    assert m["n_tune_rows"] + m["n_test_rows"] == m["n_valid_rows"] == fit.valid_mask.sum()
    tune_ids, test_ids = set(fit.tune_frame["account_id"]), set(fit.test_frame["account_id"])
    assert not tune_ids & test_ids
    assert 0.35 < len(test_ids) / len(tune_ids | test_ids) < 0.65  # about half (test_fraction)
    # the side is a function of the account id alone: the same in any frame, at any date
    ids = fit.frame.loc[fit.valid_mask, "account_id"]
    assert np.array_equal(holdout_accounts(ids, 0.5), test[fit.valid_mask])
    assert np.array_equal(holdout_accounts(ids.iloc[::-1], 0.5)[::-1], test[fit.valid_mask])


def test_metrics_and_grades_come_from_their_own_parts(lifecycle_fit) -> None:
    fit = lifecycle_fit
    scorer = fit.scorer
    held_out = evaluate_lifecycle(scorer, fit.test_frame)
    for key in ("stage_accuracy", "macro_f1", "purchase_auc", "purchase_brier", "churn_auc"):
        assert fit.metrics[key] == pytest.approx(held_out[key])
    # grade cut-offs are quantiles of the tuning rows' scores, not of all validation rows
    tune_scores = scorer.predict_parts(scorer.frame_matrix(fit.tune_frame), contributions=False)
    assert scorer.grades == thresholds_from_scores(tune_scores["score"], (0.15, 0.25, 0.30))
    all_scores = scorer.predict_parts(scorer.frame_matrix(fit.valid_frame), contributions=False)
    assert scorer.grades != thresholds_from_scores(all_scores["score"], (0.15, 0.25, 0.30))


def _corrupt(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Flip the outcomes and rotate the stages of ``rows``."""
    out = frame.copy()
    for column in (PURCHASE, CHURN):
        y = out[column].to_numpy(dtype=float, na_value=np.nan)
        out[column] = np.where(rows, 1 - y, y)
    days = out[PURCHASE_DAYS].to_numpy(dtype=float, na_value=np.nan)
    out[PURCHASE_DAYS] = np.where(rows, np.where(days > 0, 0.0, 1.0), days)
    stages = sorted(set(out["stage"]))
    rotated = out["stage"].map({s: stages[(i + 1) % len(stages)] for i, s in enumerate(stages)})
    out["stage"] = np.where(rows, rotated, out["stage"])
    return out


def test_held_out_labels_do_not_change_the_models(small_frame: pd.DataFrame) -> None:
    """Scrambling the labels of the held-out rows leaves every model, calibration and grade
    cut-off as it was and moves only the metrics (before the split it changed early stopping,
    calibration and the thresholds)."""
    fit = fit_lifecycle_frame(small_frame, CONFIG)
    assert fit.held_out
    scrambled = fit_lifecycle_frame(_corrupt(small_frame, fit.test_mask), CONFIG)
    assert np.array_equal(scrambled.test_mask, fit.test_mask)
    a, b = fit.scorer, scrambled.scorer
    assert a.purchase_calibration == b.purchase_calibration
    assert a.churn_calibration == b.churn_calibration
    assert a.stage_calibration == b.stage_calibration and a.grades == b.grades
    X = a.frame_matrix(small_frame)
    pa, pb = (s.predict_parts(X, contributions=False) for s in (a, b))
    for key in ("p_purchase", "p_churn", "stage_probabilities"):
        assert np.array_equal(pa[key], pb[key], equal_nan=True)
    assert scrambled.metrics["purchase_auc"] < 0.5 < fit.metrics["purchase_auc"]
    assert scrambled.metrics["stage_accuracy"] < 0.2 < fit.metrics["stage_accuracy"]

    # the tuning rows' labels do move the models (the scrambling reaches what it should)
    tuned = fit_lifecycle_frame(_corrupt(small_frame, fit.tune_mask), CONFIG)
    assert tuned.scorer.purchase_calibration != a.purchase_calibration


def test_no_held_out_part_falls_back_to_in_sample_metrics(small_frame: pd.DataFrame) -> None:
    fit = fit_lifecycle_frame(small_frame, replace(CONFIG, test_fraction=0.0))
    m = fit.metrics
    assert not fit.held_out and m["metrics_held_out"] == 0 and m["churn_metrics_held_out"] == 0
    assert m["n_tune_rows"] == m["n_valid_rows"] and m["n_test_rows"] == 0
    assert np.array_equal(fit.tune_mask, fit.valid_mask)
    assert np.array_equal(fit.test_mask, fit.valid_mask)
    assert m["purchase_auc"] == pytest.approx(
        evaluate_lifecycle(fit.scorer, fit.valid_frame)["purchase_auc"]
    )


def test_too_few_labels_in_a_part_fall_back(small_frame: pd.DataFrame) -> None:
    split = time_split(small_frame, 90)
    _, o_va = outcome_split(small_frame, split, CONFIG)
    tunes, held = validation_parts(small_frame, split.valid, o_va, CONFIG)
    assert held and 0 < (tunes & split.valid).sum() < split.valid.sum()
    # nearly every account held out: the tuning part has too few purchase labels
    tunes, held = validation_parts(
        small_frame, split.valid, o_va, replace(CONFIG, test_fraction=0.995)
    )
    assert not held and tunes.all()
    # on the validation dates, 40 tuning accounts and one held-out account (fewer than five
    # purchase labels): no split, yet a fit with in-sample metrics
    accounts = pd.Series(small_frame["account_id"].unique())
    side = holdout_accounts(accounts, CONFIG.test_fraction)
    chosen = [*accounts[~side][:40], *accounts[side][:1]]
    later = split.valid | o_va
    keep = small_frame["account_id"].isin(chosen).to_numpy() | ~later
    tiny = small_frame[keep].reset_index(drop=True)
    fit = fit_lifecycle_frame(tiny, CONFIG)
    assert not fit.held_out and fit.metrics["metrics_held_out"] == 0
    assert fit.metrics["n_tune_rows"] == fit.metrics["n_valid_rows"]
    # enough purchase labels on the outcome-validation dates, but the held-out rows on the
    # stage-validation dates (here: the last of them, where the metrics are read) are all
    # negatives: no split
    side_rows = holdout_accounts(small_frame["account_id"], CONFIG.test_fraction)
    as_of = small_frame["as_of"]
    valid = o_va & (as_of == as_of[o_va].max()).to_numpy()
    one_class = small_frame.copy()
    read = valid & side_rows & one_class[PURCHASE].notna().to_numpy()
    assert read.any()
    one_class.loc[read, PURCHASE] = 0.0
    y = one_class[PURCHASE].to_numpy(dtype=float, na_value=np.nan)
    tuned = o_va & side_rows & ~np.isnan(y)
    assert min(y[tuned].sum(), (1 - y[tuned]).sum()) >= 5  # the outcome dates alone would split
    assert validation_parts(small_frame, valid, o_va, CONFIG)[1]
    assert not validation_parts(one_class, valid, o_va, CONFIG)[1]
    for bad in (1.0, -0.1):
        with pytest.raises(TrainingInputError, match="test_fraction"):
            validation_parts(small_frame, split.valid, o_va, replace(CONFIG, test_fraction=bad))


def test_churn_short_on_the_tuning_accounts_is_tuned_on_all(small_frame: pd.DataFrame) -> None:
    """No churn positive among the tuning accounts' validation rows, some held out: the churn
    model is tuned on all validation accounts and its metrics are flagged in-sample; the
    other models keep the split."""
    split = time_split(small_frame, 90)
    _, o_va = outcome_split(small_frame, split, CONFIG)
    tunes = ~holdout_accounts(small_frame["account_id"], CONFIG.test_fraction)
    frame = small_frame.copy()
    y = frame[CHURN].to_numpy(dtype=float, na_value=np.nan)
    assert np.nansum(y[o_va & ~tunes]) >= 5
    frame[CHURN] = np.where(o_va & tunes & ~np.isnan(y), 0.0, y)
    fit = fit_lifecycle_frame(frame, CONFIG)
    assert fit.held_out and fit.scorer.churn_model is not None
    assert fit.metrics["metrics_held_out"] == 1 and fit.metrics["churn_metrics_held_out"] == 0


def test_active_customers_mirror_the_churn_label() -> None:
    frame = pd.DataFrame(
        {
            "orders_total": [2, 2, 2, 2, 0, 1],
            "days_since_last_order": [30.0, 200.0, 200.0, 200.0, np.nan, np.nan],
            "days_since_email_open": [5.0, 5.0, 300.0, np.nan, 1.0, np.nan],
            "days_since_meeting": [np.nan, np.nan, 60.0, 90.0, 1.0, 10.0],
        }
    )
    types = ["email_open", "meeting"]
    active = active_customers(frame, 90, types, passive_events=("email_open",))
    # recent order; only a passive event; an active event; exactly the horizon ago (not
    # within it); a prospect (never active for churn); an order-less customer row with a meeting
    assert active.tolist() == [True, False, True, False, False, True]
    assert active_customers(frame, 90, types).tolist() == [True, True, True, False, False, True]


def test_churn_among_active_customers_on_a_real_fit(lifecycle_fit) -> None:
    fit, m = lifecycle_fit, lifecycle_fit.metrics
    test = fit.test_frame
    p = fit.scorer.predict_parts(fit.scorer.frame_matrix(test), contributions=False)["p_churn"]
    y = test[CHURN].to_numpy(dtype=float, na_value=np.nan)
    labelled = ~np.isnan(y) & ~np.isnan(p)
    passive = {"email_open", "web_visit", "page_view"}
    kinds = [t for t in (*EVENT_TYPES, OTHER) if t not in passive]
    recent = ["days_since_last_order", *(f"days_since_{t}" for t in kinds)]
    by_hand = labelled & (test["orders_total"].to_numpy() > 0)
    by_hand &= (test[recent].fillna(np.inf).to_numpy() < 90).any(axis=1)
    assert m["churn_active_rows"] == by_hand.sum() > 0
    assert m["churn_active_positives"] == y[by_hand].sum() >= 5
    # fewer positives than all churners: the lapsed ones (no recent activity) are left out
    assert m["churn_active_positives"] < np.nansum(y[labelled])
    assert 0.6 < m["churn_active_auc"] <= 1.0
    # fewer than five active positives: counts, no AUC
    few = test[~(by_hand & (y == 1))].copy()
    keep = np.flatnonzero(by_hand & (y == 1))[:3]
    few = pd.concat([few, test.iloc[keep]], ignore_index=True)
    small = evaluate_lifecycle(fit.scorer, few)
    assert small["churn_active_positives"] == 3 and "churn_active_auc" not in small
    assert "churn_auc" in small
