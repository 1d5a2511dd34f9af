"""Training time of the lifecycle models on a 1,000,000-row training frame.

Builds a stacked frame (synthetic history, 12 monthly as-of dates, about 1,000,000 account
rows) and times ``training.lifecycle.fit_lifecycle_frame`` (multiclass stage model, purchase and
churn propensities, early stopping, calibration, evaluation). Baseline: the 60 s target for the
demo-sized training, scaled by rows. LightGBM uses ``num_threads`` from the command line
(default 1: with the other core busy, 2 OpenMP threads were up to 10x slower here).

Run: ``.venv/bin/python benchmarks/bench_lifecycle_training.py [num_threads]``.
"""

from __future__ import annotations

import sys
import time

from training.datasets import build_training_frame
from training.lifecycle import LifecycleConfig, fit_lifecycle_frame
from training.synthetic import generate_history


def main() -> int:
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    started = time.perf_counter()
    h = generate_history(102_000, days=730, seed=2)
    frame = build_training_frame(h.events, h.transactions)
    frame = frame.head(1_000_000)
    prep = time.perf_counter() - started
    print(
        f"{len(h.events):,} events -> training frame {len(frame):,} rows x "
        f"{frame.shape[1]} columns in {prep:.1f} s",
        flush=True,
    )
    fit = fit_lifecycle_frame(frame, LifecycleConfig(num_threads=threads))
    m = fit.metrics
    print(
        f"fit_lifecycle_frame on {len(frame):,} rows, {threads} thread(s): {fit.seconds:.1f} s "
        f"({len(frame) / fit.seconds:,.0f} rows/s)"
    )
    print(
        f"  rounds: stage {m['stage_rounds']:.0f}, purchase {m['purchase_rounds']:.0f}; "
        f"purchase AUC {m['purchase_auc']:.3f}, macro F1 {m['macro_f1']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
