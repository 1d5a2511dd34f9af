"""Training frames: point-in-time features at several as-of dates, labels, time-based splits.

Labels for an as-of date ``t`` and a horizon ``h`` (days):

- ``stage``: the stage snapshot of the account at ``t`` (the latest snapshot at or before
  ``t``, at most 31 days old) when snapshots are given; otherwise the documented rules of
  :func:`derive_stages` applied to the features at ``t``.
- ``y_purchase``: 1 when the account places at least one order (positive amount) in
  ``[t, t + h)``: conversion for prospects, repeat purchase for customers.
- ``y_churn`` (customers only, NaN for prospects): 1 when a customer has neither an order nor
  any active engagement event in ``[t, t + h)``. Passive events (``StageRules.
  churn_passive_events``: e-mail opens, web visits and page views by default) do not count:
  they keep arriving from accounts that have stopped buying (opens of marketing mail, people
  browsing), so counting them would leave almost no churn labels.

Outcome labels are NaN when ``t + h`` lies after the end of the data (unknown future).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.bgnbd import BGNBD_FEATURES, BGNBDFeatures
from scoring.features import (
    NS_PER_DAY,
    FeatureConfig,
    build_feature_frames,
    to_utc_timestamp,
)
from scoring.lifecycle import as_matrix
from training.errors import TrainingInputError

log = logging.getLogger(__name__)

PURCHASE, CHURN = "y_purchase", "y_churn"
PURCHASE_DAYS = "n_purchase_days"  # distinct days with an order in the horizon (count label)


@dataclass(frozen=True)
class StageRules:
    """Thresholds of the behaviour rules that derive a stage when there are no snapshots."""

    churn_days_without_order: float = 365.0
    churn_days_without_event: float = 180.0
    at_risk_gap_ratio: float = 2.0
    at_risk_single_order_days: float = 180.0
    new_customer_days: float = 90.0
    advocacy_orders_365d: float = 4.0
    advocacy_contacts_90d: float = 3.0
    # event types that are not engagement for the churn outcome (they reach silent accounts)
    churn_passive_events: tuple[str, ...] = ("email_open", "web_visit", "page_view")


def derive_stages(features: pd.DataFrame, rules: StageRules | None = None) -> pd.Series:
    """Stage per row from point-in-time features (first matching rule wins).

    Customers (at least one order): ``churned`` (no order for 365 days and no interaction for
    180), ``at_risk`` (the gap since the last order is over twice the account's usual gap, or
    over 180 days after a single order), ``purchase`` (first order within 90 days),
    ``advocacy`` (4+ orders in 365 days and 3+ engaged contacts in 90 days), else
    ``retention``. Prospects: ``consideration`` (a form, call, meeting or webinar in 90 days
    with 2+ engaged contacts, or any meeting or call in 90 days), ``interest`` (an e-mail click,
    download, form or webinar in 90 days, or 3+ interactions in 30 days), else ``awareness``.
    """
    r = rules or StageRules()
    f = features

    def col(name: str, fill: float = 0.0) -> np.ndarray:
        if name not in f:
            return np.full(len(f), fill)
        return f[name].to_numpy(dtype=float, na_value=np.nan)

    customer = col("orders_total") > 0
    since_order = np.nan_to_num(col("days_since_last_order", np.nan), nan=np.inf)
    since_event = np.nan_to_num(col("days_since_last_event", np.nan), nan=np.inf)
    gap_ratio = np.nan_to_num(col("order_gap_vs_norm", np.nan), nan=0.0)
    single = col("repeat_order_days") == 0
    first_order = np.nan_to_num(col("days_since_first_order", np.nan), nan=np.inf)
    warm = col("n_form_submit_90d") + col("n_call_90d") + col("n_meeting_90d")
    warm += col("n_webinar_90d")
    talk = col("n_call_90d") + col("n_meeting_90d")
    engaged = col("n_email_click_90d") + col("n_download_90d") + col("n_form_submit_90d")
    engaged += col("n_webinar_90d")
    conditions = [
        customer
        & (since_order > r.churn_days_without_order)
        & (since_event > r.churn_days_without_event),
        customer
        & (
            (~single & (gap_ratio > r.at_risk_gap_ratio))
            | (single & (since_order > r.at_risk_single_order_days))
        ),
        customer & (first_order <= r.new_customer_days),
        customer
        & (col("orders_365d") >= r.advocacy_orders_365d)
        & (col("contacts_90d") >= r.advocacy_contacts_90d),
        customer,
        ((warm > 0) & (col("contacts_90d") >= 2)) | (talk > 0),
        (engaged > 0) | (col("n_events_30d") >= 3),
    ]
    choices = [
        "churned",
        "at_risk",
        "purchase",
        "advocacy",
        "retention",
        "consideration",
        "interest",
    ]
    return pd.Series(np.select(conditions, choices, "awareness"), index=f.index, name="stage")


def data_end(events: pd.DataFrame | None, transactions: pd.DataFrame | None) -> pd.Timestamp:
    """The latest timestamp in the inputs (outcomes after it are unknown)."""
    ends = [
        frame["timestamp"].max()
        for frame in (events, transactions)
        if frame is not None and len(frame)
    ]
    if not ends:
        raise TrainingInputError("no events and no transactions to train on")
    return max(to_utc_timestamp(e) for e in ends)


def data_start(events: pd.DataFrame | None, transactions: pd.DataFrame | None) -> pd.Timestamp:
    starts = [
        frame["timestamp"].min()
        for frame in (events, transactions)
        if frame is not None and len(frame)
    ]
    if not starts:
        raise TrainingInputError("no events and no transactions to train on")
    return min(to_utc_timestamp(s) for s in starts)


def default_as_of_dates(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    horizon_days: int,
    *,
    max_dates: int = 12,
    warmup_days: int = 90,
) -> list[pd.Timestamp]:
    """Month starts (midnight UTC) whose horizon ends inside the data, newest ``max_dates``."""
    start = data_start(events, transactions) + pd.Timedelta(days=warmup_days)
    last = data_end(events, transactions) - pd.Timedelta(days=horizon_days)
    dates = pd.date_range(start.ceil("D"), last, freq="MS")
    if len(dates) < 2:
        raise TrainingInputError(
            f"the data span {data_start(events, transactions):%Y-%m-%d} to "
            f"{data_end(events, transactions):%Y-%m-%d} is too short for two as-of dates "
            f"with a {horizon_days}-day horizon after {warmup_days} days of history"
        )
    return list(dates[-max_dates:])


def _outcomes(
    frame: pd.DataFrame,
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    horizon_days: int,
    end: pd.Timestamp,
    rules: StageRules | None = None,
) -> pd.DataFrame:
    """Add ``y_purchase``, ``n_purchase_days`` and ``y_churn`` to a stacked feature frame."""
    rules = rules or StageRules()
    horizon = horizon_days * NS_PER_DAY
    as_of_ns = frame["as_of"].dt.as_unit("ns").astype("int64").to_numpy()
    key_codes, key_uniques = pd.factorize(frame["account_id"].astype(str))
    key_index = pd.Index(key_uniques)

    def hits(source: pd.DataFrame | None, positive_only: bool) -> np.ndarray:
        """Per row: does the account have a record in [as_of, as_of + h)?"""
        out = np.zeros(len(frame), dtype=bool)
        if source is None or not len(source):
            return out
        if positive_only:
            source = source[pd.to_numeric(source["amount"], errors="coerce") > 0]
        ts = pd.to_datetime(source["timestamp"], utc=True).dt.as_unit("ns").astype("int64")
        ts_ns = ts.to_numpy()
        acct = key_index.get_indexer(source["account_id"].astype(str))
        ts_ns, acct = ts_ns[acct >= 0], acct[acct >= 0]
        for value in np.unique(as_of_ns):
            rows = as_of_ns == value
            window = (ts_ns >= value) & (ts_ns < value + horizon)
            seen = np.zeros(len(key_index), dtype=bool)
            seen[acct[window]] = True
            out[rows] = seen[key_codes[rows]]
        return out

    def purchase_days(source: pd.DataFrame | None) -> np.ndarray:
        """Per row: distinct days (counted from the as-of instant) with an order in the horizon."""
        out = np.zeros(len(frame))
        if source is None or not len(source):
            return out
        source = source[pd.to_numeric(source["amount"], errors="coerce") > 0]
        ts = pd.to_datetime(source["timestamp"], utc=True).dt.as_unit("ns").astype("int64")
        ts_ns = ts.to_numpy()
        acct = key_index.get_indexer(source["account_id"].astype(str))
        ts_ns, acct = ts_ns[acct >= 0], acct[acct >= 0]
        span = horizon_days + 1
        for value in np.unique(as_of_ns):
            rows = as_of_ns == value
            window = (ts_ns >= value) & (ts_ns < value + horizon)
            day = (ts_ns[window] - value) // NS_PER_DAY
            keys = np.unique(acct[window].astype(np.int64) * span + day)
            counts = np.bincount(keys // span, minlength=len(key_index)).astype(float)
            out[rows] = counts[key_codes[rows]]
        return out

    bought = hits(transactions, positive_only=True)
    ordered_any = hits(transactions, positive_only=False)
    active = events
    if events is not None and len(events) and rules.churn_passive_events:
        passive = events["event_type"].astype(str).isin(set(rules.churn_passive_events))
        active = events[~passive.to_numpy()]
    engaged = hits(active, positive_only=False)
    complete = as_of_ns + horizon <= end.value
    customer = frame["orders_total"].to_numpy() > 0
    frame[PURCHASE] = np.where(complete, bought.astype(float), np.nan)
    frame[PURCHASE_DAYS] = np.where(complete, purchase_days(transactions), np.nan)
    churn = ~(ordered_any | engaged)
    frame[CHURN] = np.where(complete & customer, churn.astype(float), np.nan)
    return frame


def _snapshot_stages(frame: pd.DataFrame, stages: pd.DataFrame) -> pd.Series:
    snaps = stages[["account_id", "as_of", "stage"]].copy()
    snaps["account_id"] = snaps["account_id"].astype(str)
    snaps["as_of"] = pd.to_datetime(snaps["as_of"], utc=True).dt.as_unit("ns")
    left = frame[["account_id", "as_of"]].copy()
    left["as_of"] = left["as_of"].dt.as_unit("ns")
    left["_row"] = np.arange(len(left))
    merged = pd.merge_asof(
        left.sort_values("as_of"),
        snaps.sort_values("as_of"),
        on="as_of",
        by="account_id",
        direction="backward",
        tolerance=pd.Timedelta(days=31),
    ).sort_values("_row")
    return pd.Series(merged["stage"].to_numpy(), index=frame.index, name="stage")


def snapshot_as_of_dates(stages: pd.DataFrame, max_dates: int = 12) -> list[pd.Timestamp]:
    """Cut-offs for snapshot dates: a snapshot dated D describes the end of day D."""
    days = pd.to_datetime(stages["as_of"], utc=True).dt.floor("D").drop_duplicates()
    return list((days.sort_values() + pd.Timedelta(days=1)).iloc[-max_dates:])


def build_training_frame(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    *,
    as_of_dates: Sequence[pd.Timestamp] | None = None,
    horizon_days: int = 90,
    stages: pd.DataFrame | None = None,
    config: FeatureConfig | None = None,
    rules: StageRules | None = None,
    web_scores: pd.Series | None = None,
    max_snapshot_dates: int = 12,
) -> pd.DataFrame:
    """Stacked features at each as-of date with ``stage``, ``y_purchase`` and ``y_churn``.

    Default dates: the latest 12 month starts whose horizon ends inside the data; with stage
    snapshots, the latest ``max_snapshot_dates`` snapshot dates after 90 days of history (the
    latest ones carry stages but no outcomes yet).
    """
    if horizon_days <= 0:
        raise TrainingInputError("the horizon must be a positive number of days")
    if transactions is None or not len(transactions):
        raise TrainingInputError("training needs transactions (orders are the outcomes)")
    if as_of_dates is None:
        as_of_dates = default_as_of_dates(events, transactions, horizon_days)
        if stages is not None and len(stages):
            first = data_start(events, transactions) + pd.Timedelta(days=90)
            end = data_end(events, transactions)
            snap = [d for d in snapshot_as_of_dates(stages, 10_000) if first <= d <= end]
            if len(snap) >= 2:
                as_of_dates = snap[-max_snapshot_dates:]
    dates = sorted({to_utc_timestamp(d) for d in as_of_dates})
    frame = build_feature_frames(events, transactions, dates, config, web_scores=web_scores)
    if not len(frame):
        raise TrainingInputError("no account has any history before the as-of dates")
    end = data_end(events, transactions)
    frame = _outcomes(frame, events, transactions, horizon_days, end, rules)
    derived = derive_stages(frame, rules)
    if stages is not None and len(stages):
        snap = _snapshot_stages(frame, stages)
        frame["stage"] = snap
        frame["stage_source"] = np.where(snap.isna(), "rules", "snapshot")
        frame["stage"] = frame["stage"].fillna(derived)
    else:
        frame["stage"] = derived
        frame["stage_source"] = "rules"
    log.info(
        "training frame: %d rows, %d accounts, %d as-of dates",
        len(frame),
        frame["account_id"].nunique(),
        len(dates),
    )
    return frame


def add_bgnbd_features(
    frame: pd.DataFrame, horizon_days: int, names: list[str]
) -> dict[pd.Timestamp, BGNBDFeatures]:
    """Add the BG/NBD columns to a stacked frame, fitted per as-of date on that date's rows.

    Each as-of date's rows hold only history before it, so each fit is point-in-time (what a
    scorer trained on the data up to that date would have carried). Returns the fits by date.
    """
    fits: dict[pd.Timestamp, BGNBDFeatures] = {}
    values = np.full((len(frame), len(BGNBD_FEATURES)), np.nan)
    as_of = frame["as_of"].to_numpy()
    X = as_matrix(frame, names)
    for date in np.unique(as_of):
        rows = as_of == date
        fit = BGNBDFeatures.fit(X[rows], names, horizon_days)
        fits[pd.Timestamp(date)] = fit
        values[rows] = fit.transform(X[rows], names)
    for j, column in enumerate(BGNBD_FEATURES):
        frame[column] = values[:, j]
    return fits


@dataclass(frozen=True)
class TimeSplit:
    train: np.ndarray  # boolean masks over the frame's rows
    valid: np.ndarray
    train_dates: list[pd.Timestamp]
    valid_dates: list[pd.Timestamp]


def time_split(
    frame: pd.DataFrame, horizon_days: int, *, valid_fraction: float = 0.25
) -> TimeSplit:
    """Train on earlier as-of dates, validate on later ones.

    Training dates whose label window reaches into the first validation date are left out
    (a purge gap of one horizon) as long as at least one training date remains.
    """
    dates = sorted(frame["as_of"].unique())
    if len(dates) < 2:
        raise TrainingInputError("a time-based split needs at least two as-of dates")
    n_valid = min(max(1, round(len(dates) * valid_fraction)), len(dates) - 1)
    valid_dates = dates[-n_valid:]
    earlier = dates[:-n_valid]
    gap = pd.Timedelta(days=horizon_days)
    purged = [d for d in earlier if d + gap <= valid_dates[0]]
    if not purged:
        log.warning("no training date ends its horizon before validation; not purging")
        purged = earlier
    as_of = frame["as_of"]
    return TimeSplit(
        train=as_of.isin(purged).to_numpy(),
        valid=as_of.isin(valid_dates).to_numpy(),
        train_dates=[pd.Timestamp(d) for d in purged],
        valid_dates=[pd.Timestamp(d) for d in valid_dates],
    )
