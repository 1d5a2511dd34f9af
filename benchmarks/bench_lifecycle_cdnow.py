"""CDNOW: "at least one purchase in the next 90 days" from transactions only, vs BG/NBD.

For each evaluation date E (1997-10-01, 1998-01-01, 1998-04-01), with only the purchases
before E given to the models:

- Baseline: BG/NBD (``scoring.bgnbd``) fitted on all purchases before E; scores: the expected
  number of purchases in the next 13 weeks (the classic ranking) and P(at least one purchase
  in the next 13 weeks). The better of the two per metric is the bar.
- The production lifecycle model: exactly what ``leadscope train lifecycle --transactions``
  fits (``training.lifecycle.fit_lifecycle`` with the default ``LifecycleConfig``, default
  as-of dates: the month starts whose 90-day window ends before E, its own time split, early
  stopping and calibration), scored at E through the scorer (``score_accounts``: features as
  of E, ``p_purchase``). Nothing is fitted on the evaluated window.
- With ``--variants``: the same production pipeline with other ``LifecycleConfig`` settings
  (ablations: without BG/NBD, BG/NBD columns without the stacked calibration, a slower
  purchase booster, Poisson objective, monotone constraints).

Reports ROC-AUC and top-decile lift for each, and the difference / ratio to BG/NBD. Data:
../shared/data/cdnow-lifetimes/CDNOW_master.txt. Run:
``.venv/bin/python benchmarks/bench_lifecycle_cdnow.py [--variants]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.bgnbd import BGNBD
from scoring.lifecycle import score_accounts
from training.evaluation import top_decile_lift
from training.lifecycle import LifecycleConfig, fit_lifecycle

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow-lifetimes"
HORIZON = pd.Timedelta(days=90)
WEEK = pd.Timedelta(days=7)
EVALUATION_DATES = ("1997-10-01", "1998-01-01", "1998-04-01")
PRODUCTION = "leadscope production model"
VARIANTS = {
    "production without BG/NBD": LifecycleConfig(bgnbd_features=False),
    "production, BG/NBD columns but plain Platt": LifecycleConfig(purchase_stack_bgnbd=False),
    "production, purchase booster LR 0.03": LifecycleConfig(purchase_learning_rate=0.03),
    "production, Poisson objective": LifecycleConfig(purchase_objective="poisson"),
    "production, monotone constraints": LifecycleConfig(monotone_purchase=True),
}


def read_master() -> pd.DataFrame:
    """CDNOW_master.txt as it is: account_id, date (YYYYMMDD text), cds, amount."""
    return pd.read_csv(
        DATA / "CDNOW_master.txt",
        sep=r"\s+",
        header=0,
        names=["account_id", "date", "cds", "amount"],
        dtype={"account_id": str, "date": str},
    )


def load() -> pd.DataFrame:
    raw = read_master()
    return pd.DataFrame(
        {
            "order_id": np.arange(len(raw)).astype(str),
            "account_id": raw["account_id"],
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d", utc=True),
            "amount": raw["amount"].astype(float),
        }
    )


def rfm_weeks(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """BG/NBD inputs per customer with a purchase before ``as_of`` (days -> weeks)."""
    hist = tx[tx["timestamp"] < as_of]
    days = hist.assign(day=hist["timestamp"].dt.floor("D")).drop_duplicates(["account_id", "day"])
    g = days.groupby("account_id")["day"]
    first, last, n = g.min(), g.max(), g.size()
    return pd.DataFrame(
        {
            "frequency": n - 1,
            "recency": (last - first) / WEEK,
            "age": (as_of - first) / WEEK,
        }
    )


def bgnbd_scores(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    rfm = rfm_weeks(tx, as_of)
    model = BGNBD().fit(rfm["frequency"], rfm["recency"], rfm["age"])
    args = (rfm["frequency"], rfm["recency"], rfm["age"])
    return pd.DataFrame(
        {
            "BG/NBD expected purchases (baseline)": model.expected_purchases(HORIZON / WEEK, *args),
            "BG/NBD P(a purchase) (baseline)": model.probability_purchase(HORIZON / WEEK, *args),
        },
        index=rfm.index,
    )


def production_scores(
    tx_before: pd.DataFrame, when: pd.Timestamp, config: LifecycleConfig
) -> tuple[pd.Series, dict[str, float]]:
    fit = fit_lifecycle(None, tx_before, config=config)
    table = score_accounts(fit.scorer, None, tx_before, when).set_index("account_id")
    info = {
        "train_dates": float(fit.metrics["n_as_of_dates"]),
        "purchase_rounds": fit.metrics["purchase_rounds"],
        "fit_s": fit.seconds,
    }
    return table["p_purchase"].astype(float), info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", action="store_true", help="also run the ablations")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    tx = load()
    print(f"CDNOW: {len(tx):,} purchases of {tx['account_id'].nunique():,} customers", flush=True)
    configs = {PRODUCTION: LifecycleConfig(), **(VARIANTS if args.variants else {})}
    results = []
    for evaluation in EVALUATION_DATES:
        E = pd.Timestamp(evaluation, tz="UTC")
        before = tx[tx["timestamp"] < E]
        window = tx[(tx["timestamp"] >= E) & (tx["timestamp"] < E + HORIZON)]
        bg = bgnbd_scores(tx, E)
        y = bg.index.isin(set(window["account_id"])).astype(float)
        scores = {name: bg[name].to_numpy() for name in bg.columns}
        infos: dict[str, dict[str, float]] = {}
        for name, config in configs.items():
            p, infos[name] = production_scores(before, E, config)
            scores[name] = p.reindex(bg.index).to_numpy()
        for model, score in scores.items():
            results.append(
                {
                    "as_of": evaluation,
                    "model": model,
                    "auc": roc_auc_score(y, score),
                    "top_decile_lift": top_decile_lift(y, score),
                    "base_rate": y.mean(),
                    **infos.get(model, {}),
                }
            )
        print(f"{evaluation} done ({time.perf_counter() - started:.0f} s)", flush=True)
    table = pd.DataFrame(results)
    print(table.round(4).to_string(index=False))
    mean = table.groupby("model", sort=False)[["auc", "top_decile_lift"]].mean()
    baselines = mean[mean.index.str.endswith("(baseline)")]
    best_auc, best_lift = baselines["auc"].max(), baselines["top_decile_lift"].max()
    mean["auc_vs_best_bgnbd"] = mean["auc"] - best_auc
    mean["lift_ratio_vs_best_bgnbd"] = mean["top_decile_lift"] / best_lift
    print("\nmean over the evaluation dates (vs the better BG/NBD score per metric):")
    print(mean.round(4).to_string())
    per_date = table.pivot(index="as_of", columns="model", values="top_decile_lift")
    wins = (per_date[PRODUCTION] > per_date[baselines.index].max(axis=1)).sum()
    print(f"\nproduction lift above both BG/NBD scores on {wins} of {len(per_date)} dates")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
