"""Point-in-time account features from engagement events and transactions.

One implementation for training and serving: :func:`build_features` turns raw events and
transactions into one row per account as of a cut-off instant, using nothing at or after it.
Everything is vectorised with numpy (``bincount`` over integer codes, ``ufunc.at`` for
recency); there is no per-account Python loop. :func:`build_feature_frames` computes several
as-of dates from one preparation of the inputs (training frames).

Timestamps are UTC; naive ones are taken as UTC. ``as_of`` is an exclusive cut-off: an event
at exactly ``as_of`` is not used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from scoring.errors import ScoringInputError

log = logging.getLogger(__name__)

EVENT_TYPES: tuple[str, ...] = (
    "web_visit",
    "page_view",
    "email_open",
    "email_click",
    "form_submit",
    "download",
    "webinar",
    "login",
    "call",
    "meeting",
    "support_ticket",
)
OTHER = "other"
NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class FeatureConfig:
    """Which windows and event types become features.

    Event types not in ``event_types`` are counted under ``other``. ``breadth_window`` is the
    window for distinct contacts and channels (the buying centre).
    """

    windows: tuple[int, ...] = (7, 30, 90, 365)
    event_types: tuple[str, ...] = EVENT_TYPES
    breadth_window: int = 90
    trend_windows: tuple[tuple[int, int], ...] = field(default=((30, 90), (90, 365)))

    def __post_init__(self) -> None:
        if not self.windows or any(w <= 0 for w in self.windows):
            raise ScoringInputError("feature windows must be positive numbers of days")
        for short, long in self.trend_windows:
            if short not in self.windows or long not in self.windows or short >= long:
                raise ScoringInputError(
                    f"trend window ({short}, {long}) must be two configured windows, short < long"
                )


def to_utc_timestamp(value: datetime | date | str | pd.Timestamp) -> pd.Timestamp:
    """A UTC timestamp from a datetime, date or ISO string (naive means UTC)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ScoringInputError(f"not a date or timestamp: {value!r}") from exc
    if ts is pd.NaT:
        raise ScoringInputError(f"not a date or timestamp: {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _ns(values: pd.Series) -> np.ndarray:
    """int64 nanoseconds since the epoch (UTC) of a timestamp column."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(values.dtype):
            values = values.dt.tz_localize("UTC")
        else:
            try:
                values = pd.to_datetime(values, utc=True, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise ScoringInputError(f"unparseable timestamps: {exc}") from exc
    out = values.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy(dtype="datetime64[ns]")
    if np.isnat(out).any():
        raise ScoringInputError("timestamps must not be empty")
    return out.view("int64")


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScoringInputError(f"{what} lack the column(s) {', '.join(missing)}")


@dataclass
class _Prepared:
    """Integer-coded, time-sorted arrays of the inputs, shared by several as-of dates."""

    accounts: np.ndarray  # account id per code (object)
    ev_ts: np.ndarray
    ev_acct: np.ndarray
    ev_type: np.ndarray
    ev_contact: np.ndarray  # -1 = unknown
    ev_channel: np.ndarray
    ev_value: np.ndarray
    n_contacts: int
    n_channels: int
    tx_ts: np.ndarray
    tx_acct: np.ndarray
    tx_amount: np.ndarray


def _str_factorize(series: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct values as strings (ids may arrive as numbers)."""
    if series is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    codes, uniques = pd.factorize(series)
    if (codes < 0).any():
        raise ScoringInputError("account_id must not be empty")
    return codes.astype(np.int64), np.asarray([str(u) for u in uniques], dtype=object)


def _codes(series: pd.Series | None, n: int) -> tuple[np.ndarray, int]:
    if series is None:
        return np.full(n, -1, dtype=np.int64), 0
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


def _prepare(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    config: FeatureConfig,
    accounts: Sequence[str] | None,
) -> _Prepared:
    events = events if events is not None else pd.DataFrame()
    transactions = transactions if transactions is not None else pd.DataFrame()
    if len(events):
        _require(events, ("account_id", "timestamp", "event_type"), "events")
    if len(transactions):
        _require(transactions, ("account_id", "timestamp", "amount"), "transactions")
    ev_codes, ev_uniques = _str_factorize(events["account_id"] if len(events) else None)
    tx_codes, tx_uniques = _str_factorize(transactions["account_id"] if len(transactions) else None)
    extra = [str(a) for a in accounts] if accounts is not None else []
    uniques = pd.Index(np.concatenate([ev_uniques, tx_uniques, np.asarray(extra, dtype=object)]))
    uniques = uniques.unique()
    ev_acct = uniques.get_indexer(ev_uniques).astype(np.int64)[ev_codes]
    tx_acct = uniques.get_indexer(tx_uniques).astype(np.int64)[tx_codes]
    n_ev = len(ev_codes)

    type_index = {t: i for i, t in enumerate(config.event_types)}
    if n_ev:
        ev_ts = _ns(events["timestamp"])
        t_codes, t_uniques = pd.factorize(events["event_type"])
        lut = np.array(
            [type_index.get(str(t).strip().lower(), len(type_index)) for t in t_uniques]
            + [len(type_index)],
            dtype=np.int64,
        )
        ev_type = lut[t_codes]  # code -1 (missing) -> the last entry: other
        ev_contact, n_contacts = _codes(events.get("contact_id"), n_ev)
        ev_channel, n_channels = _codes(events.get("channel"), n_ev)
        ev_value = (
            pd.to_numeric(events["value"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
            if "value" in events
            else np.zeros(n_ev)
        )
        order = np.argsort(ev_ts, kind="stable")
        ev_ts, ev_acct, ev_type = ev_ts[order], ev_acct[order], ev_type[order]
        ev_contact, ev_channel, ev_value = ev_contact[order], ev_channel[order], ev_value[order]
    else:
        ev_ts = ev_acct = ev_type = ev_contact = ev_channel = np.zeros(0, dtype=np.int64)
        ev_value = np.zeros(0)
        n_contacts = n_channels = 0
    if len(tx_codes):
        tx_ts = _ns(transactions["timestamp"])
        amount = pd.to_numeric(transactions["amount"], errors="coerce")
        if amount.isna().any():
            raise ScoringInputError("transaction amounts must be numbers")
        tx_amount = amount.to_numpy(dtype=float)
        order = np.argsort(tx_ts, kind="stable")
        tx_ts, tx_acct, tx_amount = tx_ts[order], tx_acct[order], tx_amount[order]
    else:
        tx_ts = tx_acct = np.zeros(0, dtype=np.int64)
        tx_amount = np.zeros(0)
    return _Prepared(
        accounts=np.asarray(uniques, dtype=object),
        ev_ts=ev_ts,
        ev_acct=ev_acct,
        ev_type=ev_type,
        ev_contact=ev_contact,
        ev_channel=ev_channel,
        ev_value=ev_value,
        n_contacts=n_contacts,
        n_channels=n_channels,
        tx_ts=tx_ts,
        tx_acct=tx_acct,
        tx_amount=tx_amount,
    )


def feature_names(config: FeatureConfig | None = None) -> list[str]:
    """The feature columns, in the order :func:`build_features` returns them."""
    config = config or FeatureConfig()
    types = [*config.event_types, OTHER]
    names = [f"n_{t}_{w}d" for t in types for w in config.windows]
    names += [f"days_since_{t}" for t in types]
    names += [f"n_events_{w}d" for w in config.windows]
    names += [f"events_trend_{s}_{lo}d" for s, lo in config.trend_windows]
    names += [
        "days_since_last_event",
        "days_since_first_event",
        "days_since_first_touch",
        f"contacts_{config.breadth_window}d",
        "contacts_total",
        f"channels_{config.breadth_window}d",
        f"event_value_{config.breadth_window}d",
        "is_customer",
        "orders_total",
    ]
    names += [f"orders_{w}d" for w in config.windows]
    names += [
        "days_since_last_order",
        "days_since_first_order",
        "repeat_order_days",
        "order_span_days",
        "mean_interpurchase_days",
        "order_gap_vs_norm",
        "revenue_total",
    ]
    names += [f"revenue_{w}d" for w in config.windows]
    names += [f"revenue_trend_{s}_{lo}d" for s, lo in config.trend_windows]
    names += [
        "avg_order_value",
        "returns_365d",
        "return_amount_365d",
        "return_share",
        "web_fit_score",
    ]
    return names


_LABELS = {
    "days_since_last_event": "days since the last interaction",
    "days_since_first_event": "days since the first interaction",
    "days_since_first_touch": "days since the first touch",
    "contacts_total": "distinct contacts ever engaged",
    "is_customer": "is a customer",
    "orders_total": "orders so far",
    "days_since_last_order": "days since the last order",
    "days_since_first_order": "days since the first order",
    "repeat_order_days": "repeat purchase days",
    "order_span_days": "days between first and last order",
    "mean_interpurchase_days": "usual days between orders",
    "order_gap_vs_norm": "days since the last order relative to the usual gap",
    "revenue_total": "revenue so far",
    "avg_order_value": "average order value",
    "returns_365d": "returns in the last 365 days",
    "return_amount_365d": "returned amount in the last 365 days",
    "return_share": "share of revenue returned",
    "web_fit_score": "web fit score",
    "bgnbd_p_purchase": "chance of an order in the horizon from the purchase rhythm (BG/NBD)",
    "bgnbd_p_alive": "chance the customer is still active (BG/NBD)",
    "bgnbd_expected_purchases": "expected orders in the horizon from the purchase rhythm (BG/NBD)",
}


def feature_label(name: str) -> str:
    """A readable label for a feature name (used in score reasons)."""
    if name in _LABELS:
        return _LABELS[name]
    parts = name.split("_")
    if name.startswith("days_since_"):
        return f"days since the last {name[len('days_since_') :].replace('_', ' ')}"
    if name.startswith("n_events_"):
        return f"interactions in the last {parts[-1][:-1]} days"
    if name.startswith("events_trend_"):
        return f"interaction trend ({parts[2]} vs {parts[3][:-1]} days)"
    if name.startswith("revenue_trend_"):
        return f"revenue trend ({parts[2]} vs {parts[3][:-1]} days)"
    if name.startswith(("orders_", "revenue_", "contacts_", "channels_")):
        return f"{parts[0]} in the last {parts[-1][:-1]} days"
    if name.startswith("event_value_"):
        return f"interaction value in the last {parts[-1][:-1]} days"
    if name.startswith("n_") and name.endswith("d"):
        return f"{' '.join(parts[1:-1])} events in the last {parts[-1][:-1]} days"
    return name.replace("_", " ")


def _distinct_count(acct: np.ndarray, other: np.ndarray, n_other: int, n_acct: int) -> np.ndarray:
    keep = other >= 0
    if not keep.any():
        return np.zeros(n_acct)
    key = pd.unique(acct[keep] * max(n_other, 1) + other[keep])
    return np.bincount(key // max(n_other, 1), minlength=n_acct).astype(float)


def _trend(recent: np.ndarray, total: np.ndarray, short: int, long: int) -> np.ndarray:
    """log rate of the recent window against the rest of the long window (0 = flat)."""
    earlier = (total - recent) * (short / (long - short))
    return np.log1p(recent) - np.log1p(np.maximum(earlier, 0.0))


def _compute(
    prep: _Prepared, cutoff_ns: int, config: FeatureConfig, web: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix (rows = accounts with any history before the cut-off) and their codes."""
    n_acct = len(prep.accounts)
    k = len(config.event_types) + 1
    ne = int(np.searchsorted(prep.ev_ts, cutoff_ns, side="left"))
    nt = int(np.searchsorted(prep.tx_ts, cutoff_ns, side="left"))
    e_acct, e_type = prep.ev_acct[:ne], prep.ev_type[:ne]
    e_age = (cutoff_ns - prep.ev_ts[:ne]) / NS_PER_DAY
    t_acct, t_amt = prep.tx_acct[:nt], prep.tx_amount[:nt]
    t_age = (cutoff_ns - prep.tx_ts[:nt]) / NS_PER_DAY
    cols: list[np.ndarray] = []

    # counts per event type and window
    key = e_acct * k + e_type
    per_window = {}
    for w in config.windows:
        m = e_age < w
        per_window[w] = np.bincount(key[m], minlength=n_acct * k).reshape(n_acct, k)
    for t in range(k):
        for w in config.windows:
            cols.append(per_window[w][:, t].astype(float))
    # recency per type
    last = np.full(n_acct * k, np.inf)
    np.minimum.at(last, key, e_age)
    last = last.reshape(n_acct, k)
    last[np.isinf(last)] = np.nan
    cols.extend(last[:, t] for t in range(k))
    totals = {w: per_window[w].sum(axis=1).astype(float) for w in config.windows}
    cols.extend(totals[w] for w in config.windows)
    cols.extend(_trend(totals[s], totals[lo], s, lo) for s, lo in config.trend_windows)
    last_ev = np.full(n_acct, np.inf)
    np.minimum.at(last_ev, e_acct, e_age)
    first_ev = np.full(n_acct, -np.inf)
    np.maximum.at(first_ev, e_acct, e_age)
    # breadth: the buying centre
    bw = config.breadth_window
    mb = e_age < bw
    contacts_bw = _distinct_count(e_acct[mb], prep.ev_contact[:ne][mb], prep.n_contacts, n_acct)
    contacts_all = _distinct_count(e_acct, prep.ev_contact[:ne], prep.n_contacts, n_acct)
    channels_bw = _distinct_count(e_acct[mb], prep.ev_channel[:ne][mb], prep.n_channels, n_acct)
    value_bw = np.bincount(e_acct[mb], weights=prep.ev_value[:ne][mb], minlength=n_acct)

    # transactions
    pos = t_amt > 0
    p_acct, p_age, p_amt = t_acct[pos], t_age[pos], t_amt[pos]
    orders_total = np.bincount(p_acct, minlength=n_acct).astype(float)
    last_o = np.full(n_acct, np.inf)
    np.minimum.at(last_o, p_acct, p_age)
    first_o = np.full(n_acct, -np.inf)
    np.maximum.at(first_o, p_acct, p_age)
    order_days = pd.unique(p_acct * 1_000_000 + np.floor(p_age).astype(np.int64))
    repeat_days = np.maximum(np.bincount(order_days // 1_000_000, minlength=n_acct) - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        first_o_f = np.where(np.isinf(first_o), np.nan, first_o)
        last_o_f = np.where(np.isinf(last_o), np.nan, last_o)
        span = first_o_f - last_o_f
        mean_gap = np.where(repeat_days > 0, span / repeat_days, np.nan)
        gap_vs_norm = last_o_f / mean_gap
    rev_total = np.bincount(p_acct, weights=p_amt, minlength=n_acct)
    orders_w, rev_w = {}, {}
    for w in config.windows:
        m = p_age < w
        orders_w[w] = np.bincount(p_acct[m], minlength=n_acct).astype(float)
        rev_w[w] = np.bincount(p_acct[m], weights=p_amt[m], minlength=n_acct)
    neg = (~pos) & (t_age < 365)
    returns = np.bincount(t_acct[neg], minlength=n_acct).astype(float)
    return_amt = np.bincount(t_acct[neg], weights=np.abs(t_amt[neg]), minlength=n_acct)
    with np.errstate(invalid="ignore", divide="ignore"):
        aov = np.where(orders_total > 0, rev_total / orders_total, np.nan)
        m = p_age < 365
        rev_365 = np.bincount(p_acct[m], weights=p_amt[m], minlength=n_acct)
        return_share = np.where(rev_365 > 0, return_amt / rev_365, np.nan)

    last_ev_f = np.where(np.isinf(last_ev), np.nan, last_ev)
    first_ev_f = np.where(np.isinf(first_ev), np.nan, first_ev)
    cols += [
        last_ev_f,
        first_ev_f,
        np.fmax(first_ev_f, first_o_f),
        contacts_bw,
        contacts_all,
        channels_bw,
        value_bw,
        (orders_total > 0).astype(float),
        orders_total,
    ]
    cols.extend(orders_w[w] for w in config.windows)
    cols += [last_o_f, first_o_f, repeat_days.astype(float), span, mean_gap, gap_vs_norm, rev_total]
    cols.extend(rev_w[w] for w in config.windows)
    cols.extend(_trend(rev_w[s], rev_w[lo], s, lo) for s, lo in config.trend_windows)
    cols += [aov, returns, return_amt, return_share]
    cols.append(web if web is not None else np.full(n_acct, np.nan))
    matrix = np.column_stack(cols)
    active = np.zeros(n_acct, dtype=bool)
    active[e_acct] = True
    active[t_acct] = True
    return matrix, active


def _web_vector(prep: _Prepared, web_scores: pd.Series | None) -> np.ndarray | None:
    if web_scores is None:
        return None
    scores = pd.to_numeric(web_scores, errors="coerce")
    scores.index = scores.index.astype(str)
    return (
        pd.Series(prep.accounts)
        .map(scores[~scores.index.duplicated()])
        .to_numpy(dtype=float, na_value=np.nan)
    )


def build_feature_frames(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    as_of_dates: Sequence[datetime | date | str | pd.Timestamp],
    config: FeatureConfig | None = None,
    *,
    accounts: Sequence[str] | None = None,
    web_scores: pd.Series | None = None,
) -> pd.DataFrame:
    """Features for several as-of dates, stacked: columns ``account_id``, ``as_of``, features.

    An account appears for an as-of date when it has any event or transaction before it (or
    is listed in ``accounts``).
    """
    config = config or FeatureConfig()
    prep = _prepare(events, transactions, config, accounts)
    web = _web_vector(prep, web_scores)
    forced = np.zeros(len(prep.accounts), dtype=bool)
    if accounts is not None:
        forced[pd.Index(prep.accounts).get_indexer(list(accounts))] = True
    names = feature_names(config)
    parts = []
    for value in as_of_dates:
        cutoff = to_utc_timestamp(value)
        matrix, active = _compute(prep, cutoff.value, config, web)
        rows = active | forced
        frame = pd.DataFrame(matrix[rows], columns=names)
        frame.insert(0, "as_of", cutoff)
        frame.insert(0, "account_id", prep.accounts[rows])
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["account_id", "as_of", *names])
    return pd.concat(parts, ignore_index=True)


def build_features(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    as_of: datetime | date | str | pd.Timestamp,
    config: FeatureConfig | None = None,
    *,
    accounts: Sequence[str] | None = None,
    web_scores: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per account (index ``account_id``) of point-in-time features as of ``as_of``.

    ``events`` may be None or empty (transactions alone work, and vice versa). Accounts in
    ``accounts`` get a row even without history (counts 0, recencies NaN). ``web_scores`` maps
    account_id to the web-scoring score, when one exists.
    """
    frame = build_feature_frames(
        events, transactions, [as_of], config, accounts=accounts, web_scores=web_scores
    )
    return frame.drop(columns=["as_of"]).set_index("account_id")
