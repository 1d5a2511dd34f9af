"""Account journeys: hidden lifecycle stages, contacts, engagement events and transactions.

The journey is a hidden-Markov-style model at month resolution. Each account has a latent
propensity (driven by its web fit plus noise) that speeds up forward moves and slows down
the backward moves of prospects, and a latent churn risk (mostly independent of the fit) that
drives how often a customer turns at risk and churns; stages can move backwards (retention ->
at_risk -> churned, rarely churned -> interest or purchase when won back). Customers churn
steadily, a few per cent a quarter. What is observed (events and orders) depends on the
hidden stage of the month and, with a lag, of the month before, scaled by account-level
activity, per-account channel preferences, seasonality and month-to-month noise, so a model
can learn the stages but not perfectly. Churn is a clean break: no orders, no logins, tickets,
calls or meetings from the first churned month on, only some marketing mail opened and the odd
web visit. Everything is vectorised with numpy.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scoring.features import EVENT_TYPES
from scoring.loaders import STAGES
from training.world.companies import FIRST_NAMES, SURNAMES, Company, slugify

_NAMES = "awareness interest consideration purchase retention advocacy at_risk churned"
AWARENESS, INTEREST, CONSIDERATION, PURCHASE, RETENTION, ADVOCACY, AT_RISK, CHURNED = (
    STAGES.index(name) for name in _NAMES.split()
)
CUSTOMER_STAGES = frozenset({"purchase", "retention", "advocacy", "at_risk"})
ORDERING_STAGES = (PURCHASE, RETENTION, ADVOCACY, AT_RISK)

# Mean events per account and month in each hidden stage. Rows and columns are named, so the
# table does not depend on the order of scoring's STAGES and EVENT_TYPES.
RATE_TABLE = """
event          awareness interest consideration purchase retention advocacy at_risk churned
web_visit      1.2       3.0      5.0           4.0      2.5       3.5      0.9     0.15
page_view      3.0       8.0      15.0          11.0     6.5       9.0      2.0     0.35
email_open     1.5       3.5      4.5           3.5      3.0       4.0      1.5     0.40
email_click    0.20      0.90     1.60          1.20     0.70      1.40     0.20    0.01
form_submit    0.02      0.25     0.80          0.40     0.15      0.30     0.05    0.00
download       0.05      0.50     1.20          0.80     0.30      0.60     0.05    0.00
webinar        0.02      0.20     0.50          0.30     0.20      0.60     0.05    0.00
login          0.00      0.00     0.10          3.00     7.00      9.00     2.00    0.00
call           0.02      0.10     1.00          1.40     0.30      0.40     0.40    0.00
meeting        0.00      0.03     0.70          1.10     0.20      0.50     0.10    0.00
support_ticket 0.00      0.00     0.02          0.50     0.90      0.60     2.20    0.00
"""


def event_rates(table: str = RATE_TABLE) -> np.ndarray:
    """The rate table as an array (len(STAGES), len(EVENT_TYPES)) in scoring's order."""
    lines = [line.split() for line in table.strip().splitlines()]
    columns = lines[0][1:]  # stages
    rows = {line[0]: [float(x) for x in line[1:]] for line in lines[1:]}  # by event type
    if sorted(columns) != sorted(STAGES) or sorted(rows) != sorted(EVENT_TYPES):
        raise ValueError("the event rate table must name every stage and event type once")
    return np.array(
        [[rows[event][columns.index(stage)] for event in EVENT_TYPES] for stage in STAGES]
    )


LAG_WEIGHT = 0.25  # share of last month's stage in this month's behaviour
CHANNELS = {
    "web_visit": "web",
    "page_view": "web",
    "email_open": "email",
    "email_click": "email",
    "form_submit": "web",
    "download": "web",
    "webinar": "event",
    "login": "product",
    "call": "phone",
    "meeting": "meeting",
    "support_ticket": "support",
}
# typical value per event type (lognormal median, sigma); NaN type -> no value
EVENT_VALUES = {
    "web_visit": (150.0, 0.8),  # session seconds
    "page_view": (40.0, 0.9),  # seconds on page
    "webinar": (35.0, 0.4),  # minutes attended
    "login": (12.0, 0.9),  # session minutes
    "call": (14.0, 0.6),  # minutes
    "meeting": (45.0, 0.4),  # minutes
}
SEASONALITY = np.array([0.95, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.8, 1.05, 1.05, 1.0, 0.75])

PRODUCTS = (
    "Sensor kit CM-100",
    "Vibration sensor VS-3",
    "Gateway GW-20",
    "Retrofit package",
    "Analytics licence (annual)",
    "Service contract",
    "Spare parts",
    "Training day",
)
FIRST_ORDER_WEIGHTS = np.array([0.3, 0.15, 0.2, 0.2, 0.1, 0.0, 0.0, 0.05])
REPEAT_ORDER_WEIGHTS = np.array([0.1, 0.12, 0.05, 0.05, 0.25, 0.18, 0.2, 0.05])
CURRENCY = {"DE": "EUR", "AT": "EUR", "CH": "EUR", "GB": "GBP", "US": "USD"}
EUR_RATE = {"EUR": 1.0, "GBP": 0.86, "USD": 1.08}  # currency units per EUR, fixed
RETURN_SHARE = 0.05

ROLES = (
    ("decision_maker", "Geschäftsführer", "Managing Director"),
    ("technical_buyer", "Leiter Instandhaltung", "Head of Maintenance"),
    ("user", "Produktionsingenieur", "Production Engineer"),
    ("procurement", "Einkauf", "Purchasing Manager"),
    ("it", "IT-Leiter", "IT Manager"),
    ("champion", "Leiter Digitalisierung", "Head of Digital Operations"),
)
# Who causes which event, by role in the order of ROLES (other event types: anyone alike).
ROLE_WEIGHTS = {
    "email_open": (0.6, 1.0, 1.0, 0.8, 0.6, 1.0),
    "email_click": (0.4, 1.0, 0.8, 0.5, 0.5, 1.2),
    "form_submit": (0.3, 1.0, 0.6, 0.6, 0.3, 1.2),
    "download": (0.2, 1.2, 1.0, 0.3, 0.5, 1.0),
    "webinar": (0.1, 1.0, 1.2, 0.1, 0.4, 1.2),
    "login": (0.05, 0.6, 2.0, 0.05, 0.8, 1.2),
    "call": (1.0, 1.0, 0.3, 1.0, 0.2, 0.6),
    "meeting": (1.2, 1.0, 0.2, 0.8, 0.3, 0.8),
    "support_ticket": (0.02, 0.4, 1.5, 0.05, 1.0, 0.4),
}


@dataclass(frozen=True, slots=True)
class Calendar:
    """Month boundaries of the simulated window (UTC, second resolution)."""

    starts: np.ndarray  # datetime64[s], length months + 1 (the last is the end boundary)

    @property
    def months(self) -> int:
        return len(self.starts) - 1

    @property
    def month_ends(self) -> list[date]:
        days = (self.starts[1:] - np.timedelta64(1, "D")).astype("datetime64[D]")
        return [d.astype(object) for d in days]

    @property
    def month_of_year(self) -> np.ndarray:
        return self.starts[:-1].astype("datetime64[M]").astype(int) % 12

    @property
    def end(self) -> np.datetime64:
        return self.starts[-1]


def make_calendar(end_date: date, months: int) -> Calendar:
    """``months`` whole months ending at the last month end on or before ``end_date``.

    Nothing is ever generated after ``end_date`` (passing today gives no future events).
    """
    last = np.datetime64(end_date, "M")
    if np.datetime64(end_date, "D") + 1 < (last + 1).astype("datetime64[D]"):
        last = last - 1  # end_date is not a month end: the month is not complete yet
    first = last - (months - 1)
    bounds = np.arange(first, last + 2, dtype="datetime64[M]")
    return Calendar(bounds.astype("datetime64[D]").astype("datetime64[s]"))


# --------------------------------------------------------------------- stages
# The customer base at the start of the window: P(customer) = INITIAL_CUSTOMER_SHARE x fit**2.5
# (an installed base of about 60 with the defaults, which then grows to about 110).
INITIAL_CUSTOMER_SHARE = 0.75
# Churn. Each account has a latent churn risk (lognormal, mean about 1 / sqrt(propensity));
# a customer turns at risk with a monthly hazard of AT_RISK_RATE[stage] x risk, an at-risk
# customer churns with CHURN_RATE x risk a month or is saved (back to retention) with
# RECOVERY_RATE x p / (1 + RECOVERY_RATE x p). With the defaults about 3 to 4 % of the
# customers churn per quarter, steadily over the window, after one to three at-risk months.
AT_RISK_RATE = {"purchase": 0.045, "retention": 0.04, "advocacy": 0.015}
CHURN_RATE = 0.35
RECOVERY_RATE = 0.15
# Churned -> re-engaged per month, x propensity: win-backs are rare (about 1 in 30 a month).
WIN_BACK_RATES = ((INTEREST, 0.008), (CONSIDERATION, 0.004), (PURCHASE, 0.003))


def propensity(rng: np.random.Generator, fit: np.ndarray) -> np.ndarray:
    """Latent speed of an account's journey: high web fit -> faster forward, slower backward."""
    return np.exp(3.5 * (fit - 0.55) + 0.3 * rng.standard_normal(len(fit)))


def initial_stages(rng: np.random.Generator, fit: np.ndarray) -> np.ndarray:
    """Stages in the first month: an installed customer base (mostly healthy) and prospects."""
    n = len(fit)
    stage = np.full(n, AWARENESS, dtype=np.int8)
    is_customer = rng.random(n) < INITIAL_CUSTOMER_SHARE * fit**2.5
    u = rng.random(n)
    stage[is_customer] = np.select(
        [u[is_customer] < 0.74, u[is_customer] < 0.96], [RETENTION, ADVOCACY], AT_RISK
    )
    prospect = ~is_customer
    stage[prospect] = np.select(
        [u[prospect] < 0.6, u[prospect] < 0.85, u[prospect] < 0.95],
        [AWARENESS, INTEREST, CONSIDERATION],
        CHURNED,
    )
    return stage


def churn_risk(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Latent churn-proneness of an account as a customer (use of the product, service,
    budget): mostly independent of the web fit that drives acquisition, so good-fit customers
    churn too; poorly fitting customers (low propensity) are somewhat more at risk."""
    return rng.lognormal(0.0, 0.5, size=len(p)) / np.sqrt(p)


def transition_matrix(stage: np.ndarray, p: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """Per-account probabilities (n, 8) of next month's stage given this month's.

    ``p`` is the propensity (forward speed), ``risk`` the churn risk of each account.
    """
    n = len(stage)
    probs = np.zeros((n, len(STAGES)))
    inv = 1.0 / p
    saved = RECOVERY_RATE * p / (1 + RECOVERY_RATE * p)
    moves = {
        AWARENESS: ((INTEREST, 0.035 * p),),
        INTEREST: ((CONSIDERATION, 0.10 * p), (AWARENESS, 0.06 * inv)),
        CONSIDERATION: ((PURCHASE, 0.12 * p), (INTEREST, 0.10 * inv)),
        PURCHASE: ((RETENTION, np.full(n, 0.8)), (AT_RISK, AT_RISK_RATE["purchase"] * risk)),
        RETENTION: ((ADVOCACY, 0.025 * p), (AT_RISK, AT_RISK_RATE["retention"] * risk)),
        ADVOCACY: ((RETENTION, np.full(n, 0.08)), (AT_RISK, AT_RISK_RATE["advocacy"] * risk)),
        AT_RISK: ((RETENTION, saved), (CHURNED, CHURN_RATE * risk)),
        CHURNED: tuple((dst, rate * p) for dst, rate in WIN_BACK_RATES),
    }
    for src, targets in moves.items():
        rows = stage == src
        if not rows.any():
            continue
        total = np.zeros(int(rows.sum()))
        for dst, prob in targets:
            share = np.minimum(prob[rows], 0.6)
            probs[rows, dst] += share
            total += share
        scale = np.where(total > 0.95, 0.95 / np.maximum(total, 1e-9), 1.0)
        probs[rows] *= scale[:, None]
        probs[rows, src] += 1.0 - probs[rows].sum(axis=1)
    return probs


def simulate_stages(rng: np.random.Generator, fit: np.ndarray, months: int) -> np.ndarray:
    """Hidden stage of every account in every month, shape (accounts, months)."""
    p = propensity(rng, fit)
    risk = churn_risk(rng, p)
    stages = np.empty((len(fit), months), dtype=np.int8)
    stages[:, 0] = initial_stages(rng, fit)
    for m in range(1, months):
        probs = transition_matrix(stages[:, m - 1], p, risk)
        u = rng.random(len(fit))[:, None]
        stages[:, m] = (u > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, len(STAGES) - 1)
    return stages


def stage_frame(account_ids: Sequence[str], stages: np.ndarray, calendar: Calendar) -> pd.DataFrame:
    """Ground-truth snapshots: one row per account and month end."""
    ends = [d.isoformat() for d in calendar.month_ends]
    n, m = stages.shape
    return pd.DataFrame(
        {
            "account_id": np.repeat(np.asarray(account_ids, dtype=object), m),
            "as_of": np.tile(np.asarray(ends, dtype=object), n),
            "stage": np.asarray(STAGES, dtype=object)[stages.ravel()],
        }
    )


def transition_counts(stages: np.ndarray) -> dict[tuple[str, str], int]:
    """How often each (from, to) pair of different stages occurs month to month."""
    src, dst = stages[:, :-1].ravel(), stages[:, 1:].ravel()
    changed = src != dst
    pairs, counts = np.unique(np.stack([src[changed], dst[changed]]), axis=1, return_counts=True)
    return {(STAGES[a], STAGES[b]): int(c) for (a, b), c in zip(pairs.T, counts, strict=True)}


# --------------------------------------------------------------------- contacts
def generate_contacts(
    rng: np.random.Generator, companies: Sequence[Company], seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Buying centres of 2 to 6 people.

    Returns the contacts and a role matrix (accounts, 6): the index into ROLES of each
    account's k-th contact (contact id ``<account>-C<k+1>``), -1 where there is none.
    """
    sizes = rng.integers(2, 7, size=len(companies))
    role_matrix = np.full((len(companies), len(ROLES)), -1, dtype=np.int64)
    rows = []
    for i, (company, size) in enumerate(zip(companies, sizes, strict=True)):
        r = random.Random(f"{seed}:{company.account_id}:contacts")
        lang = company.home_language
        picked = [0, *r.sample(range(1, len(ROLES)), int(size) - 1)]
        role_matrix[i, : len(picked)] = picked
        for k, (role, title_de, title_en) in enumerate(ROLES[j] for j in picked):
            first, last = r.choice(FIRST_NAMES[lang]), r.choice(SURNAMES[lang])
            rows.append(
                {
                    "contact_id": f"{company.account_id}-C{k + 1}",
                    "account_id": company.account_id,
                    "role": role,
                    "title": title_de if lang == "de" else title_en,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{slugify(first)}.{slugify(last)}@{company.domain}",
                    "language": lang,
                }
            )
    return pd.DataFrame(rows), role_matrix


# --------------------------------------------------------------------- events
def _random_times(rng: np.random.Generator, month: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Business-hour-weighted timestamps (datetime64[s]) inside the given months."""
    starts = calendar.starts[:-1][month]
    days_in = ((calendar.starts[1:] - calendar.starts[:-1]) // np.timedelta64(1, "D"))[month]
    day = (rng.random(len(month)) * days_in).astype(np.int64)
    start_days = starts.astype("datetime64[D]").astype(np.int64)
    weekend = (start_days + day + 3) % 7 >= 5
    redraw = weekend & (rng.random(len(month)) < 0.8)
    day[redraw] = (rng.random(int(redraw.sum())) * days_in[redraw]).astype(np.int64)
    hours = np.arange(24)
    weights = np.exp(-0.5 * ((hours - 11.5) / 3.5) ** 2) + 0.02
    hour = rng.choice(hours, size=len(month), p=weights / weights.sum())
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, size=len(month))
    return starts + seconds.astype("timedelta64[s]")


def role_weights() -> np.ndarray:
    """Weights (len(EVENT_TYPES), len(ROLES)) of who in a buying centre causes an event."""
    weights = np.ones((len(EVENT_TYPES), len(ROLES)))
    for event, row in ROLE_WEIGHTS.items():
        weights[EVENT_TYPES.index(event)] = row
    return weights


def _pick_contacts(rng: np.random.Generator, roles: np.ndarray, etype: np.ndarray) -> np.ndarray:
    """For each event, the slot (0..5) of the account's contact who caused it."""
    weights = role_weights()[etype[:, None], np.maximum(roles, 0)] * (roles >= 0)
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(etype))[:, None] * cumulative[:, -1:]
    return (u >= cumulative).sum(axis=1)


def _iso(ts: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(ts, unit="s"), "Z").astype(object)


def generate_events(
    rng: np.random.Generator,
    companies: Sequence[Company],
    stages: np.ndarray,
    calendar: Calendar,
    contact_roles: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Engagement events from the hidden stages (observation model of the journey)."""
    n, months = stages.shape
    employees = np.array([c.employees for c in companies], dtype=float)
    activity = rng.lognormal(0.0, 0.45, size=n) * (employees / 80.0) ** 0.15
    preference = rng.lognormal(0.0, 0.35, size=(n, len(EVENT_TYPES)))
    previous = np.concatenate([stages[:, :1], stages[:, :-1]], axis=1)
    # churn is a clean break (contract ended, logins closed): no carry-over into churned months
    previous = np.where(stages == CHURNED, stages, previous)
    rates = event_rates()
    lam = (1 - LAG_WEIGHT) * rates[stages] + LAG_WEIGHT * rates[previous]
    noise = rng.gamma(4.0, 0.25, size=(n, months))
    season = SEASONALITY[calendar.month_of_year]
    lam *= (activity[:, None] * noise * season[None, :])[:, :, None] * preference[:, None, :]
    counts = rng.poisson(lam)

    flat = np.repeat(np.arange(counts.size), counts.ravel())
    n_types = len(EVENT_TYPES)
    account = flat // (months * n_types)
    month = (flat // n_types) % months
    etype = flat % n_types
    ts = _random_times(rng, month, calendar)

    # who: each event type has its typical roles (users log in, buyers take meetings);
    # web traffic is identified 35 % of the time
    slot = _pick_contacts(rng, contact_roles[account], etype)
    web = np.isin(etype, [EVENT_TYPES.index("web_visit"), EVENT_TYPES.index("page_view")])
    anonymous = web & (rng.random(len(flat)) >= 0.35)
    account_ids = np.array([c.account_id for c in companies], dtype=object)
    contact = np.char.add(
        np.char.add(account_ids[account].astype(str), "-C"), (slot + 1).astype(str)
    ).astype(object)
    contact[anonymous] = ""

    types = np.asarray(EVENT_TYPES, dtype=object)[etype]
    channel = np.vectorize(CHANNELS.get, otypes=[object])(types)
    is_meeting = etype == EVENT_TYPES.index("meeting")
    channel[is_meeting & (rng.random(len(flat)) < 0.6)] = "video"
    value = np.full(len(flat), np.nan)
    for name, (median, sigma) in EVENT_VALUES.items():
        rows = etype == EVENT_TYPES.index(name)
        value[rows] = np.round(rng.lognormal(np.log(median), sigma, size=int(rows.sum())), 1)
    tickets = etype == EVENT_TYPES.index("support_ticket")
    value[tickets] = rng.choice([1.0, 2.0, 3.0], size=int(tickets.sum()), p=[0.2, 0.5, 0.3])

    order = np.lexsort((etype, account, ts))
    frame = pd.DataFrame(
        {
            "event_id": [f"S{seed}-E{i + 1:07d}" for i in range(len(flat))],
            "account_id": account_ids[account][order],
            "timestamp": _iso(ts[order]),
            "event_type": types[order],
            "contact_id": contact[order],
            "channel": channel[order],
            "value": value[order],
        }
    )
    return frame


# --------------------------------------------------------------------- transactions
def generate_transactions(
    rng: np.random.Generator,
    companies: Sequence[Company],
    stages: np.ndarray,
    calendar: Calendar,
    seed: int,
) -> pd.DataFrame:
    """Orders with an account-specific rhythm while the account buys, plus some returns."""
    n, months = stages.shape
    cadence = rng.choice([1, 2, 3, 6], size=n, p=[0.35, 0.2, 0.3, 0.15])
    phase = (rng.random(n) * cadence).astype(int)
    employees = np.array([c.employees for c in companies], dtype=float)
    base = np.exp(rng.normal(np.log(2500.0) + 0.35 * np.log(employees / 80.0), 0.5)) * cadence**0.6

    m_idx = np.arange(months)[None, :]
    due = (m_idx - phase[:, None]) % cadence[:, None] == 0
    u = rng.random((n, months))
    ordering = np.isin(stages, ORDERING_STAGES)
    buys = due & ordering & (u < np.where(stages == AT_RISK, 0.35, 0.85))
    buys |= stages == PURCHASE
    n_orders = np.where(buys, 1 + rng.poisson(0.25, size=(n, months)), 0)

    flat = np.repeat(np.arange(n * months), n_orders.ravel())
    account = flat // months
    month = flat % months
    first = stages[account, month] == PURCHASE
    ts = _random_times(rng, month, calendar)
    currency = np.array([CURRENCY[c.country] for c in companies], dtype=object)[account]
    rate = np.vectorize(EUR_RATE.get, otypes=[float])(currency)
    amount = np.round(base[account] * rng.lognormal(0.0, 0.35, size=len(flat)) * rate, 2)
    product = np.where(
        first,
        rng.choice(
            len(PRODUCTS), size=len(flat), p=FIRST_ORDER_WEIGHTS / FIRST_ORDER_WEIGHTS.sum()
        ),
        rng.choice(
            len(PRODUCTS), size=len(flat), p=REPEAT_ORDER_WEIGHTS / REPEAT_ORDER_WEIGHTS.sum()
        ),
    )
    products = np.asarray(PRODUCTS, dtype=object)[product]

    # returns: a share of an order comes back 3 to 30 days later (dropped past the window)
    returned = rng.random(len(flat)) < RETURN_SHARE
    r_ts = ts[returned] + (rng.integers(3, 31, size=int(returned.sum())) * 86400).astype(
        "timedelta64[s]"
    )
    r_amount = -np.round(amount[returned] * rng.uniform(0.2, 1.0, size=int(returned.sum())), 2)
    keep = r_ts < calendar.end

    account_ids = np.array([c.account_id for c in companies], dtype=object)
    order_ids = np.array([f"S{seed}-O{i + 1:06d}" for i in range(len(flat))], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": np.concatenate(
                [order_ids, np.char.add(order_ids[returned][keep].astype(str), "-R")]
            ),
            "account_id": np.concatenate(
                [account_ids[account], account_ids[account][returned][keep]]
            ),
            "timestamp": np.concatenate([ts, r_ts[keep]]),
            "amount": np.concatenate([amount, r_amount[keep]]),
            "currency": np.concatenate([currency, currency[returned][keep]]),
            "product": np.concatenate([products, products[returned][keep]]),
        }
    )
    frame = frame.sort_values(["timestamp", "order_id"], kind="stable").reset_index(drop=True)
    frame["timestamp"] = _iso(frame["timestamp"].to_numpy(dtype="datetime64[s]"))
    return frame


def net_value_eur(transactions: pd.DataFrame, account_ids: Sequence[str]) -> np.ndarray:
    """Net revenue per account over the window, converted to EUR at the fixed rates."""
    rate = transactions["currency"].map(EUR_RATE).astype(float)
    eur = transactions["amount"].astype(float) / rate
    totals = eur.groupby(transactions["account_id"]).sum()
    return np.round(totals.reindex(list(account_ids)).fillna(0.0).to_numpy(), 2)
