"""Reasons for a score: the top signed per-feature contributions to the model's margin.

The contributions are LightGBM's ``pred_contrib`` (TreeSHAP: one contribution in log-odds per
feature, summing with the bias to the raw margin). The reasons are the features with the largest
absolute contributions, with a readable name and the value.
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
    Selection, rounding and value lookup are vectorised; only the small dicts are built per row.
    """
    contributions = np.asarray(contributions, dtype=float)
    if contributions.ndim != 2 or contributions.shape[1] != len(names):
        raise ValueError("contributions must have one column per feature")
    n_rows = len(contributions)
    k = min(k, len(names))
    if k == 0 or n_rows == 0:
        return [[] for _ in range(n_rows)]
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(contributions, order, axis=1)
    keep = (picked != 0.0).tolist()
    rounded = np.round(picked, 4).tolist()
    labels = {int(j): (label(names[j]) if label else names[j]) for j in np.unique(order)}
    numeric = isinstance(values, np.ndarray) and values.dtype.kind in "fiub"
    if numeric and decode is None:
        raw = np.take_along_axis(np.asarray(values, dtype=float), order, axis=1)
        shown = np.round(raw, 4).astype(object)
        shown[np.isnan(raw)] = None
        cells = shown.tolist()
    else:
        cells = [
            [_plain(decode(int(j), values[row][j]) if decode else values[row][j]) for j in idx]
            for row, idx in enumerate(order.tolist())
        ]
    order_list = order.tolist()
    return [
        [
            {"feature": labels[j], "value": cell, "contribution": c}
            for j, cell, c, ok in zip(
                order_list[row], cells[row], rounded[row], keep[row], strict=True
            )
            if ok
        ]
        for row in range(n_rows)
    ]


class PathContributions:
    """Legacy: scorers pickled before reasons moved to ``pred_contrib`` carry one of these.

    Kept only so those models still unpickle; nothing uses it, so the old leaf table is not
    restored.
    """

    def __setstate__(self, state: dict[str, Any]) -> None:
        pass


def margin_and_contributions(
    booster: Any, X: np.ndarray, *, contributions: bool, num_threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Raw margins and per-feature contributions from LightGBM's ``pred_contrib`` (TreeSHAP).

    The contributions (bias column removed) plus the bias sum to the raw margin. Without
    ``contributions`` only the margin is computed (zeros for the contributions: cheaper).
    """
    if contributions:
        contrib = booster.predict(X, pred_contrib=True, num_threads=num_threads)
        return contrib.sum(axis=1), contrib[:, :-1]
    margin = booster.predict(X, raw_score=True, num_threads=num_threads)
    return margin, np.zeros((len(X), X.shape[1]))
