"""Load events, transactions, stage snapshots and lead tables (CSV or Parquet) with validation.

Every loader checks each row and either raises one :class:`ScoringInputError` naming the bad
rows (``on_error="raise"``, the default) or writes them, with the reason, to a quarantine CSV
and counts them (``on_error="quarantine"``). Rows are never dropped silently: the returned
:class:`LoadReport` counts duplicates, quarantined rows, unknown event types and returns.

Row numbers are 1-based data rows (the CSV header is not counted). Extra columns are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.features import EVENT_TYPES

log = logging.getLogger(__name__)

STAGES: tuple[str, ...] = (
    "awareness",
    "interest",
    "consideration",
    "purchase",
    "retention",
    "advocacy",
    "at_risk",
    "churned",
)
DEFAULT_MISSING_MARKERS: tuple[str, ...] = ("Select", "")
OnError = Literal["raise", "quarantine"]
_SHOWN_ERRORS = 3


@dataclass
class LoadReport:
    """What a loader did with its input."""

    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    duplicates_removed: int = 0
    quarantined: int = 0
    quarantine_path: Path | None = None
    unknown_event_types: dict[str, int] = field(default_factory=dict)
    returns: int = 0

    def summary(self) -> str:
        parts = [f"{self.source}: {self.rows_loaded} of {self.rows_read} rows loaded"]
        if self.duplicates_removed:
            parts.append(f"{self.duplicates_removed} duplicates removed")
        if self.quarantined:
            parts.append(f"{self.quarantined} quarantined to {self.quarantine_path}")
        if self.unknown_event_types:
            n = sum(self.unknown_event_types.values())
            parts.append(f"{n} events of unknown types counted as 'other'")
        if self.returns:
            parts.append(f"{self.returns} returns (negative amounts)")
        return ", ".join(parts)


@dataclass
class Loaded:
    frame: pd.DataFrame
    report: LoadReport


def read_table(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A raw table from a CSV or Parquet file (or a frame, passed through) and its name."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "frame"
    path = Path(source)
    if not path.is_file():
        raise ScoringInputError(f"{path}: no such file")
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        elif suffix.endswith((".csv", ".csv.gz", ".txt")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        else:
            raise ScoringInputError(f"{path}: expected a .csv or .parquet file")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ScoringInputError(f"{path}: unreadable table: {exc}") from exc
    # a trailing comma on every line gives an empty unnamed last column: drop it
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:") and frame[c].isna().all()]
    return frame.drop(columns=unnamed), path.name


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_columns(frame: pd.DataFrame, required: Sequence[str], name: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScoringInputError(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns[:12]))})"
        )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column].astype("string").str.strip()
    return values.mask(values == "")


def _timestamps(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC")
    return pd.to_datetime(values.astype("string"), utc=True, errors="coerce", format="ISO8601")


def _finish(
    frame: pd.DataFrame,
    errors: pd.Series,
    report: LoadReport,
    on_error: OnError,
    quarantine_dir: Path | None,
) -> pd.DataFrame:
    """Raise on or quarantine the rows with an error message; return the good rows."""
    bad = errors.notna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy()) + 1
        if on_error == "raise":
            shown = "; ".join(
                f"row {r}: {m}" for r, m in zip(rows[:_SHOWN_ERRORS], errors[bad], strict=False)
            )
            more = f" (and {len(rows) - _SHOWN_ERRORS} more)" if len(rows) > _SHOWN_ERRORS else ""
            raise ScoringInputError(f"{report.source}: {len(rows)} bad row(s): {shown}{more}")
        target_dir = quarantine_dir or Path(".")
        target_dir.mkdir(parents=True, exist_ok=True)
        stem = Path(report.source).name.split(".")[0] or "input"
        path = target_dir / f"{stem}.quarantine.csv"
        quarantined = frame[bad].copy()
        quarantined.insert(0, "_error", errors[bad].to_numpy())
        quarantined.insert(0, "_row", rows)
        quarantined.to_csv(path, index=False)
        report.quarantined = int(bad.sum())
        report.quarantine_path = path
        log.warning("%s: %d bad rows quarantined to %s", report.source, report.quarantined, path)
    return frame[~bad].reset_index(drop=True)


def _add_error(errors: pd.Series, mask: pd.Series, message: pd.Series | str) -> pd.Series:
    """Keep the first error of each row."""
    new = mask & errors.isna()
    if isinstance(message, str):
        errors[new] = message
    else:
        errors[new] = message[new]
    return errors


def _common(
    frame: pd.DataFrame, name: str, now: datetime | None
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Validate account_id and timestamp; returns the frame, parsed timestamps and errors."""
    errors = pd.Series(pd.NA, index=frame.index, dtype="object")
    account = _text(frame, "account_id")
    errors = _add_error(errors, account.isna(), "account_id is empty")
    ts = _timestamps(frame["timestamp"])
    raw = frame["timestamp"].astype("string")
    errors = _add_error(
        errors, ts.isna(), "timestamp " + raw.fillna("").map(repr) + " is not ISO 8601"
    )
    limit = pd.Timestamp(now or datetime.now(UTC))
    limit = limit.tz_localize("UTC") if limit.tzinfo is None else limit
    errors = _add_error(errors, ts > limit, "timestamp is in the future")
    frame = frame.assign(account_id=account, timestamp=ts)
    return frame, ts, errors


def _dedupe(frame: pd.DataFrame, column: str, report: LoadReport) -> pd.DataFrame:
    if column not in frame.columns:
        return frame
    ids = _text(frame, column)
    dup = ids.notna() & ids.duplicated(keep="first")
    report.duplicates_removed = int(dup.sum())
    if report.duplicates_removed:
        log.info("%s: %d duplicate %s removed", report.source, report.duplicates_removed, column)
    return frame[~dup.to_numpy()].reset_index(drop=True)


def load_events(
    source: str | Path | pd.DataFrame,
    *,
    now: datetime | None = None,
    on_error: OnError = "raise",
    quarantine_dir: Path | None = None,
    event_types: Sequence[str] = EVENT_TYPES,
) -> Loaded:
    """Engagement events: ``account_id``, ``timestamp``, ``event_type`` (+ optional columns).

    Event types are normalised (stripped, lower case); unknown ones are kept and counted (the
    features count them as ``other``). Duplicate ``event_id``s keep their first row.
    """
    raw, name = read_table(source)
    report = LoadReport(source=name, rows_read=len(raw))
    frame = _strip(raw)
    _check_columns(frame, ("account_id", "timestamp", "event_type"), name)
    frame = _dedupe(frame, "event_id", report)
    frame, _, errors = _common(frame, name, now)
    etype = _text(frame, "event_type").str.lower()
    errors = _add_error(errors, etype.isna(), "event_type is empty")
    frame["event_type"] = etype
    if "value" in frame.columns:
        value = pd.to_numeric(frame["value"], errors="coerce")
        errors = _add_error(errors, value.isna() & frame["value"].notna(), "value is not a number")
        frame["value"] = value
    frame = _finish(frame, errors, report, on_error, quarantine_dir)
    unknown = frame.loc[~frame["event_type"].isin(list(event_types)), "event_type"]
    report.unknown_event_types = {str(k): int(v) for k, v in unknown.value_counts().items()}
    if report.unknown_event_types:
        log.info("%s: unknown event types %s", name, report.unknown_event_types)
    report.rows_loaded = len(frame)
    return Loaded(frame, report)


def load_transactions(
    source: str | Path | pd.DataFrame,
    *,
    now: datetime | None = None,
    on_error: OnError = "raise",
    quarantine_dir: Path | None = None,
) -> Loaded:
    """Transactions: ``account_id``, ``timestamp``, ``amount``; negative amounts are returns."""
    raw, name = read_table(source)
    report = LoadReport(source=name, rows_read=len(raw))
    frame = _strip(raw)
    _check_columns(frame, ("account_id", "timestamp", "amount"), name)
    frame = _dedupe(frame, "order_id", report)
    frame, _, errors = _common(frame, name, now)
    amount = pd.to_numeric(frame["amount"], errors="coerce")
    errors = _add_error(
        errors,
        amount.isna() | ~np.isfinite(amount.fillna(0)),
        "amount " + frame["amount"].astype("string").fillna("").map(repr) + " is not a number",
    )
    frame["amount"] = amount
    frame = _finish(frame, errors, report, on_error, quarantine_dir)
    report.returns = int((frame["amount"] < 0).sum())
    report.rows_loaded = len(frame)
    return Loaded(frame, report)


def load_stages(
    source: str | Path | pd.DataFrame,
    *,
    stages: Sequence[str] = STAGES,
    now: datetime | None = None,
    on_error: OnError = "raise",
    quarantine_dir: Path | None = None,
) -> Loaded:
    """Stage snapshots: ``account_id``, ``as_of``, ``stage`` (one of ``stages``)."""
    raw, name = read_table(source)
    report = LoadReport(source=name, rows_read=len(raw))
    frame = _strip(raw)
    _check_columns(frame, ("account_id", "as_of", "stage"), name)
    frame = frame.rename(columns={"as_of": "timestamp"})
    frame, _, errors = _common(frame, name, now)
    stage = _text(frame, "stage").str.lower()
    errors = _add_error(
        errors,
        ~stage.isin(list(stages)),
        "stage " + stage.fillna("").map(repr) + f" is not one of {', '.join(stages)}",
    )
    frame["stage"] = stage
    frame = frame.rename(columns={"timestamp": "as_of"})
    frame = _finish(frame, errors, report, on_error, quarantine_dir)
    dup = frame.duplicated(["account_id", "as_of"], keep="last")
    report.duplicates_removed = int(dup.sum())
    frame = frame[~dup].reset_index(drop=True)
    report.rows_loaded = len(frame)
    return Loaded(frame, report)


def load_lead_table(
    source: str | Path | pd.DataFrame,
    *,
    id_column: str,
    target_column: str | None = None,
    missing_markers: Sequence[str] = DEFAULT_MISSING_MARKERS,
    on_error: OnError = "raise",
    quarantine_dir: Path | None = None,
) -> Loaded:
    """A CRM lead export: an id column, optionally a 0/1 target, any other columns as features.

    Cells equal to one of ``missing_markers`` (e.g. ``Select``) become missing. The target
    accepts 0/1, true/false and yes/no. Rows with an empty id or an unreadable target are bad
    rows; duplicate ids keep their first row.
    """
    raw, name = read_table(source)
    report = LoadReport(source=name, rows_read=len(raw))
    frame = _strip(raw)
    required = [id_column] + ([target_column] if target_column else [])
    _check_columns(frame, required, name)
    markers = {m.strip() for m in missing_markers}
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            values = frame[column].astype("string").str.strip()
            frame[column] = values.mask(values.isin(markers)).astype(object)
    frame = _dedupe(frame, id_column, report)
    errors = pd.Series(pd.NA, index=frame.index, dtype="object")
    errors = _add_error(errors, frame[id_column].isna(), f"{id_column} is empty")
    if target_column:
        target = _binary_target(frame[target_column])
        errors = _add_error(
            errors,
            target.isna(),
            f"{target_column} "
            + frame[target_column].astype("string").fillna("").map(repr)
            + " is not 0/1",
        )
        frame[target_column] = target
    frame = _finish(frame, errors, report, on_error, quarantine_dir)
    if target_column:
        frame[target_column] = frame[target_column].astype(int)
    report.rows_loaded = len(frame)
    return Loaded(frame, report)


_TRUE = {"1", "1.0", "true", "yes", "y", "t", "converted", "won"}
_FALSE = {"0", "0.0", "false", "no", "n", "f", "lost"}


def _binary_target(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(np.nan, index=values.index, dtype=float)
    out[text.isin(_TRUE).fillna(False).to_numpy()] = 1.0
    out[text.isin(_FALSE).fillna(False).to_numpy()] = 0.0
    return out
