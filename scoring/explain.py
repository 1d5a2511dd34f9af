"""Reasons for a score: the top signed contributions from LightGBM's ``pred_contrib``.

``pred_contrib`` gives, per row, one SHAP-style contribution (in log-odds) per feature plus
the expected value in the last column; contributions sum to the raw margin. The reasons are
the features with the largest absolute contributions, with a readable name and the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 4)
    return value


def top_reasons(
    contributions: np.ndarray,
    values: np.ndarray | Sequence[Sequence[Any]],
    names: Sequence[str],
    *,
    k: int = 3,
    label: Callable[[str], str] | None = None,
    decode: Callable[[int, Any], Any] | None = None,
) -> list[list[dict[str, Any]]]:
    """Per row, the ``k`` features with the largest absolute contribution.

    ``contributions`` has one column per feature (the bias column already removed).
    ``decode(feature_index, value)`` turns stored codes back into what the user sent.
    """
    contributions = np.asarray(contributions, dtype=float)
    if contributions.ndim != 2 or contributions.shape[1] != len(names):
        raise ValueError("contributions must have one column per feature")
    k = min(k, len(names))
    if k == 0:
        return [[] for _ in range(len(contributions))]
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :k]
    out: list[list[dict[str, Any]]] = []
    for row, idx in enumerate(order):
        reasons = []
        for j in idx:
            c = float(contributions[row, j])
            if c == 0.0:
                continue
            value = values[row][j]
            if decode is not None:
                value = decode(int(j), value)
            reasons.append(
                {
                    "feature": label(names[j]) if label else names[j],
                    "value": _plain(value),
                    "contribution": round(c, 4),
                }
            )
        out.append(reasons)
    return out


def margin_and_contributions(
    booster: Any, X: np.ndarray, *, contributions: bool, num_threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Raw margins and per-feature contributions (zeros when not asked for: much cheaper)."""
    if contributions:
        contrib = booster.predict(X, pred_contrib=True, num_threads=num_threads)
        return contrib.sum(axis=1), contrib[:, :-1]
    margin = booster.predict(X, raw_score=True, num_threads=num_threads)
    return margin, np.zeros((len(X), X.shape[1]))
