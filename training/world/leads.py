"""A CRM lead export derived from the world: one row per contact, target ``converted``.

It is what the generic lead model (``leadscope train leads``) trains on in the demo: an id
column, a target, fields known when the lead arrived and during its first weeks, and one column
the sales team fills in after the outcome (``sales_status``), a deliberate leak to exclude.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEAD_ACTIVITY = ("email_open", "email_click", "form_submit", "download", "webinar", "call")
EARLY_DAYS = 60
OUTCOME_DAYS = 180


def lead_table(
    companies: pd.DataFrame,
    contacts: pd.DataFrame,
    events: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    seed: int = 7,
) -> pd.DataFrame:
    """Leads whose outcome window is complete, with early activity and the conversion target.

    ``converted`` = the lead's account placed an order within ``OUTCOME_DAYS`` of the lead's
    first touch. Activity counts cover the first ``EARLY_DAYS`` only, so nothing after the
    decision leaks in except ``sales_status``.
    """
    ev = events.loc[events["contact_id"].notna() & (events["contact_id"] != "")].copy()
    ev["timestamp"] = pd.to_datetime(ev["timestamp"], utc=True)
    first = ev.groupby("contact_id").agg(created=("timestamp", "min"))
    first_channel = ev.sort_values("timestamp").groupby("contact_id")["channel"].first()
    end = pd.to_datetime(events["timestamp"], utc=True).max()
    first = first.loc[first["created"] <= end - pd.Timedelta(days=OUTCOME_DAYS)]

    ev = ev.join(first, on="contact_id", how="inner")
    early = ev.loc[ev["timestamp"] < ev["created"] + pd.Timedelta(days=EARLY_DAYS)]
    counts = (
        early.loc[early["event_type"].isin(LEAD_ACTIVITY)]
        .pivot_table(index="contact_id", columns="event_type", values="timestamp", aggfunc="count")
        .reindex(columns=list(LEAD_ACTIVITY))
        .fillna(0)
        .astype(int)
        .add_prefix("early_")
    )

    orders = transactions.loc[transactions["amount"] > 0, ["account_id", "timestamp"]].copy()
    orders["timestamp"] = pd.to_datetime(orders["timestamp"], utc=True)
    leads = contacts.set_index("contact_id").join(first, how="inner")
    leads["lead_source"] = first_channel.reindex(leads.index).fillna("unknown")
    merged = leads[["account_id", "created"]].reset_index().merge(orders, on="account_id")
    won = merged.loc[
        (merged["timestamp"] >= merged["created"])
        & (merged["timestamp"] < merged["created"] + pd.Timedelta(days=OUTCOME_DAYS)),
        "contact_id",
    ]
    leads["converted"] = leads.index.isin(set(won)).astype(int)

    firm = companies.set_index("account_id")[["country", "industry", "employees"]]
    leads = leads.join(firm, on="account_id").join(counts).fillna({c: 0 for c in counts.columns})
    rng = np.random.default_rng(seed)
    flip = rng.random(len(leads)) < 0.03
    status = np.where(leads["converted"].to_numpy() == 1, "Closed Won", "Closed Lost")
    status = np.where(flip, "Open", status)
    leads["sales_status"] = status  # filled after the outcome: a leak to exclude
    leads["created"] = leads["created"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    leads = leads.reset_index().rename(columns={"contact_id": "lead_id", "created": "created_at"})
    cols = [
        "lead_id",
        "account_id",
        "created_at",
        "lead_source",
        "role",
        "title",
        "language",
        "country",
        "industry",
        "employees",
        *counts.columns,
        "sales_status",
        "converted",
    ]
    for col in counts.columns:
        leads[col] = leads[col].astype(int)
    return leads.loc[:, cols].sort_values("lead_id").reset_index(drop=True)
