"""Point-in-time features: hand-checked values, nothing from after the cut-off, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.errors import ScoringInputError
from scoring.features import (
    FeatureConfig,
    build_feature_frames,
    build_features,
    feature_label,
    feature_names,
)

AS_OF = "2024-07-01T00:00:00Z"


def test_counts_recency_breadth_and_other(tiny_events, tiny_transactions) -> None:
    f = build_features(tiny_events, tiny_transactions, AS_OF)
    assert list(f.columns) == feature_names()
    a, b = f.loc["a"], f.loc["b"]
    assert a["n_email_click_7d"] == 1 and a["n_email_click_30d"] == 1
    assert a["n_web_visit_7d"] == 0 and a["n_web_visit_30d"] == 1
    assert a["n_meeting_90d"] == 0 and a["n_meeting_365d"] == 1  # the July meeting is ignored
    assert a["n_events_365d"] == 3
    assert a["days_since_email_click"] == pytest.approx(1 + 14 / 24)
    assert a["days_since_last_event"] == pytest.approx(1 + 14 / 24)
    assert a["contacts_90d"] == 2 and a["contacts_total"] == 2 and a["channels_90d"] == 2
    assert a["event_value_90d"] == pytest.approx(3.0)
    # unknown type 'fax' counts as other; a missing contact is not a contact
    assert b["n_other_7d"] == 1 and b["contacts_90d"] == 1
    assert np.isnan(b["days_since_last_order"]) and b["is_customer"] == 0


def test_transaction_features(tiny_events, tiny_transactions) -> None:
    a = build_features(tiny_events, tiny_transactions, AS_OF).loc["a"]
    assert a["orders_total"] == 3 and a["is_customer"] == 1
    assert a["revenue_total"] == 600 and a["avg_order_value"] == 200
    assert a["returns_365d"] == 1 and a["return_amount_365d"] == 50
    assert a["days_since_last_order"] == 61  # 2024-05-01 to 2024-07-01
    assert a["repeat_order_days"] == 2
    assert a["order_span_days"] == 121  # 2024-01-01 to 2024-05-01
    assert a["mean_interpurchase_days"] == pytest.approx(121 / 2)
    assert a["order_gap_vs_norm"] == pytest.approx(61 / 60.5)
    assert a["days_since_first_touch"] == a["days_since_first_order"] == 182


def test_nothing_after_the_cutoff_changes_features(tiny_events, tiny_transactions) -> None:
    base = build_features(tiny_events, tiny_transactions, AS_OF)
    later_ev = pd.concat(
        [
            tiny_events,
            pd.DataFrame(
                {
                    "account_id": ["a"] * 3,
                    "timestamp": ["2024-07-01T00:00:00Z"] * 3,
                    "event_type": ["download"] * 3,
                }
            ),
        ],
        ignore_index=True,
    )
    later_tx = pd.concat(
        [
            tiny_transactions,
            pd.DataFrame({"account_id": ["a"], "timestamp": ["2024-09-01"], "amount": [999.0]}),
        ],
        ignore_index=True,
    )
    again = build_features(later_ev, later_tx, AS_OF)
    pd.testing.assert_frame_equal(base, again)
    assert "c" not in base.index  # c's only order is after the cut-off


def test_transactions_alone_and_empty_events(tiny_transactions) -> None:
    alone = build_features(None, tiny_transactions, AS_OF)
    empty = build_features(
        pd.DataFrame(columns=["account_id", "timestamp", "event_type"]), tiny_transactions, AS_OF
    )
    pd.testing.assert_frame_equal(alone, empty)
    assert alone.loc["a", "n_events_365d"] == 0 and alone.loc["a", "orders_total"] == 3


def test_forced_accounts_web_scores_and_several_dates(tiny_events, tiny_transactions) -> None:
    f = build_features(
        tiny_events,
        tiny_transactions,
        AS_OF,
        accounts=["zz"],
        web_scores=pd.Series({"a": 71.0}),
    )
    assert f.loc["zz", "orders_total"] == 0 and np.isnan(f.loc["zz", "days_since_last_event"])
    assert f.loc["a", "web_fit_score"] == 71.0 and np.isnan(f.loc["b", "web_fit_score"])
    stacked = build_feature_frames(tiny_events, tiny_transactions, ["2024-04-01", AS_OF])
    single = build_features(tiny_events, tiny_transactions, "2024-04-01")
    first = stacked[stacked["as_of"] == pd.Timestamp("2024-04-01", tz="UTC")]
    np.testing.assert_allclose(
        first.set_index("account_id")[feature_names()].to_numpy(), single.to_numpy()
    )


def test_config_and_bad_input(tiny_transactions) -> None:
    config = FeatureConfig(windows=(14, 60), trend_windows=((14, 60),), breadth_window=60)
    f = build_features(None, tiny_transactions, AS_OF, config)
    assert "orders_60d" in f.columns and "orders_90d" not in f.columns
    with pytest.raises(ScoringInputError):
        FeatureConfig(windows=(7, 30), trend_windows=((30, 90),))
    with pytest.raises(ScoringInputError):
        build_features(None, tiny_transactions, "not a date")
    with pytest.raises(ScoringInputError):
        build_features(None, tiny_transactions.drop(columns=["amount"]), AS_OF)
    assert feature_label("n_email_click_30d") == "email click events in the last 30 days"
    assert feature_label("days_since_last_order") == "days since the last order"
