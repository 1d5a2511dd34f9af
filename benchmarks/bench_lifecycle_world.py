"""The generated demo world: stage accuracy and macro F1 against its ground truth, grade-A lift.

Generates the default demo world (``training.world.generate_world``, 420 companies, 24
months), trains the lifecycle models on events + transactions + stage snapshots (time-based
split: the latest as-of dates are the validation set) and reports the validation metrics.
Baselines in the same run: the majority stage, and the world's own check model
(``training.world.checks.stage_baseline``: LightGBM on monthly counts, last 6 months held out).

Metrics come from the held-out accounts of the validation dates (``fit.test_frame``; the other
accounts tune: early stopping, calibration, grade thresholds); the same metrics on the tuning
rows (in-sample) are printed beside them.

Churn: positives per split of the outcome models, the held-out churn AUC, and the AUC among the
customers still active at the as-of date (an order or an active interaction in the horizon
before it; most positives are customers that lapsed before the as-of date and stay silent, the
rest churn during the horizon). That AUC is reported only with at least 5 positives.

Run: ``.venv/bin/python benchmarks/bench_lifecycle_world.py [--seed 7 11 8]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from scoring.loaders import load_events, load_stages, load_transactions
from training.datasets import CHURN, time_split
from training.evaluation import holdout_accounts
from training.lifecycle import (
    LifecycleConfig,
    LifecycleFit,
    evaluate_lifecycle,
    fit_lifecycle,
    outcome_split,
)
from training.world import generate_world
from training.world.checks import stage_baseline


def churn_report(fit: LifecycleFit, tuning: dict[str, float]) -> None:
    config = LifecycleConfig()
    split = time_split(fit.frame, config.horizon_days, valid_fraction=config.valid_fraction)
    train, valid = outcome_split(fit.frame, split, config)
    y = fit.frame[CHURN].to_numpy(dtype=float, na_value=np.nan)
    tunes = holdout_accounts(fit.frame["account_id"], config.test_fraction)
    tunes = ~tunes if fit.held_out else np.ones(len(y), dtype=bool)

    def count(rows: np.ndarray) -> str:
        return f"{int(np.nansum(y[rows]))} of {int((~np.isnan(y[rows])).sum())}"

    print(
        f"churn labels (customers, positives of labelled): train {count(train)}, "
        f"outcome validation {count(valid)} (tuning accounts {count(valid & tunes)}, "
        f"held-out accounts {count(valid & ~tunes)})"
    )
    if fit.scorer.churn_model is None:
        print("churn: no model (too few positives or negatives)")
        return
    m = fit.metrics
    print(
        f"churn within 90 days: AUC {m['churn_auc']:.3f} held out "
        f"({tuning.get('churn_auc', float('nan')):.3f} on the tuning rows, in-sample; "
        f"churn_metrics_held_out {int(m['churn_metrics_held_out'])})"
    )
    for name, metrics in (("held out", m), ("tuning rows", tuning)):
        auc = metrics.get("churn_active_auc")
        print(
            f"  customers active at the as-of date, {name}: "
            f"{int(metrics.get('churn_active_positives', 0))} positives of "
            f"{int(metrics.get('churn_active_rows', 0))}, "
            + (f"AUC {auc:.3f}" if auc is not None else "too few positives for an AUC")
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
    test = fit.test_frame
    majority = test["stage"].value_counts(normalize=True).iloc[0]
    m = fit.metrics
    tuning = evaluate_lifecycle(fit.scorer, fit.tune_frame)
    print(f"training (features + 3 models + calibration + evaluation): {seconds:.1f} s")
    print(
        f"validation: {int(m['n_valid_rows'])} account-dates on the latest as-of dates, "
        f"{int(m['n_tune_rows'])} tuning, {int(m['n_test_rows'])} held out "
        f"(metrics_held_out {int(m['metrics_held_out'])}); in-sample on the tuning rows in ()"
    )
    print(
        f"stage accuracy {m['stage_accuracy']:.3f} ({tuning['stage_accuracy']:.3f}; majority "
        f"stage {majority:.3f}, world check model {check.accuracy:.3f} on its own split)"
    )
    print(f"stage macro F1 {m['macro_f1']:.3f} ({tuning['macro_f1']:.3f})")
    recalls = {k[7:]: round(v, 2) for k, v in m.items() if k.startswith("recall_")}
    print(f"recall per stage {recalls}")
    print(
        f"purchase within 90 days: AUC {m['purchase_auc']:.3f} ({tuning['purchase_auc']:.3f}), "
        f"lift of grade A {m['purchase_lift_grade_a']:.2f} "
        f"({tuning['purchase_lift_grade_a']:.2f}), Brier {m['purchase_brier']:.3f} "
        f"({tuning['purchase_brier']:.3f})"
    )
    churn_report(fit, tuning)


if __name__ == "__main__":
    sys.exit(main())
