"""The account store: engagement events and transactions in the application database.

Writes are idempotent by ``event_id`` / ``order_id`` (``INSERT ... ON CONFLICT DO NOTHING`` on
SQLite and PostgreSQL). Reads return the history as of a point in time as pandas frames with UTC
timestamps, the input of ``scoring.features``.

Events without ``event_id`` get a derived one (:func:`derived_event_id`): ``"h:"`` + the SHA-256
of the canonical ``account_id``, ``timestamp`` (UTC, ISO 8601 with microseconds),
``event_type``, ``contact_id``, ``channel`` and ``value``, so a CRM retrying a batch without ids
gets its rows counted as duplicates. Consequences: the derived id is stored and read back in
``event_id``; extra columns (``attributes``) are not part of it, so two events that differ only
there, or two identical events in the same microsecond, are stored once (send an
``event_id`` to keep both); events stored without an id before this rule have no derived id, so
one retry of such an old batch is stored again. Transactions without ``order_id`` get one the
same way (:func:`derived_order_id`: account, timestamp, amount, currency, product); identical
orders within one batch are kept apart by their occurrence number (the second gets ``#1``, the
third ``#2``: a retry of the batch gives the same ids), but an identical order sent in a later
batch (date-only timestamps, same amount) counts as a duplicate: send ``order_id`` to keep it.
Timestamps in the future (beyond a few minutes of clock skew) are refused for both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from scoring.errors import ScoringInputError
from scoring.schema_accounts import events, transactions

log = logging.getLogger(__name__)

EVENT_COLUMNS = (
    "event_id",
    "account_id",
    "timestamp",
    "event_type",
    "contact_id",
    "channel",
    "value",
)
TRANSACTION_COLUMNS = ("order_id", "account_id", "timestamp", "amount", "currency", "product")
_CHUNK = 2000  # rows per INSERT and ids per IN (...): well under SQLite's variable limit


@dataclass(frozen=True)
class InsertResult:
    """How many rows were new and how many were already stored (same id)."""

    inserted: int
    duplicates: int


def to_utc(value: Any, *, field: str = "timestamp", row: int | None = None) -> datetime:
    """Parse an ISO 8601 string or datetime; naive values are UTC. Errors name row and field."""
    where = f"row {row}: " if row is not None else ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)  # nanoseconds: microsecond precision
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ScoringInputError(f"{where}{field}: {value!r} is not an ISO 8601 time") from None
    if not isinstance(value, datetime):
        raise ScoringInputError(f"{where}{field}: {value!r} is not a time")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _text(value: Any, field: str, row: int, *, required: bool, max_len: int) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        if required:
            raise ScoringInputError(f"row {row}: {field} is required")
        return None
    text = str(value)
    if len(text) > max_len:
        raise ScoringInputError(f"row {row}: {field} is longer than {max_len} characters")
    return text


def _number(value: Any, field: str, row: int, *, required: bool) -> float | None:
    if value is None or value == "":
        if required:
            raise ScoringInputError(f"row {row}: {field} is required")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ScoringInputError(f"row {row}: {field}: {value!r} is not a number") from None
    if math.isnan(number):
        if required:
            raise ScoringInputError(f"row {row}: {field} is required")
        return None
    if math.isinf(number):
        raise ScoringInputError(f"row {row}: {field} must be finite")
    return number


def _extras(rec: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any] | None:
    extra = {k: v for k, v in rec.items() if k not in known and v is not None}
    return extra or None


FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew between the sender and us


def _not_future(value: datetime, row: int) -> datetime:
    if value > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ScoringInputError(f"row {row}: timestamp: {value.isoformat()} is in the future")
    return value


DERIVED_ID_PREFIX = "h:"


def derived_event_id(event: Mapping[str, Any]) -> str:
    """The id of an event sent without ``event_id``: ``"h:"`` + SHA-256 (hex) of its canonical
    fields, from a row as :func:`normalise_event` makes it (timestamp an aware datetime).

    Equal for the same event however its timestamp was written (``Z``, offset, naive UTC,
    pandas) and its value (``"2"``, ``2``, ``2.0``); different when any of account, time
    (to the microsecond), type, contact, channel or value differs.
    """
    value = event["value"]
    canonical = [
        event["account_id"],
        event["timestamp"].astimezone(UTC).isoformat(timespec="microseconds"),
        event["event_type"],
        event["contact_id"],
        event["channel"],
        None if value is None else float(value) + 0.0,  # -0.0 and 0.0 are the same value
    ]
    return _derived_id(canonical)


def derived_order_id(order: Mapping[str, Any]) -> str:
    """The id of a transaction sent without ``order_id``, like :func:`derived_event_id`: from
    account, timestamp (to the microsecond), amount, currency and product."""
    return _derived_id(
        [
            order["account_id"],
            order["timestamp"].astimezone(UTC).isoformat(timespec="microseconds"),
            float(order["amount"]) + 0.0,
            order["currency"],
            order["product"],
        ]
    )


def _derived_id(canonical: list[Any]) -> str:
    blob = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return DERIVED_ID_PREFIX + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def normalise_event(rec: Mapping[str, Any], row: int) -> dict[str, Any]:
    """One validated event row for the ``events`` table (unknown columns go to ``attributes``);
    a missing ``event_id`` is derived from the event (:func:`derived_event_id`)."""
    event = {
        "event_id": _text(rec.get("event_id"), "event_id", row, required=False, max_len=128),
        "account_id": _text(rec.get("account_id"), "account_id", row, required=True, max_len=128),
        "timestamp": _not_future(to_utc(rec.get("timestamp"), row=row), row),
        "event_type": _text(rec.get("event_type"), "event_type", row, required=True, max_len=64),
        "contact_id": _text(rec.get("contact_id"), "contact_id", row, required=False, max_len=128),
        "channel": _text(rec.get("channel"), "channel", row, required=False, max_len=64),
        "value": _number(rec.get("value"), "value", row, required=False),
        "attributes": _extras(rec, EVENT_COLUMNS),
    }
    if event["event_id"] is None:
        event["event_id"] = derived_event_id(event)
    return event


def normalise_transaction(rec: Mapping[str, Any], row: int) -> dict[str, Any]:
    """One validated transaction row for the ``transactions`` table (``order_id`` may be None:
    :func:`insert_transactions` derives it)."""
    order = {
        "order_id": _text(rec.get("order_id"), "order_id", row, required=False, max_len=128),
        "account_id": _text(rec.get("account_id"), "account_id", row, required=True, max_len=128),
        "timestamp": _not_future(to_utc(rec.get("timestamp"), row=row), row),
        "amount": _number(rec.get("amount"), "amount", row, required=True),
        "currency": _text(rec.get("currency"), "currency", row, required=False, max_len=8),
        "product": _text(rec.get("product"), "product", row, required=False, max_len=10_000),
        "attributes": _extras(rec, TRANSACTION_COLUMNS),
    }
    return order


def _records(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> list[Mapping[str, Any]]:
    if isinstance(rows, pd.DataFrame):
        frame = rows.astype(object).where(rows.notna(), None)
        return frame.to_dict(orient="records")
    return list(rows)


def _insert_idempotent(
    engine: sa.Engine, table: sa.Table, id_column: str, rows: list[dict[str, Any]]
) -> InsertResult:
    dialect = engine.dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two tested databases are supported
        raise ScoringInputError(f"database dialect {dialect!r} is not supported")
    inserted = 0
    with engine.begin() as conn:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            stmt = (
                insert(table)
                .on_conflict_do_nothing(index_elements=[id_column])
                .returning(table.c.id)
            )
            inserted += len(conn.execute(stmt, chunk).all())
    return InsertResult(inserted=inserted, duplicates=len(rows) - inserted)


def insert_events(
    engine: sa.Engine, rows: Iterable[Mapping[str, Any]] | pd.DataFrame
) -> InsertResult:
    """Validate and store events; rows whose ``event_id`` is already stored count as duplicates.

    Rows without ``event_id`` are deduplicated by their derived id (module docstring), so a
    retried batch is not stored twice.

    All rows are validated before anything is written: one bad row raises
    :class:`ScoringInputError` naming its (0-based) row number and field, and nothing is stored.
    """
    records = [normalise_event(rec, i) for i, rec in enumerate(_records(rows))]
    result = _insert_idempotent(engine, events, "event_id", records)
    log.info("events: %d inserted, %d duplicates", result.inserted, result.duplicates)
    return result


def insert_transactions(
    engine: sa.Engine, rows: Iterable[Mapping[str, Any]] | pd.DataFrame
) -> InsertResult:
    """Validate and store transactions, idempotent by ``order_id`` (derived when missing; see
    :func:`insert_events`)."""
    records = [normalise_transaction(rec, i) for i, rec in enumerate(_records(rows))]
    # identical orders without order_id in one batch are separate purchases (the same items on
    # the same day): the k-th repeat gets "#k", so a retried batch maps onto the same ids
    seen: dict[str, int] = {}
    for order in records:
        if order["order_id"] is None:
            base = derived_order_id(order)
            k = seen.get(base, 0)
            seen[base] = k + 1
            order["order_id"] = base if k == 0 else f"{base}#{k}"
    result = _insert_idempotent(engine, transactions, "order_id", records)
    log.info("transactions: %d inserted, %d duplicates", result.inserted, result.duplicates)
    return result


def _read(
    engine: sa.Engine,
    table: sa.Table,
    columns: Sequence[str],
    account_ids: Sequence[str] | None,
    as_of: datetime,
) -> pd.DataFrame:
    cols = [table.c[c] for c in columns]
    base = sa.select(*cols).where(table.c.timestamp <= as_of)
    frames: list[pd.DataFrame] = []
    with engine.connect() as conn:
        if account_ids is None:
            stmts = [base]
        else:
            ids = list(dict.fromkeys(account_ids))
            stmts = [
                base.where(table.c.account_id.in_(ids[i : i + _CHUNK]))
                for i in range(0, len(ids), _CHUNK)
            ]
        for stmt in stmts:
            result = conn.execute(stmt.order_by(table.c.account_id, table.c.timestamp))
            frames.append(pd.DataFrame(result.all(), columns=list(columns)))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    # SQLite returns naive datetimes (stored as UTC); PostgreSQL returns aware ones
    ts = pd.to_datetime(frame["timestamp"], utc=True) if len(frame) else frame["timestamp"]
    frame["timestamp"] = ts if len(frame) else pd.Series([], dtype="datetime64[ns, UTC]")
    return frame


def load_history(
    engine: sa.Engine, account_ids: Sequence[str] | None, as_of: datetime | str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and transactions with ``timestamp <= as_of`` (all accounts when ``None``).

    Returns ``(events_df, transactions_df)`` with the columns of the input contracts and
    tz-aware UTC timestamps, sorted by account and time.
    """
    cutoff = to_utc(as_of, field="as_of")
    events_df = _read(engine, events, EVENT_COLUMNS, account_ids, cutoff)
    tx_df = _read(engine, transactions, TRANSACTION_COLUMNS, account_ids, cutoff)
    return events_df, tx_df
