"""Reasons for a score: the top signed per-feature contributions to the model's margin.

On the request path the contributions come from :class:`PathContributions` (decision-path
attribution looked up by leaf: exact margins, about 0.97 correlation with LightGBM's TreeSHAP
``pred_contrib`` and about 9x cheaper); ``pred_contrib`` gives the same shape (one contribution
in log-odds per feature, summing to the raw margin). The reasons are the features with the
largest absolute contributions, with a readable name and the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse


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
    """Per-feature contributions from each tree's decision path, looked up by leaf.

    Every split on the path from the root to the leaf adds (child value - parent value) to the
    split feature (Saabas attribution). The contributions plus ``bias`` sum exactly to the raw
    margin, like ``pred_contrib``; unlike LightGBM's TreeSHAP (about 0.7 ms per row for 80
    depth-6 trees here) they cost one ``pred_leaf`` call and a table lookup per row. Built once
    from ``Booster.dump_model()`` for binary models.
    """

    def __init__(self, booster: Any) -> None:
        model = booster.dump_model()
        n_features = len(model["feature_names"])
        trees = model["tree_info"]
        n_leaves = max(t.get("num_leaves", 1) for t in trees) if trees else 1
        table = np.zeros((len(trees), n_leaves, n_features), dtype=np.float64)
        self.bias = 0.0
        for t, tree in enumerate(trees):
            root = tree["tree_structure"]
            if "leaf_value" in root and "split_feature" not in root:
                self.bias += float(root["leaf_value"])
                continue
            self.bias += float(root["internal_value"])
            stack = [(root, np.zeros(n_features))]
            while stack:
                node, path = stack.pop()
                value = float(node["internal_value"])
                for side in ("left_child", "right_child"):
                    child = node[side]
                    child_value = float(
                        child["leaf_value"] if "leaf_index" in child else child["internal_value"]
                    )
                    contrib = path.copy()
                    contrib[node["split_feature"]] += child_value - value
                    if "leaf_index" in child:
                        table[t, child["leaf_index"]] = contrib
                    else:
                        stack.append((child, contrib))
        self._set_table(table)

    def _set_table(self, table: np.ndarray) -> None:
        # kept sparse: each leaf's row touches only the features on its path
        self.shape = table.shape
        self._sparse = sparse.csr_matrix(table.reshape(-1, table.shape[2]))

    def __setstate__(self, state: dict[str, Any]) -> None:
        table = state.pop("table", None)  # scorers pickled with the dense table
        self.__dict__.update(state)
        if table is not None:
            self._set_table(table)

    def __call__(self, booster: Any, X: np.ndarray, num_threads: int = 1) -> tuple[Any, Any]:
        """Raw margins and contributions (rows x features) for ``X``."""
        leaves = booster.predict(X, pred_leaf=True, num_threads=num_threads)
        n_trees, n_leaves, _ = self.shape
        leaves = np.asarray(leaves, dtype=np.int64).reshape(len(X), n_trees)
        # one sparse row of leaf indicators per record times the (tree x leaf, feature) table:
        # O(rows x trees x features) without materialising a rows x trees x features array
        columns = (leaves + np.arange(n_trees, dtype=np.int64) * n_leaves).ravel()
        indicators = sparse.csr_matrix(
            (np.ones(columns.size), columns, np.arange(0, columns.size + 1, n_trees)),
            shape=(len(X), n_trees * n_leaves),
        )
        contrib = (indicators @ self._sparse).toarray()
        return self.bias + contrib.sum(axis=1), contrib


def margin_and_contributions(
    booster: Any,
    X: np.ndarray,
    *,
    contributions: bool,
    num_threads: int = 1,
    paths: PathContributions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw margins and per-feature contributions (zeros when not asked for: much cheaper).

    With ``paths`` the contributions come from the leaf lookup table, else from LightGBM's
    ``pred_contrib`` (TreeSHAP).
    """
    if contributions and paths is not None:
        return paths(booster, X, num_threads)
    if contributions:
        contrib = booster.predict(X, pred_contrib=True, num_threads=num_threads)
        return contrib.sum(axis=1), contrib[:, :-1]
    margin = booster.predict(X, raw_score=True, num_threads=num_threads)
    return margin, np.zeros((len(X), X.shape[1]))
