"""The account store: idempotent event/transaction ingest and as-of history reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from scoring.accounts_store import insert_events, insert_transactions, load_history
from scoring.errors import ScoringInputError


def _events() -> list[dict]:
    return [
        {
            "event_id": "e1",
            "account_id": "a",
            "timestamp": "2024-01-01T10:00:00",
            "event_type": "web_visit",
            "campaign": "spring",
        },
        {
            "event_id": "e2",
            "account_id": "a",
            "timestamp": "2024-01-02T10:00:00+02:00",
            "event_type": "email_open",
            "value": 1.5,
        },
        {
            "event_id": None,
            "account_id": "b",
            "timestamp": datetime(2024, 1, 3, tzinfo=UTC),
            "event_type": "form_submit",
        },
        {
            "event_id": "e4",
            "account_id": "b",
            "timestamp": "2024-02-01T00:00:00Z",
            "event_type": "login",
        },
    ]


def test_insert_events_idempotent_and_history(db_engine: sa.Engine) -> None:
    first = insert_events(db_engine, _events())
    assert (first.inserted, first.duplicates) == (4, 0)
    again = insert_events(db_engine, [*_events()[:2], {**_events()[0], "event_id": "e9"}])
    assert (again.inserted, again.duplicates) == (1, 2)
    # a batch repeating an id inside itself stores it once
    inner = insert_events(db_engine, [_events()[3] | {"event_id": "z"}] * 3)
    assert (inner.inserted, inner.duplicates) == (1, 2)

    ev, tx = load_history(db_engine, ["a"], "2024-01-02T08:00:00Z")
    assert list(ev["event_id"]) == ["e1", "e9", "e2"]  # by time; e2 is 08:00 UTC, <= as_of
    assert str(ev["timestamp"].dt.tz) == "UTC"
    assert ev.loc[ev.event_id == "e2", "timestamp"].iloc[0] == pd.Timestamp("2024-01-02 08:00Z")
    assert tx.empty and "amount" in tx.columns
    ev_all, _ = load_history(db_engine, None, datetime(2025, 1, 1, tzinfo=UTC))
    assert set(ev_all["account_id"]) == {"a", "b"} and len(ev_all) == 6
    ev_b, _ = load_history(db_engine, ["b", "b"], "2024-01-31")
    assert len(ev_b) == 1 and ev_b["event_id"].isna().all()


def test_insert_transactions_from_frame(db_engine: sa.Engine) -> None:
    frame = pd.DataFrame(
        {
            "order_id": ["o1", "o2", None],
            "account_id": ["a", "a", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-05"]),
            "amount": [10.0, 20.5, 3.0],
            "currency": ["EUR", "EUR", None],
        }
    )
    assert insert_transactions(db_engine, frame).inserted == 3
    assert insert_transactions(db_engine, frame.iloc[:2]).duplicates == 2
    _, tx = load_history(db_engine, ["a", "c"], "2024-02-01")
    assert sorted(tx["order_id"].dropna()) == ["o1"] and tx["amount"].sum() == 13.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"account_id": "a", "timestamp": "yesterday", "event_type": "x"}, "row 1: timestamp"),
        ({"account_id": "", "timestamp": "2024-01-01", "event_type": "x"}, "row 1: account_id"),
        ({"account_id": "a", "timestamp": "2024-01-01"}, "row 1: event_type is required"),
        (
            {"account_id": "a", "timestamp": "2024-01-01", "event_type": "x", "value": "lots"},
            "row 1: value",
        ),
        (
            {"account_id": "a", "timestamp": "2999-01-01T00:00:00Z", "event_type": "x"},
            "row 1: timestamp: .* is in the future",
        ),
    ],
)
def test_bad_event_rows_are_named_and_nothing_is_stored(
    sqlite_engine: sa.Engine, row: dict, message: str
) -> None:
    good = {"event_id": "ok", "account_id": "a", "timestamp": "2024-01-01", "event_type": "x"}
    with pytest.raises(ScoringInputError, match=message):
        insert_events(sqlite_engine, [good, row])
    ev, _ = load_history(sqlite_engine, None, "2030-01-01")
    assert ev.empty
