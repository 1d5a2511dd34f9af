"""Request-path latency of the lifecycle scorer: ``score_array`` on 1 row and on 1,000 rows.

Fits the lifecycle models on a synthetic history (``training.synthetic``, 1,500 accounts),
then times the fast path (three ``Booster.predict`` calls on numpy with one thread, including
``pred_contrib`` for the reasons, plus building the result dicts). Baseline in the same run:
the purchase model alone through ``Booster.predict`` (raw score, no reasons) and through
``score_frame`` (pandas input).

Run: ``.venv/bin/python benchmarks/bench_lifecycle_scoring.py``.
"""

from __future__ import annotations

import sys

from _timing import per_call

from scoring.lifecycle import as_matrix
from training.lifecycle import fit_lifecycle
from training.synthetic import generate_history


def main() -> int:
    h = generate_history(1500, seed=1)
    fit = fit_lifecycle(h.events, h.transactions)
    scorer = fit.scorer
    valid = fit.valid_frame
    X = as_matrix(valid, scorer.feature_names)
    one, frame_one = X[:1], valid.head(1)
    batch = X[:1000]
    trees = [m.num_trees() for m in (scorer.stage_model, scorer.purchase_model)]
    print(f"models: stage {trees[0]} trees ({len(scorer.stages)} classes), purchase {trees[1]}")
    one_m = scorer.model_matrix(one)  # the boosters' input: features + derived BG/NBD columns
    raw = per_call(lambda: scorer.purchase_model.predict(one_m, raw_score=True, num_threads=1), 300)
    derive = per_call(lambda: scorer.model_matrix(one), 300)
    full = per_call(lambda: scorer.score_array(one), 300)
    framed = per_call(lambda: scorer.score_frame(frame_one), 100)
    many = per_call(lambda: scorer.score_array(batch), 3) / len(batch)
    print(f"purchase Booster.predict, 1 row (baseline): {raw * 1e6:8.0f} us")
    print(
        f"score_array, 1 row (all models + reasons):   {full * 1e6:8.0f} us "
        f"({full / raw:.1f}x the baseline)"
    )
    print(f"  of which BG/NBD columns (model_matrix):   {derive * 1e6:8.0f} us")
    print(f"score_frame, 1 row (pandas input):          {framed * 1e6:8.0f} us")
    print(f"score_array, 1,000 rows:                    {many * 1e6:8.0f} us per row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
