"""The account store: idempotent event/transaction ingest and as-of history reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from scoring.accounts_store import (
    derived_event_id,
    derived_order_id,
    insert_events,
    insert_transactions,
    load_history,
)
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
    # the row sent without an id carries its derived one
    assert len(ev_b) == 1 and ev_b["event_id"].iloc[0] == derived_event_id(
        {
            "account_id": "b",
            "timestamp": datetime(2024, 1, 3, tzinfo=UTC),
            "event_type": "form_submit",
            "contact_id": None,
            "channel": None,
            "value": None,
        }
    )


def _crm_batch() -> list[dict]:
    """A CRM batch without event ids: two visits of one contact, an anonymous visit, a call."""
    return [
        {"account_id": "a", "timestamp": "2024-03-01T09:00:00Z", "event_type": "web_visit",
         "contact_id": "c1", "channel": "web", "value": 120, "page": "/preise"},
        {"account_id": "a", "timestamp": "2024-03-01T09:05:00Z", "event_type": "web_visit",
         "contact_id": "c1", "channel": "web", "value": 30},
        {"account_id": "a", "timestamp": "2024-03-01T09:05:00Z", "event_type": "web_visit",
         "value": 30},
        {"account_id": "b", "timestamp": "2024-03-02T14:00:00.250000+01:00",
         "event_type": "call", "contact_id": "c7", "channel": "phone", "value": 12.5},
    ]  # fmt: skip


def test_events_without_id_are_idempotent(db_engine: sa.Engine) -> None:
    first = insert_events(db_engine, _crm_batch())
    assert (first.inserted, first.duplicates) == (4, 0)
    # the CRM retries the batch: nothing is stored twice
    retry = insert_events(db_engine, _crm_batch())
    assert (retry.inserted, retry.duplicates) == (0, 4)
    # the same events written differently: offset instead of Z, naive UTC, pandas, value as
    # text or int, another extra column (not part of the identity), a DataFrame
    rewritten = [
        _crm_batch()[0] | {"timestamp": "2024-03-01T10:00:00+01:00", "value": "120.0"},
        _crm_batch()[1] | {"timestamp": "2024-03-01T09:05:00", "campaign": "spring"},
        _crm_batch()[2] | {"timestamp": pd.Timestamp("2024-03-01 09:05", tz="UTC"), "value": 30.0},
        _crm_batch()[3] | {"timestamp": datetime(2024, 3, 2, 13, 0, 0, 250000, tzinfo=UTC)},
    ]
    again = insert_events(db_engine, rewritten)
    assert (again.inserted, again.duplicates) == (0, 4)
    frame = pd.DataFrame(_crm_batch())
    assert insert_events(db_engine, frame).duplicates == 4
    ev, _ = load_history(db_engine, None, "2025-01-01")
    assert len(ev) == 4
    assert all(i.startswith("h:") and len(i) == 66 for i in ev["event_id"])
    assert ev["event_id"].is_unique


def test_events_without_id_that_differ_are_all_stored(db_engine: sa.Engine) -> None:
    base = _crm_batch()[1]
    variants = [
        base,
        base | {"timestamp": "2024-03-01T09:05:00.000001Z"},  # one microsecond later
        base | {"timestamp": "2024-03-01T09:06:00Z"},
        base | {"value": 31},
        base | {"value": None},
        base | {"value": 0},
        base | {"contact_id": "c2"},
        base | {"contact_id": None},
        base | {"channel": "email"},
        base | {"event_type": "page_view"},
        base | {"account_id": "z"},
        base | {"event_id": "crm-1"},  # an explicit id is kept as sent, never derived
    ]
    result = insert_events(db_engine, variants)
    assert (result.inserted, result.duplicates) == (len(variants), 0)
    ev, _ = load_history(db_engine, None, "2025-01-01")
    assert len(ev) == len(variants)
    assert sum(not i.startswith("h:") for i in ev["event_id"]) == 1
    assert "crm-1" in set(ev["event_id"])
    # the one with the explicit id is not a duplicate of the derived one, and a retry of all
    # twelve stores nothing
    assert insert_events(db_engine, variants).duplicates == len(variants)


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
    # a retry of the whole batch stores nothing, the row without order_id included
    assert insert_transactions(db_engine, frame).duplicates == 3
    # the same order but another amount is another order
    assert insert_transactions(db_engine, frame.iloc[2:].assign(amount=4.0)).inserted == 1
    _, tx = load_history(db_engine, ["a", "c"], "2024-02-01")
    assert tx["amount"].sum() == 17.0 and len(tx) == 3
    derived = derived_order_id(
        {
            "account_id": "c",
            "timestamp": datetime(2024, 1, 5, tzinfo=UTC),
            "amount": 3,
            "currency": None,
            "product": None,
        }
    )
    assert derived in set(tx["order_id"]) and "o1" in set(tx["order_id"])


def test_identical_orders_without_id_in_one_batch_are_kept_and_a_retry_is_not(
    db_engine: sa.Engine,
) -> None:
    same_day = {"account_id": "a", "timestamp": "2024-03-01", "amount": 9.99}
    batch = [same_day, same_day, {**same_day, "amount": 5.0}, same_day]
    assert insert_transactions(db_engine, batch).inserted == 4
    assert insert_transactions(db_engine, batch).duplicates == 4
    _, tx = load_history(db_engine, ["a"], "2024-04-01")
    assert len(tx) == 4 and tx["amount"].sum() == 3 * 9.99 + 5.0
    assert tx["order_id"].is_unique


def test_insert_transactions_refuses_a_future_order_and_stores_nothing(
    db_engine: sa.Engine,
) -> None:
    rows = [
        {"account_id": "a", "timestamp": "2024-01-01", "amount": 5},
        {"account_id": "a", "timestamp": "2999-01-01T00:00:00Z", "amount": 5},
    ]
    with pytest.raises(ScoringInputError, match=r"row 1: timestamp: .* is in the future"):
        insert_transactions(db_engine, rows)
    _, tx = load_history(db_engine, None, "2100-01-01")
    assert tx.empty


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
