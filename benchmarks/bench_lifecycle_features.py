"""Feature building throughput: events (+ transactions) per second into point-in-time features.

Synthetic history (``training.synthetic``, about 1,000,000 events for 20,000 accounts); times
``scoring.features.build_features`` for one as-of date and ``build_feature_frames`` for 12
as-of dates (one preparation, the training path). Baseline: the goal of 1,000,000 events/s,
and a straightforward pandas groupby implementation of a subset of the features (counts per
type and window, recency per type) on the same data.

Run: ``.venv/bin/python benchmarks/bench_lifecycle_features.py``.
"""

from __future__ import annotations

import sys

import pandas as pd
from _timing import per_call

from scoring.features import build_feature_frames, build_features
from training.synthetic import generate_history

GOAL = 1_000_000


def pandas_baseline(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    ev = events[events["timestamp"] < as_of]
    age = (as_of - ev["timestamp"]) / pd.Timedelta(days=1)
    parts = []
    for w in (7, 30, 90, 365):
        parts.append(
            ev[age < w]
            .groupby(["account_id", "event_type"])
            .size()
            .unstack(fill_value=0)
            .add_suffix(f"_{w}d")
        )
    parts.append(
        ev.assign(age=age)
        .groupby(["account_id", "event_type"])["age"]
        .min()
        .unstack()
        .add_prefix("days_since_")
    )
    return pd.concat(parts, axis=1)


def main() -> int:
    h = generate_history(20_000, days=730, seed=1)
    n_ev, n_tx = len(h.events), len(h.transactions)
    as_of = h.end - pd.Timedelta(days=30)
    print(f"{n_ev:,} events, {n_tx:,} transactions, {h.events['account_id'].nunique():,} accounts")
    one = per_call(lambda: build_features(h.events, h.transactions, as_of), warmup=False)
    dates = list(pd.date_range(h.start + pd.Timedelta(days=90), as_of, freq="MS"))[-12:]
    many = per_call(
        lambda: build_feature_frames(h.events, h.transactions, dates), repeat=2, warmup=False
    )
    base = per_call(lambda: pandas_baseline(h.events, as_of), warmup=False)
    rate_one = n_ev / one
    print(
        f"build_features, 1 as-of date:     {one:.3f} s = {rate_one:,.0f} events/s "
        f"({rate_one / GOAL:.1f}x the 1,000,000 events/s goal)"
    )
    rate_many = n_ev * len(dates) / many
    print(
        f"build_feature_frames, {len(dates)} dates:  {many:.3f} s = {rate_many:,.0f} "
        f"event-dates/s ({rate_many / GOAL:.1f}x the goal)"
    )
    print(
        f"pandas groupby baseline (subset): {base:.3f} s = {n_ev / base:,.0f} events/s; "
        f"leadscope is {base / one:.1f}x faster while computing all features"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
