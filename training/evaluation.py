"""Metrics and plots for the lifecycle and lead models.

Metrics: ROC-AUC, log loss, Brier score, accuracy, macro F1, per-stage recall and the lift of
the top grade (the outcome rate among grade A over the overall rate). Plots are matplotlib
``Figure`` objects built without pyplot (no GUI backend, safe in servers and tests).

Which rows evaluate: :func:`holdout_accounts` assigns each account to a held-out test part by a
hash of its id (deterministic, the same account always on the same side), so the rows that tune
a model (early stopping, calibration, thresholds) and the rows that measure it never share an
account. :func:`active_customers` marks the customers still active at their as-of date (the
churn metric among them is the one that says whether churn is foreseen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    recall_score,
    roc_auc_score,
)


def binary_metrics(
    y: np.ndarray, p: np.ndarray, grades: np.ndarray | None = None, prefix: str = ""
) -> dict[str, float]:
    """AUC, log loss, Brier, base rate and (with grades) the lift of grade A."""
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)
    out: dict[str, float] = {f"{prefix}base_rate": float(y.mean()) if len(y) else float("nan")}
    if len(y) and 0 < y.sum() < len(y):
        out[f"{prefix}auc"] = float(roc_auc_score(y, p))
        out[f"{prefix}log_loss"] = float(log_loss(y, p, labels=[0, 1]))
        out[f"{prefix}brier"] = float(brier_score_loss(y, p))
    if grades is not None and len(y) and y.mean() > 0:
        top = np.asarray(grades) == "A"
        if top.any():
            out[f"{prefix}lift_grade_a"] = float(y[top].mean() / y.mean())
    return out


def account_units(account_ids: pd.Series | np.ndarray) -> np.ndarray:
    """Per row: a number in [0, 1) that is a function of the account id alone (BLAKE2b of its
    string form), so a split by thresholds on it is the same in every run and every frame."""
    codes, uniques = pd.factorize(pd.Series(account_ids))
    units = np.array(
        [
            int.from_bytes(hashlib.blake2b(str(u).encode(), digest_size=8).digest(), "big")
            / 2.0**64
            for u in uniques
        ],
        dtype=float,
    )
    return units[codes] if len(codes) else np.zeros(0, dtype=float)


def holdout_accounts(account_ids: pd.Series | np.ndarray, fraction: float) -> np.ndarray:
    """Per row: is its account in the held-out test part (about ``fraction`` of the accounts)?

    The side is a function of the account id alone (:func:`account_units`), so it is the same
    in every run, at every as-of date and in every frame.
    """
    return account_units(account_ids) < fraction


def active_customers(
    frame: pd.DataFrame,
    horizon_days: float,
    event_types: Sequence[str],
    passive_events: Sequence[str] = (),
) -> np.ndarray:
    """Per row: a customer with an order or an active interaction in the horizon before as-of.

    The mirror image of the churn label (no order and no active interaction in the horizon
    after as-of; passive events such as e-mail opens do not count): a churn positive among
    these rows stopped during the horizon, rather than having lapsed before it. Uses the
    point-in-time features ``orders_total``, ``days_since_last_order`` and
    ``days_since_<event type>`` (the types not in ``passive_events``; missing columns count as
    no such record).
    """
    n = len(frame)

    def recent(column: str) -> np.ndarray:
        if column not in frame.columns:
            return np.zeros(n, dtype=bool)
        days = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        return np.nan_to_num(days, nan=np.inf) < horizon_days

    active = recent("days_since_last_order")
    for kind in event_types:
        if kind not in set(passive_events):
            active |= recent(f"days_since_{kind}")
    customer = pd.to_numeric(frame["orders_total"], errors="coerce").fillna(0).to_numpy() > 0
    return customer & active


def top_decile_lift(y: np.ndarray, score: np.ndarray) -> float:
    """Outcome rate among the top 10 % by score over the overall rate."""
    y = np.asarray(y, dtype=float)
    n = max(1, round(len(y) * 0.1))
    top = np.argsort(-np.asarray(score, dtype=float), kind="stable")[:n]
    return float(y[top].mean() / y.mean()) if y.mean() > 0 else float("nan")


def stage_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], proba: np.ndarray, stages: Sequence[str]
) -> dict[str, float]:
    """Accuracy, macro F1, multiclass log loss and recall per stage."""
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    known = np.isin(y_true, list(stages))
    y_true, y_pred, proba = y_true[known], y_pred[known], np.asarray(proba)[known]
    if not len(y_true):
        return {}
    present = [s for s in stages if s in set(y_true)]
    out = {
        "stage_accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro")),
    }
    index = {s: i for i, s in enumerate(stages)}
    p_true = proba[np.arange(len(y_true)), [index[s] for s in y_true]]
    out["stage_log_loss"] = float(-np.mean(np.log(np.clip(p_true, 1e-7, 1.0))))
    recalls = recall_score(y_true, y_pred, labels=present, average=None, zero_division=0)
    out.update({f"recall_{s}": float(r) for s, r in zip(present, recalls, strict=True)})
    return out


def importance_figure(names: Sequence[str], gains: np.ndarray, title: str, top: int = 20) -> Figure:
    order = np.argsort(gains)[::-1][:top][::-1]
    fig = Figure(figsize=(7, max(3, 0.3 * len(order) + 1)))
    ax = fig.add_subplot()
    ax.barh([names[i] for i in order], np.asarray(gains)[order])
    ax.set_xlabel("total gain")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def calibration_figure(y: np.ndarray, p: np.ndarray, title: str, bins: int = 10) -> Figure:
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.quantile(p, np.linspace(0, 1, bins + 1)) if len(p) else np.linspace(0, 1, bins)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": idx, "p": p, "y": y}).groupby("bin").mean()
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.plot(frame["p"], frame["y"], marker="o", label="model")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed rate")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def confusion_figure(
    y_true: Sequence[str], y_pred: Sequence[str], stages: Sequence[str], title: str
) -> Figure:
    labels = list(stages)
    matrix = confusion_matrix(list(y_true), list(y_pred), labels=labels)
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
