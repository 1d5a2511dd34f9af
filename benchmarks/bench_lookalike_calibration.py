"""Score meaning on website-classification: do sites the model never saw score like the
background it was calibrated on?

For each of the first ``--categories`` categories with at least 30 sites and each seed size,
``n`` sites of the category are the customers, a random two thirds of the other sites are the
background and the last third is held out (the same distribution, never seen by the model).
The score is the background percentile, so the held-out sites' median score should be about
50 (a little less for held-out non-customers: the background holds the category's other
sites). Printed per run:
the median score of all held-out sites, of the held-out non-customers and of the held-out
sites of the customers' category, and the mean standardised view of the held-out sites
(0 = like the background).

    .venv/bin/python benchmarks/bench_lookalike_calibration.py [--categories 5] [--seeds 3,10]
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import pandas as pd
from bench_lookalike_quality import load_sites

from scoring.lookalike import FEATURES
from scoring.terms import extract_terms
from training.lookalike import LookalikeConfig, fit_scorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--categories", type=int, default=5)
    ap.add_argument("--seeds", default="3,10", help="customer counts (comma-separated)")
    ap.add_argument("--draw-seed", type=int, default=1)
    args = ap.parse_args()

    frame = load_sites()
    cats = frame["Category"].to_numpy()
    docs = [dict(Counter(t)) for t in extract_terms(frame["cleaned_website_text"].tolist(), "en")]
    rng = np.random.default_rng(args.draw_seed)
    rows = []
    large = [c for c in sorted(set(cats)) if (cats == c).sum() >= 30]
    for cat in large[: args.categories]:
        members = np.flatnonzero(cats == cat)
        for n in (int(s) for s in args.seeds.split(",")):
            seeds = rng.choice(members, n, replace=False)
            rest = rng.permutation(np.setdiff1d(np.arange(len(docs)), seeds))
            back, held = rest[: 2 * len(rest) // 3], rest[2 * len(rest) // 3 :]
            scorer = fit_scorer(
                {f"c{i}": docs[i] for i in seeds},
                {f"b{i}": docs[i] for i in back},
                LookalikeConfig(),
            )
            model = scorer.model
            X = scorer.vectorizer.transform([docs[i] for i in held])
            score = model.score(X).score
            F, _ = model._features(X)
            Z = ((F - model.feature_mean_) / model.feature_scale_).mean(axis=0)
            like = cats[held] == cat
            rows.append(
                {
                    "category": cat,
                    "customers": n,
                    "median_all": np.median(score),
                    "median_non_customers": np.median(score[~like]),
                    "median_lookalikes": np.median(score[like]),
                    **{f"z_{k}": round(float(z), 2) for k, z in zip(FEATURES, Z, strict=True)},
                }
            )
    res = pd.DataFrame(rows)
    print(res.round(1).to_string(index=False))
    print(
        f"mean over {len(res)} runs: median score of held-out sites {res['median_all'].mean():.1f}"
        f" (non-customers {res['median_non_customers'].mean():.1f}, lookalikes "
        f"{res['median_lookalikes'].mean():.1f}); 50 = like the background"
    )


if __name__ == "__main__":
    main()
