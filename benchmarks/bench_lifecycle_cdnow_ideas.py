"""CDNOW: ideas for beating BG/NBD's top-decile lift, and how high that lift can go at all.

The production benchmark (``bench_lifecycle_cdnow.py``) runs the whole production pipeline
once per setting. This harness builds the training frames once per evaluation date (weekly
as-of dates, the production features and the point-in-time BG/NBD columns of
``training.datasets.add_bgnbd_features``) and then fits only the purchase booster with the
production settings (binary, 15 leaves, learning rate 0.1, early stopping on the latest
quarter of the labelled dates after a purge gap of one horizon, Platt stacked with BG/NBD's
log expected purchases) under each idea:

- dates: about monthly (every 4th week, as production), every 2 weeks, every week;
- weights: later as-of dates count more (exp(-days before the last training date / 60));
- refit: after early stopping, refit on all labelled dates (training + validation) with
  the chosen number of rounds (the calibration stays the held-out one);
- rhythm: age-invariant rhythm features (orders per day of tenure, recency / tenure, the
  coefficient of variation of the gaps between order days, the last gap, days since the last
  order / the last gap and / the mean gap, orders in 90 days against the lifetime rate);
  with "no tenure" also without the raw tenure and totals (trees cannot extrapolate in age);
- init: BG/NBD's log expected purchases as LightGBM's init score (the booster learns the
  correction);
- xendcg: a ranking objective with query groups inside each as-of date (random groups of
  at most 4,000 customers, LightGBM's limit is 10,000 per query), and its rank average with
  BG/NBD.

Then the **ceiling**: 5-fold cross-validation *on the evaluated window itself* (features as
of E, labels of [E, E + 90 days)), which no production model can have: a LightGBM
correction of BG/NBD (init score) on the production features plus the rhythm ones, and a
logistic regression on smooth transforms; a third adds what the transactions contract has no
column for (CDs per order from CDNOW's ``number_of_cds``, spend spread, purchases per 4 weeks
of history). If even these do not clear BG/NBD's top-decile lift, the history holds no more
for that metric than BG/NBD already uses.

Run: ``.venv/bin/python benchmarks/bench_lifecycle_cdnow_ideas.py [--seeds 2]
[--dates 1997-11-01,1998-02-01] [--ceiling-only]`` (default dates: the production benchmark's).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import lightgbm as lgb
import numpy as np
import pandas as pd
from bench_lifecycle_cdnow import EVALUATION_DATES, HORIZON, load, read_master
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scoring.bgnbd import BGNBD_FEATURES, BGNBDFeatures
from scoring.features import build_features, feature_names
from scoring.lifecycle import as_matrix
from training.calibration import fit_stacked_platt
from training.datasets import add_bgnbd_features, build_training_frame
from training.evaluation import top_decile_lift

BASE = [*feature_names(), *BGNBD_FEATURES]
RHYTHM = [
    "rate_per_day",
    "recency_over_tenure",
    "gap_cv",
    "last_gap",
    "since_over_last_gap",
    "since_over_mean_gap",
    "orders_90d_over_rate",
]
TENURE = [
    "days_since_first_order",
    "days_since_first_touch",
    "days_since_first_event",
    "order_span_days",
    "orders_total",
    "repeat_order_days",
    "revenue_total",
]


def rhythm(tx: pd.DataFrame, cutoffs: list[pd.Timestamp]) -> pd.DataFrame:
    """Gap statistics of the distinct order days before each cut-off, per account."""
    days = tx[tx["amount"] > 0].assign(day=tx["timestamp"].dt.floor("D"))
    days = days.drop_duplicates(["account_id", "day"]).sort_values(["account_id", "day"])
    days["gap"] = (days["day"] - days.groupby("account_id")["day"].shift()).dt.days
    parts = []
    for cutoff in cutoffs:
        gaps = days[(days["day"] < cutoff) & days["gap"].notna()].groupby("account_id")["gap"]
        part = pd.DataFrame(
            {"gap_mean": gaps.mean(), "gap_std": gaps.std(ddof=0), "last_gap": gaps.last()}
        )
        part["as_of"] = cutoff
        parts.append(part.reset_index())
    return pd.concat(parts, ignore_index=True)


def with_rhythm(frame: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    f = frame.merge(gaps, on=["account_id", "as_of"], how="left")
    tenure = np.maximum(f["days_since_first_order"], 1.0)
    f["rate_per_day"] = f["repeat_order_days"] / tenure
    f["recency_over_tenure"] = f["days_since_last_order"] / tenure
    f["gap_cv"] = f["gap_std"] / f["gap_mean"]
    f["since_over_last_gap"] = f["days_since_last_order"] / f["last_gap"]
    f["since_over_mean_gap"] = f["days_since_last_order"] / f["gap_mean"]
    f["orders_90d_over_rate"] = f["orders_90d"] / (f["orders_total"] / tenure * 90.0)
    return f


def prepare(tx: pd.DataFrame, evaluation: str, frames: bool = True) -> dict[str, object]:
    """Features at E with their outcomes and, with ``frames``, the weekly training frame."""
    when = pd.Timestamp(evaluation, tz="UTC")
    before = tx[tx["timestamp"] < when]
    first = before["timestamp"].min().floor("D") + pd.Timedelta(days=28)
    last = before["timestamp"].max() - HORIZON
    dates = list(pd.date_range(first, last, freq="7D")) if frames else []
    names = feature_names()
    at = build_features(None, before, when).reset_index()
    X = as_matrix(at, names)
    at[list(BGNBD_FEATURES)] = BGNBDFeatures.fit(X, names, 90).transform(X, names)
    at["as_of"] = when
    window = tx[(tx["timestamp"] >= when) & (tx["timestamp"] < when + HORIZON)]
    at["y_purchase"] = at["account_id"].isin(set(window.loc[window["amount"] > 0, "account_id"]))
    at["y_purchase"] = at["y_purchase"].astype(float)
    gaps = rhythm(before, [*dates, when])
    out = {"at": with_rhythm(at, gaps)}
    if frames:
        frame = build_training_frame(None, before, as_of_dates=dates)
        add_bgnbd_features(frame, 90, names)
        out["frame"] = with_rhythm(frame, gaps)
    return out


def log_expected(f: pd.DataFrame) -> np.ndarray:
    return np.log(f["bgnbd_expected_purchases"].fillna(1e-9).to_numpy())


def fit_and_score(
    data: dict[str, object],
    features: list[str],
    *,
    step: int = 4,
    seed: int = 0,
    decay: float | None = None,
    refit: bool = False,
    init: bool = False,
    objective: str = "binary",
) -> np.ndarray:
    """The purchase booster under one idea, trained on the frame, scored at E."""
    frame, at = data["frame"], data["at"]
    dates = sorted(frame["as_of"].unique())
    dates = [d for d in dates if d >= dates[0] + pd.Timedelta(days=62)]  # 90 days of history
    dates = dates[::-1][::step][::-1]
    rows = frame[frame["as_of"].isin(dates) & frame["y_purchase"].notna()]
    n_valid = max(1, round(len(dates) * 0.25))
    valid_dates = dates[-n_valid:]
    gap = pd.Timedelta(days=90)
    train_dates = [d for d in dates[:-n_valid] if d + gap <= valid_dates[0]] or dates[:-n_valid]
    tr = rows[rows["as_of"].isin(train_dates)]
    va = rows[rows["as_of"].isin(valid_dates)]
    params = {
        "objective": objective,
        "learning_rate": 0.1,
        "num_leaves": 15,
        "max_depth": 6,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_threads": 1,
        "seed": seed,
        "deterministic": True,
        "verbosity": -1,
        "force_col_wise": True,
    }
    X_at = at[features].to_numpy(float)
    if objective == "rank_xendcg":
        ranked = tr.sample(frac=1.0, random_state=seed).sort_values("as_of", kind="stable")
        groups = []
        for n in ranked.groupby("as_of", sort=True).size():
            groups += [len(c) for c in np.array_split(np.arange(n), int(np.ceil(n / 4000)))]
        train = lgb.Dataset(
            ranked[features].to_numpy(float), ranked["y_purchase"].astype(int), group=groups
        )
        params["learning_rate"] = 0.05
        return lgb.train(params, train, 150).predict(X_at)
    weight = None
    if decay:
        weight = np.exp(-((tr["as_of"].max() - tr["as_of"]).dt.days.to_numpy()) / decay)

    def dataset(f: pd.DataFrame, **kw: object) -> lgb.Dataset:
        return lgb.Dataset(
            f[features].to_numpy(float),
            f["y_purchase"].to_numpy(),
            init_score=log_expected(f) if init else None,
            free_raw_data=False,
            **kw,
        )

    train = dataset(tr, weight=weight)
    model = lgb.train(
        params,
        train,
        300,
        valid_sets=[dataset(va, reference=train)],
        callbacks=[lgb.early_stopping(20, verbose=False)],
    )
    offset_va = log_expected(va) if init else 0.0
    offset_at = log_expected(at) if init else 0.0
    margin_va = model.predict(va[features].to_numpy(float), raw_score=True) + offset_va
    final = model
    if refit:
        final = lgb.train(params, dataset(pd.concat([tr, va])), model.best_iteration)
    margin_at = final.predict(X_at, raw_score=True) + offset_at
    if init:  # the margin already holds BG/NBD; a plain ranking by it
        return margin_at
    cal = fit_stacked_platt(margin_va, log_expected(va), va["y_purchase"].to_numpy())
    if hasattr(cal, "weight"):
        return cal.apply(margin_at, log_expected(at))
    return cal.apply(margin_at)


def smooth(f: pd.DataFrame) -> np.ndarray:
    le = log_expected(f)
    columns = [
        le,
        le**2,
        np.log(f["bgnbd_p_alive"].clip(1e-6)),
        np.log1p(f["orders_90d"]),
        np.log1p(f["orders_30d"]),
        np.log1p(f["repeat_order_days"]),
        np.log1p(f["days_since_last_order"]),
        np.log1p(f["days_since_first_order"]),
        np.log1p(f["revenue_total"]),
        np.log1p(f["avg_order_value"]),
        f["gap_cv"].fillna(-1.0),
        f["gap_cv"].isna(),
        np.log1p(f["since_over_last_gap"].fillna(0.0).clip(0, 50)),
        np.log1p(f["orders_365d"]),
    ]
    return np.nan_to_num(np.column_stack(columns).astype(float), nan=0.0)


def basket(evaluation: str) -> pd.DataFrame:
    """What the transactions contract has no column for: CDs per order, spend spread and
    purchases per 4 weeks back from E (CDNOW_master.txt's number_of_cds), per customer."""
    when = pd.Timestamp(evaluation, tz="UTC")
    raw = read_master()
    raw["timestamp"] = pd.to_datetime(raw["date"], format="%Y%m%d", utc=True)
    hist = raw[raw["timestamp"] < when]
    g = hist.groupby("account_id")
    months = ((when - hist["timestamp"]).dt.days // 28).clip(upper=20)
    per_month = pd.crosstab(hist["account_id"], months).add_prefix("purchases_4w_ago_")
    out = pd.DataFrame(
        {
            "cds_total": g["cds"].sum(),
            "cds_per_order": g["cds"].mean(),
            "cds_max": g["cds"].max(),
            "first_cds": g["cds"].first(),
            "amount_std": g["amount"].std(),
            "last_amount": g["amount"].last(),
        }
    )
    return out.join(per_month)


def ceiling(
    data: dict[str, object], seed: int = 0, extra: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """5-fold CV on the evaluated window itself (uses its labels: an upper bound)."""
    at = data["at"]
    y = at["y_purchase"].to_numpy()
    le = log_expected(at)
    X = at[BASE + RHYTHM].to_numpy(float)
    if extra is not None:
        Xb = np.hstack([X, extra.reindex(at["account_id"]).to_numpy(float)])
    S = smooth(at)
    boost, linear, basket_boost = np.zeros(len(y)), np.zeros(len(y)), np.zeros(len(y))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
    for tr, te in folds:
        params = {
            "objective": "binary",
            "learning_rate": 0.03,
            "num_leaves": 7,
            "min_data_in_leaf": 200,
            "lambda_l2": 10.0,
            "num_threads": 1,
            "seed": seed,
            "verbosity": -1,
        }
        model = lgb.train(params, lgb.Dataset(X[tr], y[tr], init_score=le[tr]), 200)
        boost[te] = model.predict(X[te], raw_score=True) + le[te]
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        linear[te] = lr.fit(S[tr], y[tr]).decision_function(S[te])
        if extra is not None:
            model = lgb.train(params, lgb.Dataset(Xb[tr], y[tr], init_score=le[tr]), 200)
            basket_boost[te] = model.predict(Xb[te], raw_score=True) + le[te]
    out = {
        "CEILING: LightGBM correction of BG/NBD, CV on E's own labels": boost,
        "CEILING: logistic regression, CV on E's own labels": linear,
    }
    if extra is not None:
        out["CEILING: LightGBM correction + CDs and monthly history, CV on E's labels"] = (
            basket_boost
        )
    return out


IDEAS: dict[str, Callable[[dict[str, object], int], np.ndarray]] = {
    "monthly dates (as production)": lambda d, s: fit_and_score(d, BASE, seed=s),
    "every 2 weeks": lambda d, s: fit_and_score(d, BASE, step=2, seed=s),
    "every week": lambda d, s: fit_and_score(d, BASE, step=1, seed=s),
    "later dates weigh more": lambda d, s: fit_and_score(d, BASE, decay=60.0, seed=s),
    "refit on all labelled dates": lambda d, s: fit_and_score(d, BASE, refit=True, seed=s),
    "+ rhythm features": lambda d, s: fit_and_score(d, BASE + RHYTHM, seed=s),
    "+ rhythm, no tenure": lambda d, s: fit_and_score(
        d, [c for c in BASE if c not in TENURE] + RHYTHM, seed=s
    ),
    "+ rhythm, weekly, later weigh more": lambda d, s: fit_and_score(
        d, BASE + RHYTHM, step=1, decay=60.0, seed=s
    ),
    "BG/NBD as init score + rhythm": lambda d, s: fit_and_score(
        d, BASE + RHYTHM, init=True, seed=s
    ),
    "xendcg ranking per as-of date": lambda d, s: fit_and_score(
        d, BASE, objective="rank_xendcg", seed=s
    ),
    "xendcg, rank average with BG/NBD": lambda d, s: (
        rankdata(fit_and_score(d, BASE, objective="rank_xendcg", seed=s))
        + rankdata(log_expected(d["at"]))
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="LightGBM seeds per idea")
    parser.add_argument(
        "--dates", default=",".join(EVALUATION_DATES), help="evaluation dates, comma-separated"
    )
    parser.add_argument("--ceiling-only", action="store_true", help="skip the ideas")
    args = parser.parse_args(argv)
    evaluations = args.dates.split(",")
    started = time.perf_counter()
    tx = load()
    rows = []
    for evaluation in evaluations:
        data = prepare(tx, evaluation, frames=not args.ceiling_only)
        extra = basket(evaluation)
        at = data["at"]
        y = at["y_purchase"].to_numpy()
        bg = log_expected(at)
        base = {"auc": roc_auc_score(y, bg), "lift": top_decile_lift(y, bg)}
        rows.append({"as_of": evaluation, "idea": "BG/NBD expected purchases", **base})
        for seed in range(args.seeds):
            ideas = {} if args.ceiling_only else IDEAS
            scores = {name: idea(data, seed) for name, idea in ideas.items()}
            scores.update(ceiling(data, seed, extra))
            for name, score in scores.items():
                auc, lift = roc_auc_score(y, score), top_decile_lift(y, score)
                rows.append({"as_of": evaluation, "idea": name, "seed": seed, "auc": auc,
                             "lift": lift, "lift_ratio": lift / base["lift"]})  # fmt: skip
        print(f"{evaluation} done ({time.perf_counter() - started:.0f} s)", flush=True)
    table = pd.DataFrame(rows)
    per_date = table.pivot_table(index="idea", columns="as_of", values="lift_ratio", sort=False)
    summary = table.groupby("idea", sort=False)[["auc", "lift"]].mean()
    bg = summary.loc["BG/NBD expected purchases"]
    summary["auc_vs_bgnbd"] = summary["auc"] - bg["auc"]
    summary["lift_ratio"] = summary["lift"] / bg["lift"]
    summary = summary.join(per_date.add_prefix("ratio "))
    print(f"\nmean over {args.seeds} seed(s) and the evaluation dates; ratio = lift / BG/NBD's")
    print(summary.round(4).to_string())
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
