"""Synthetic account histories with a known mechanism, for tests and benchmarks.

Each account has a latent propensity ``u``. Prospects engage at a rate that rises as their
(latent) conversion approaches, with warmer event types (forms, calls, meetings) near the
conversion; customers order at their own rhythm until they (latently) churn, after which both
orders and engagement fade. Vectorised with numpy: a million events take about a second.

This is not the demo world (``training.world``); it is a compact generator whose outcomes
depend on the history in a learnable but noisy way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.features import EVENT_TYPES

_COLD = np.array([0.35, 0.25, 0.25, 0.06, 0.02, 0.03, 0.02, 0.0, 0.01, 0.0, 0.01])
_WARM = np.array([0.15, 0.15, 0.12, 0.12, 0.1, 0.1, 0.06, 0.0, 0.1, 0.1, 0.0])
_CUSTOMER = np.array([0.1, 0.15, 0.2, 0.08, 0.02, 0.05, 0.03, 0.25, 0.04, 0.03, 0.05])
_CHANNELS = np.array(["web", "email", "events", "sales", "support"], dtype=object)
_TYPE_CHANNEL = np.array([0, 0, 1, 1, 0, 0, 2, 0, 3, 3, 4])


@dataclass(frozen=True)
class SyntheticHistory:
    events: pd.DataFrame
    transactions: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp


def generate_history(
    n_accounts: int = 500,
    *,
    days: int = 730,
    seed: int = 0,
    start: str = "2023-01-01",
    event_rate: float = 0.08,
) -> SyntheticHistory:
    """Events and transactions of ``n_accounts`` accounts over ``days`` days."""
    rng = np.random.default_rng(seed)
    origin = pd.Timestamp(start, tz="UTC")
    u = rng.normal(size=n_accounts)
    first = rng.uniform(0, days * 0.75, n_accounts)
    convert = first + rng.exponential(160 * np.exp(-0.8 * u))
    churn = convert + rng.exponential(300 * np.exp(0.6 * u))
    order_gap = 45 * np.exp(-0.4 * u + rng.normal(0, 0.3, n_accounts))
    n_contacts = rng.integers(1, 7, n_accounts)

    # engagement by thinning a Poisson process at the maximum rate
    base = event_rate * np.exp(0.5 * u)
    max_rate = base * 4.0
    n_cand = rng.poisson(max_rate * (days - first))
    acct = np.repeat(np.arange(n_accounts), n_cand)
    t = first[acct] + rng.uniform(0, 1, len(acct)) * (days - first[acct])
    to_convert = convert[acct] - t
    prospect = to_convert > 0
    churned = t > churn[acct]
    warmth = np.where(prospect, np.exp(-to_convert / 45.0), 0.0)
    rate = np.where(
        prospect,
        base[acct] * (1 + 3 * warmth),
        np.where(churned, base[acct] * 0.15, base[acct] * 1.5),
    )
    keep = rng.uniform(0, 1, len(acct)) * max_rate[acct] < rate
    acct, t, warmth, prospect = acct[keep], t[keep], warmth[keep], prospect[keep]
    p_warm = rng.uniform(0, 1, len(acct)) < warmth
    cum = np.cumsum(np.stack([_COLD, _WARM, _CUSTOMER]), axis=1)
    cum /= cum[:, -1:]
    table = np.where(prospect, np.where(p_warm, 1, 0), 2)
    ev_type = (rng.uniform(0, 1, len(acct))[:, None] > cum[table]).sum(axis=1)
    ev_type = np.minimum(ev_type, len(EVENT_TYPES) - 1)
    contact = rng.integers(0, 1_000_000, len(acct)) % n_contacts[acct]
    ids = np.array([f"acc{i:06d}" for i in range(n_accounts)], dtype=object)
    ts = origin + pd.to_timedelta(t, unit="D")
    events = pd.DataFrame(
        {
            "event_id": np.char.add("e", np.arange(len(acct)).astype(str)),
            "account_id": ids[acct],
            "timestamp": ts,
            "event_type": np.asarray(EVENT_TYPES, dtype=object)[ev_type],
            "contact_id": np.char.add(
                ids[acct].astype(str), np.char.add("-c", contact.astype(str))
            ),
            "channel": _CHANNELS[_TYPE_CHANNEL[ev_type]],
            "value": np.round(rng.exponential(1.0, len(acct)), 2),
        }
    )

    # orders: first at conversion, then gamma-distributed gaps until churn or the end
    buyers = np.flatnonzero(convert < days)
    max_orders = 60
    gaps = rng.gamma(2.0, order_gap[buyers, None] / 2.0, (len(buyers), max_orders))
    gaps[:, 0] = 0.0
    times = convert[buyers, None] + np.cumsum(gaps, axis=1)
    valid = (times < np.minimum(churn[buyers], days)[:, None]) | (np.arange(max_orders) == 0)
    valid &= times < days
    o_acct = np.repeat(buyers, valid.sum(axis=1))
    o_t = times[valid]
    amount = np.round(rng.lognormal(6 + 0.3 * u[o_acct], 0.5), 2)
    is_return = rng.uniform(0, 1, len(o_acct)) < 0.03
    amount = np.where(is_return, -np.round(amount * 0.5, 2), amount)
    transactions = pd.DataFrame(
        {
            "order_id": np.char.add("o", np.arange(len(o_acct)).astype(str)),
            "account_id": ids[o_acct],
            "timestamp": origin + pd.to_timedelta(o_t, unit="D"),
            "amount": amount,
            "currency": "EUR",
            "product": "standard",
        }
    )
    return SyntheticHistory(
        events=events.sort_values("timestamp", ignore_index=True),
        transactions=transactions.sort_values("timestamp", ignore_index=True),
        start=origin,
        end=origin + pd.Timedelta(days=days),
    )
