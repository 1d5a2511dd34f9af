"""How hard is a generated world? Two plain baselines that should work, but not perfectly.

- ``lookalike_baseline``: TF-IDF over each site's visible text, candidates ranked by mean
  cosine similarity to their k nearest customers; precision at k of the hidden ``true_fit``
  against its base rate. Run once with a loose document-frequency cut (boilerplate and page
  templates stay in) and once with a strict one (they go), which shows how much boilerplate
  handling matters.
- ``stage_baseline``: LightGBM on monthly event and order counts (this month, last month, last
  three months, cumulative) predicting the ground-truth stage of later months from earlier
  ones; accuracy against the majority class.
- ``churn_check``: how customers churn (share per quarter, spread over the window) and how
  churned former customers behave (no orders, next to no active engagement).

These are checks of the generator (used by its tests and benchmark), not product models.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from training.datasets import StageRules
from training.world.journeys import CUSTOMER_STAGES

TAGS = re.compile(r"<[^>]+>")
SCRIPTS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


@dataclass(frozen=True, slots=True)
class LookalikeCheck:
    precision_at_k: float
    base_rate: float
    k: int
    max_df: float
    n_true: int


@dataclass(frozen=True, slots=True)
class ChurnCheck:
    quarterly_rates: tuple[float, ...]  # customers churned in a quarter / customers before it
    churned_customers: int  # moves from a customer stage to churned over the window
    churned_months: int  # account-months in churned after having been a customer
    orders: int  # orders (positive amounts) in those months
    active_per_month: float  # active events (not passive, see below) per such month
    passive_per_month: float  # e-mail opens, web visits, page views per such month
    passive_per_customer_month: float  # the same per month in a customer stage

    @property
    def mean_rate(self) -> float:
        return float(np.mean(self.quarterly_rates))


@dataclass(frozen=True, slots=True)
class StageCheck:
    accuracy: float
    majority: float
    test_rows: int


def site_texts(world_dir: Path) -> dict[str, str]:
    """Visible text of every site (all pages joined), by domain."""
    web = Path(world_dir) / "web"
    texts: dict[str, str] = {}
    with (web / "sites.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            parts = []
            for page in row["pages"].split(";"):
                raw = (web / row["domain"] / page).read_bytes().decode(row["charset"])
                parts.append(html.unescape(TAGS.sub(" ", SCRIPTS.sub(" ", raw))))
            texts[row["domain"]] = " ".join(parts)
    return texts


def lookalike_baseline(
    world_dir: Path, *, k: int = 25, neighbours: int = 10, max_df: float = 0.2
) -> LookalikeCheck:
    from sklearn.feature_extraction.text import TfidfVectorizer

    companies = pd.read_csv(Path(world_dir) / "companies.csv")
    texts = site_texts(world_dir)
    matrix = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=max_df).fit_transform(
        [texts[d] for d in companies["domain"]]
    )
    customer = companies["is_customer"].to_numpy() == 1
    similarity = (matrix[~customer] @ matrix[customer].T).toarray()
    score = np.sort(similarity, axis=1)[:, -neighbours:].mean(axis=1)
    truth = companies.loc[~customer, "true_fit"].to_numpy()
    top = np.argsort(-score, kind="stable")[:k]
    return LookalikeCheck(
        precision_at_k=float(truth[top].mean()),
        base_rate=float(truth.mean()),
        k=k,
        max_df=max_df,
        n_true=int(truth.sum()),
    )


def monthly_frame(world_dir: Path) -> pd.DataFrame:
    """One row per account and month: counts per event type, orders, net amount, stage."""
    out = Path(world_dir)
    events = pd.read_csv(out / "events.csv", usecols=["account_id", "timestamp", "event_type"])
    events["month"] = events["timestamp"].str[:7]
    orders = pd.read_csv(out / "transactions.csv", usecols=["account_id", "timestamp", "amount"])
    orders["month"] = orders["timestamp"].str[:7]
    stages = pd.read_csv(out / "stages.csv")
    stages["month"] = stages["as_of"].str[:7]
    counts = events.pivot_table(
        index=["account_id", "month"], columns="event_type", aggfunc="size", fill_value=0
    )
    money = orders.groupby(["account_id", "month"]).agg(
        orders=("amount", "size"), amount=("amount", "sum")
    )
    frame = stages.set_index(["account_id", "month"]).join(counts).join(money).fillna(0)
    return frame.sort_index().drop(columns=["as_of"])


def stage_baseline(world_dir: Path, *, test_months: int = 6) -> StageCheck:
    import lightgbm as lgb

    frame = monthly_frame(world_dir)
    base = [c for c in frame.columns if c != "stage"]
    grouped = frame.groupby(level=0)[base]
    features = pd.concat(
        [
            frame[base],
            grouped.shift(1).fillna(0).add_suffix("_prev"),
            grouped.rolling(3, min_periods=1).sum().droplevel(0).add_suffix("_3m"),
            grouped.cumsum().add_suffix("_cum"),
        ],
        axis=1,
    )
    labels = frame["stage"].astype("category").cat.codes
    months = frame.index.get_level_values("month")
    cut = sorted(months.unique())[-test_months]
    train = months < cut
    model = lgb.LGBMClassifier(n_estimators=150, learning_rate=0.05, verbose=-1, n_jobs=1)
    model.fit(features[train].to_numpy(), labels[train].to_numpy())
    predicted = model.predict(features[~train].to_numpy())
    test = labels[~train].to_numpy()
    return StageCheck(
        accuracy=float((predicted == test).mean()),
        majority=float(pd.Series(test).value_counts(normalize=True).max()),
        test_rows=len(test),
    )


# events that reach accounts which stopped buying: they do not count as engagement for the
# churn label (the label's own rule)
PASSIVE_EVENTS = StageRules().churn_passive_events


def churn_check(world_dir: Path) -> ChurnCheck:
    """Churn per quarter and the behaviour of churned former customers, from the files."""
    out = Path(world_dir)
    frame = monthly_frame(world_dir)
    stage = frame["stage"].unstack()  # accounts x months, months sorted
    customer = stage.isin(list(CUSTOMER_STAGES)).to_numpy()
    churned = (stage == "churned").to_numpy()
    moves = customer[:, :-1] & churned[:, 1:]  # moves[:, m - 1]: churned in month m
    rates = []
    for q in range(0, stage.shape[1], 3):
        months = [m for m in range(q, q + 3) if m >= 1]
        before = customer[:, max(q - 1, 0)].sum()
        if months and before:
            rates.append(float(moves[:, [m - 1 for m in months]].sum() / before))
    was_customer = np.maximum.accumulate(customer, axis=1)
    lapsed = churned & np.concatenate([np.zeros((len(stage), 1), bool), was_customer[:, :-1]], 1)
    lapsed_rows = pd.Series(lapsed.ravel(), index=stage.stack(future_stack=True).index)
    lapsed_rows = lapsed_rows.reindex(frame.index).fillna(False).to_numpy(dtype=bool)
    types = [c for c in frame.columns if c not in ("stage", "orders", "amount")]
    passive = [c for c in types if c in PASSIVE_EVENTS]
    active = [c for c in types if c not in PASSIVE_EVENTS]
    orders = pd.read_csv(out / "transactions.csv", usecols=["account_id", "timestamp", "amount"])
    orders = orders[orders["amount"] > 0]
    keys = pd.MultiIndex.from_arrays([orders["account_id"], orders["timestamp"].str[:7]])
    in_lapsed = keys.isin(frame.index[lapsed_rows])
    in_customer = frame["stage"].isin(list(CUSTOMER_STAGES)).to_numpy()
    n_lapsed = int(lapsed_rows.sum())
    return ChurnCheck(
        quarterly_rates=tuple(rates),
        churned_customers=int(moves.sum()),
        churned_months=n_lapsed,
        orders=int(in_lapsed.sum()),
        active_per_month=float(frame.loc[lapsed_rows, active].to_numpy().sum() / max(n_lapsed, 1)),
        passive_per_month=float(
            frame.loc[lapsed_rows, passive].to_numpy().sum() / max(n_lapsed, 1)
        ),
        passive_per_customer_month=float(
            frame.loc[in_customer, passive].to_numpy().sum() / max(int(in_customer.sum()), 1)
        ),
    )
