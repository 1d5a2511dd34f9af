"""Labels, stage rules and time-based splits of the training frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.datasets import (
    build_training_frame,
    default_as_of_dates,
    derive_stages,
    time_split,
)
from training.errors import TrainingInputError


def _tx(rows):
    return pd.DataFrame(rows, columns=["account_id", "timestamp", "amount"])


def test_outcome_labels_look_only_into_the_horizon() -> None:
    tx = _tx(
        [
            ("buyer", "2024-01-10", 100.0),
            ("buyer", "2024-03-15", 100.0),  # within 90 days of 2024-02-01
            ("quiet", "2024-01-05", 50.0),  # customer, nothing afterwards: churn
            ("late", "2024-01-20", 10.0),
            ("late", "2024-06-01", 10.0),  # after the horizon: no purchase
            ("end", "2024-12-31", 1.0),  # sets the end of the data
        ]
    )
    ev = pd.DataFrame(
        {
            "account_id": ["late", "prospect"],
            "timestamp": ["2024-02-10", "2024-01-03"],
            "event_type": ["login", "web_visit"],
        }
    )
    frame = build_training_frame(
        ev, tx, as_of_dates=[pd.Timestamp("2024-02-01", tz="UTC")], horizon_days=90
    ).set_index("account_id")
    assert frame.loc["buyer", "y_purchase"] == 1 and frame.loc["buyer", "y_churn"] == 0
    assert frame.loc["quiet", "y_purchase"] == 0 and frame.loc["quiet", "y_churn"] == 1
    assert frame.loc["late", "y_purchase"] == 0 and frame.loc["late", "y_churn"] == 0  # login
    assert frame.loc["prospect", "y_purchase"] == 0 and np.isnan(frame.loc["prospect", "y_churn"])
    assert "end" not in frame.index  # no history before the as-of date
    # an as-of date whose horizon passes the end of the data has unknown outcomes
    late = build_training_frame(
        ev, tx, as_of_dates=[pd.Timestamp("2024-12-01", tz="UTC")], horizon_days=90
    )
    assert late["y_purchase"].isna().all()


def test_stage_rules() -> None:
    f = pd.DataFrame(
        {
            "orders_total": [3, 1, 1, 6, 3, 0, 0, 0, 2],
            "days_since_last_order": [400, 200, 30, 10, 20, np.nan, np.nan, np.nan, 100],
            "days_since_last_event": [300, 5, 5, 5, 5, 5, 5, 5, 5],
            "order_gap_vs_norm": [2.5, np.nan, np.nan, 0.5, 0.5, np.nan, np.nan, np.nan, 3.0],
            "repeat_order_days": [2, 0, 0, 5, 2, 0, 0, 0, 1],
            "days_since_first_order": [600, 200, 30, 300, 300, np.nan, np.nan, np.nan, 300],
            "orders_365d": [0, 1, 1, 6, 3, 0, 0, 0, 2],
            "contacts_90d": [0, 1, 1, 4, 1, 2, 1, 1, 1],
            "n_meeting_90d": [0, 0, 0, 0, 0, 1, 0, 0, 0],
            "n_email_click_90d": [0, 0, 0, 0, 0, 0, 1, 0, 0],
            "n_events_30d": [0, 0, 0, 0, 0, 0, 0, 1, 0],
        }
    )
    assert derive_stages(f).tolist() == [
        "churned",
        "at_risk",
        "purchase",
        "advocacy",
        "retention",
        "consideration",
        "interest",
        "awareness",
        "at_risk",
    ]


def test_snapshots_win_over_rules_and_split_is_by_time(history) -> None:
    dates = default_as_of_dates(history.events, history.transactions, 90)
    assert len(dates) >= 6 and all(d.day == 1 for d in dates)
    snaps = pd.DataFrame(
        {
            "account_id": ["acc000001"],
            "as_of": [dates[-1] - pd.Timedelta(days=1)],
            "stage": ["advocacy"],
        }
    )
    frame = build_training_frame(history.events, history.transactions, stages=snaps)
    row = frame[(frame["account_id"] == "acc000001") & (frame["as_of"] == dates[-1])]
    if len(row):
        assert row["stage"].iloc[0] == "advocacy" and row["stage_source"].iloc[0] == "snapshot"
    split = time_split(frame, 90)
    assert max(split.train_dates) + pd.Timedelta(days=90) <= min(split.valid_dates)
    assert not (split.train & split.valid).any()
    with pytest.raises(TrainingInputError):
        time_split(frame[frame["as_of"] == dates[0]], 90)
    with pytest.raises(TrainingInputError, match="needs transactions"):
        build_training_frame(history.events, None)
