"""The generated demo world: stage accuracy and macro F1 against its ground truth, grade-A lift.

Generates the default demo world (``training.world.generate_world``, 420 companies, 24
months), trains the lifecycle models on events + transactions + stage snapshots (time-based
split: the latest as-of dates are the validation set) and reports the validation metrics.
Baselines in the same run: the majority stage, and the world's own check model
(``training.world.checks.stage_baseline``: LightGBM on monthly counts, last 6 months held out).

Churn: positives per split of the outcome models, the validation churn AUC, and the AUC among
the customers not already churned at the as-of date (most positives are customers that lapsed
before it and stay silent; the rest churn during the horizon).

Run: ``.venv/bin/python benchmarks/bench_lifecycle_world.py [--seed 7 11 8]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from scoring.loaders import load_events, load_stages, load_transactions
from training.datasets import CHURN, time_split
from training.lifecycle import LifecycleConfig, LifecycleFit, fit_lifecycle, outcome_split
from training.world import generate_world
from training.world.checks import stage_baseline


def churn_report(fit: LifecycleFit) -> None:
    config = LifecycleConfig()
    split = time_split(fit.frame, config.horizon_days, valid_fraction=config.valid_fraction)
    train, valid = outcome_split(fit.frame, split, config)
    y = fit.frame[CHURN].to_numpy(dtype=float, na_value=np.nan)
    print(
        f"churn labels (customers): train {int(np.nansum(y[train]))} positives of "
        f"{int((~np.isnan(y[train])).sum())}, validation {int(np.nansum(y[valid]))} of "
        f"{int((~np.isnan(y[valid])).sum())}"
    )
    if fit.scorer.churn_model is None:
        print("churn: no model (too few positives or negatives)")
        return
    print(f"churn within 90 days: AUC {fit.metrics['churn_auc']:.3f} on the validation rows")
    rows = fit.frame[valid].reset_index(drop=True)  # all labelled validation dates
    p = fit.scorer.predict_parts(fit.scorer.frame_matrix(rows), contributions=False)["p_churn"]
    yv = rows[CHURN].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(yv) & ~np.isnan(p)
    print(
        f"  on all {len(fit.frame.loc[valid, 'as_of'].unique())} outcome-validation dates (used "
        f"for early stopping and calibration): AUC {roc_auc_score(yv[known], p[known]):.3f}"
    )
    active = known & (rows["stage"].to_numpy() != "churned")
    n_pos = int(yv[active].sum())
    if 0 < n_pos < active.sum():
        auc = roc_auc_score(yv[active], p[active])
        print(
            f"  customers not churned at the as-of date: {n_pos} positives of "
            f"{int(active.sum())}, AUC {auc:.3f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, nargs="+", default=[7])
    args = parser.parse_args()
    for seed in args.seed:
        run(seed)
    return 0


def run(seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        summary = generate_world(world, seed=seed)
        print(
            f"world seed {seed}: {summary.n_companies} companies, {summary.n_customers} "
            f"customers, {summary.n_events:,} events, "
            f"{summary.n_transactions:,} transactions, {summary.months} months"
        )
        ev = load_events(world / "events.csv").frame
        tx = load_transactions(world / "transactions.csv").frame
        stages = load_stages(world / "stages.csv").frame
        started = time.perf_counter()
        fit = fit_lifecycle(ev, tx, stages=stages)
        seconds = time.perf_counter() - started
        check = stage_baseline(world)
    valid = fit.valid_frame
    majority = valid["stage"].value_counts(normalize=True).iloc[0]
    m = fit.metrics
    print(f"training (features + 3 models + calibration + evaluation): {seconds:.1f} s")
    print(f"validation: {int(m['n_valid_rows'])} account-dates on the latest as-of dates")
    print(
        f"stage accuracy {m['stage_accuracy']:.3f} (majority stage {majority:.3f}, "
        f"world check model {check.accuracy:.3f} on its own split)"
    )
    print(f"stage macro F1 {m['macro_f1']:.3f}")
    recalls = {k[7:]: round(v, 2) for k, v in m.items() if k.startswith("recall_")}
    print(f"recall per stage {recalls}")
    print(
        f"purchase within 90 days: AUC {m['purchase_auc']:.3f}, "
        f"lift of grade A {m['purchase_lift_grade_a']:.2f}, Brier {m['purchase_brier']:.3f}"
    )
    churn_report(fit)


if __name__ == "__main__":
    sys.exit(main())
