"""The generated demo world: stage accuracy and macro F1 against its ground truth, grade-A lift.

Generates the default demo world (``training.world.generate_world``, 420 companies, 24
months), trains the lifecycle models on events + transactions + stage snapshots (time-based
split: the latest as-of dates are the validation set) and reports the validation metrics.
Baselines in the same run: the majority stage, and the world's own check model
(``training.world.checks.stage_baseline``: LightGBM on monthly counts, last 6 months held out).

Run: ``.venv/bin/python benchmarks/bench_lifecycle_world.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from scoring.loaders import load_events, load_stages, load_transactions
from training.lifecycle import fit_lifecycle
from training.world import generate_world
from training.world.checks import stage_baseline


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        summary = generate_world(world, seed=7)
        print(
            f"world: {summary.n_companies} companies, {summary.n_events:,} events, "
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
    if "churn_auc" in m:
        print(f"churn within 90 days: AUC {m['churn_auc']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
