"""Fixtures of the lifecycle tests: a synthetic history and models fitted on it (once)."""

from __future__ import annotations

import pandas as pd
import pytest

from training.synthetic import SyntheticHistory, generate_history


@pytest.fixture(scope="session")
def history() -> SyntheticHistory:
    return generate_history(600, days=640, seed=7)


@pytest.fixture(scope="session")
def lifecycle_fit(history: SyntheticHistory):
    from training.lifecycle import fit_lifecycle

    return fit_lifecycle(history.events, history.transactions)


@pytest.fixture
def tiny_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3", "e4", "e5", "e6"],
            "account_id": ["a", "a", "a", "b", "b", "a"],
            "timestamp": [
                "2024-06-29T10:00:00Z",  # 1.6 days before the cut-off
                "2024-06-10T00:00:00",  # 21 days (naive = UTC)
                "2024-03-01T00:00:00Z",  # 122 days
                "2024-06-25T00:00:00Z",
                "2024-06-25T00:00:00Z",
                "2024-07-05T00:00:00Z",  # after the cut-off: must not count
            ],
            "event_type": ["email_click", "web_visit", "meeting", "web_visit", "fax", "meeting"],
            "contact_id": ["c1", "c2", "c1", "c9", None, "c3"],
            "channel": ["email", "web", "sales", "web", "web", "sales"],
            "value": [1.0, 2.0, 3.0, 0.0, 0.0, 9.0],
        }
    )


@pytest.fixture
def tiny_transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "account_id": ["a", "a", "a", "a", "c"],
            "timestamp": [
                "2024-01-01T00:00:00Z",
                "2024-03-01T00:00:00Z",
                "2024-05-01T00:00:00Z",
                "2024-05-15T00:00:00Z",
                "2024-08-01T00:00:00Z",
            ],
            "amount": [100.0, 200.0, 300.0, -50.0, 80.0],
        }
    )
