"""The world's CRM lead export: complete outcome windows, early-only activity, a marked leak."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from training.world import generate_world
from training.world.leads import EARLY_DAYS, OUTCOME_DAYS


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_world(tmp_path_factory.mktemp("w"), seed=5, n_companies=120).out_dir


def test_lead_export_is_a_sound_training_table(world: Path) -> None:
    leads = pd.read_csv(world / "leads.csv")
    contacts = pd.read_csv(world / "contacts.csv")
    events = pd.read_csv(world / "events.csv", parse_dates=["timestamp"])
    tx = pd.read_csv(world / "transactions.csv", parse_dates=["timestamp"])
    assert leads["lead_id"].is_unique and set(leads["lead_id"]) <= set(contacts["contact_id"])
    assert 0.03 < leads["converted"].mean() < 0.6
    created = pd.to_datetime(leads["created_at"], utc=True)
    # every outcome window ends before the data does
    assert (created + pd.Timedelta(days=OUTCOME_DAYS) <= events["timestamp"].max()).all()
    # the target is what the transactions say, recomputed independently for a sample
    orders = tx.loc[tx["amount"] > 0]
    for _, lead in leads.sample(40, random_state=0).iterrows():
        start = pd.Timestamp(lead["created_at"])
        mine = orders.loc[orders["account_id"] == lead["account_id"], "timestamp"]
        won = ((mine >= start) & (mine < start + pd.Timedelta(days=OUTCOME_DAYS))).any()
        assert int(won) == lead["converted"], lead["lead_id"]
    # early activity counts only the first EARLY_DAYS of the contact's own events
    lead = leads.loc[leads["early_email_open"].idxmax()]
    own = events.loc[
        (events["contact_id"] == lead["lead_id"]) & (events["event_type"] == "email_open")
    ]
    start = pd.Timestamp(lead["created_at"])
    assert (own["timestamp"] < start + pd.Timedelta(days=EARLY_DAYS)).sum() == lead[
        "early_email_open"
    ]
    # the post-outcome column agrees with the target almost always: a leak by design
    agree = (leads["sales_status"] == "Closed Won") == (leads["converted"] == 1)
    assert agree.mean() > 0.9
