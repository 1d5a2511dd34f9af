"""The generic lead scorer: any CRM export's columns into a score, grade, probability, reasons.

A :class:`LeadScorer` is what ``leadscope-leads`` versions hold. It remembers each column's
kind (numeric or categorical) and the categorical levels seen in training, encodes a raw
frame into a numpy matrix (unknown levels and missing markers become missing), and scores it
with LightGBM ``Booster.predict`` (one thread; reasons from ``pred_contrib``, see
:mod:`scoring.explain`).

Two derived columns kinds are appended to the raw ones (:func:`derive_columns`), both general
to form-like CRM exports: the number of empty fields of a lead (form completeness) and, per
categorical column, the share of training leads with the same level (lets the trees group rare
levels). They are part of :attr:`LeadScorer.model_features` and may appear as reasons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import mlflow.pyfunc
import numpy as np
import pandas as pd

from scoring.calibration import GradeThresholds, PlattScaling
from scoring.errors import ScoringInputError
from scoring.explain import margin_and_contributions, top_reasons

PREDICT_THREADS = 1
MISSING_COUNT = "missing fields"


def frequency_name(column: str) -> str:
    """The derived column holding the training share of a categorical column's level."""
    return f"share of leads with this {column}"


def level_frequencies(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Share of rows per level code (index 0: missing, i + 1: level i) of one encoded column."""
    index = np.where(np.isnan(codes), 0, codes + 1).astype(np.int64)
    counts = np.bincount(index, minlength=n_levels + 1).astype(float)
    return counts / max(len(codes), 1)


def derive_columns(
    X: np.ndarray,
    frequencies: dict[int, np.ndarray],
    *,
    count_missing: bool,
) -> np.ndarray:
    """``X`` plus the missing-field count and the level share of each column in ``frequencies``
    (raw column index -> shares from :func:`level_frequencies`; unseen codes get share 0)."""
    cols = [X]
    if count_missing:
        cols.append(np.isnan(X).sum(axis=1, keepdims=True).astype(float))
    for j, shares in frequencies.items():
        index = np.where(np.isnan(X[:, j]), 0, X[:, j] + 1).astype(np.int64)
        known = index < len(shares)
        cols.append(np.where(known, shares[np.minimum(index, len(shares) - 1)], 0.0)[:, None])
    return np.hstack(cols) if len(cols) > 1 else X


@dataclass(frozen=True, eq=False)
class DerivedLayout:
    """Where the derived columns go: the booster's columns (:attr:`model_features`) are the raw
    ``feature_names``, then the missing-field count (if ``count_missing``), then the level share
    of each column in ``frequencies`` (name -> shares from :func:`level_frequencies`).

    The one home of that layout: the trainer builds it from training rows, the scorer from its
    attributes (once, see :attr:`LeadScorer.layout`)."""

    feature_names: tuple[str, ...]
    frequencies: Mapping[str, np.ndarray] = field(default_factory=dict)
    count_missing: bool = False
    model_features: tuple[str, ...] = field(init=False)
    by_index: dict[int, np.ndarray] = field(init=False, repr=False)  # raw column index -> shares

    def __post_init__(self) -> None:
        names = list(self.feature_names)
        if self.count_missing:
            names.append(MISSING_COUNT)
        names += [frequency_name(c) for c in self.frequencies]
        position = {name: j for j, name in enumerate(self.feature_names)}
        by_index = {position[c]: shares for c, shares in self.frequencies.items()}
        object.__setattr__(self, "model_features", tuple(names))
        object.__setattr__(self, "by_index", by_index)

    @classmethod
    def fit(
        cls, X: np.ndarray, feature_names: list[str], levels: dict[str, list[str]]
    ) -> DerivedLayout:
        """The layout with the missing-field count and the level shares of raw-encoded training
        rows ``X`` for each categorical column (``levels``: column -> its levels)."""
        frequencies = {
            c: level_frequencies(X[:, feature_names.index(c)], len(levels[c]))
            for c in levels
            if c in feature_names
        }
        return cls(tuple(feature_names), frequencies, count_missing=True)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Append the derived columns to raw-encoded rows (``X`` itself when there are none)."""
        if not self.frequencies and not self.count_missing:
            return X
        return derive_columns(X, self.by_index, count_missing=self.count_missing)


class LeadScorer(mlflow.pyfunc.PythonModel):
    """Scores lead rows: ``score`` (0-100), ``grade``, ``probability``, ``reasons``."""

    def __init__(
        self,
        *,
        id_column: str,
        feature_names: list[str],
        categorical: dict[str, list[str]],
        booster: lgb.Booster,
        calibration: PlattScaling,
        grades: GradeThresholds,
        missing_markers: tuple[str, ...] = ("Select",),
        n_reasons: int = 3,
        frequencies: dict[str, np.ndarray] | None = None,
        count_missing: bool = False,
    ) -> None:
        self.id_column = id_column
        self.feature_names = list(feature_names)
        self.categorical = {k: list(v) for k, v in categorical.items()}
        self.booster = booster
        self.calibration = calibration
        self.grades = grades
        self.missing_markers = tuple(missing_markers)
        self.n_reasons = n_reasons
        self.frequencies = {k: np.asarray(v, dtype=float) for k, v in (frequencies or {}).items()}
        self.count_missing = bool(count_missing)
        self._index = {
            name: {level: i for i, level in enumerate(levels)}
            for name, levels in self.categorical.items()
        }

    @property
    def layout(self) -> DerivedLayout:
        """The derived-column layout, built on first use and kept (not pickled). Scorers pickled
        before derived columns existed have no ``frequencies`` / ``count_missing``: none."""
        layout = self.__dict__.get("_layout")
        if layout is None:
            layout = DerivedLayout(
                tuple(self.feature_names),
                getattr(self, "frequencies", {}),
                count_missing=getattr(self, "count_missing", False),
            )
            self._layout = layout
        return layout

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_layout", None)  # a cache: rebuilt from the attributes after loading
        return state

    @property
    def model_features(self) -> list[str]:
        """The booster's columns: :attr:`feature_names` then the derived ones."""
        return list(self.layout.model_features)

    def _derive(self, X: np.ndarray) -> np.ndarray:
        """Append the derived columns to raw-encoded rows (no-op for a model without them)."""
        return self.layout.apply(X)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The numeric matrix of a raw lead frame: :attr:`feature_names` in order, then the
        derived columns (:attr:`model_features`)."""
        return self._derive(self._encode_raw(frame))

    def _encode_raw(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.full((len(frame), len(self.feature_names)), np.nan)
        markers = set(self.missing_markers)
        for j, name in enumerate(self.feature_names):
            if name not in frame.columns:
                continue
            values = frame[name]
            if name in self._index:
                text = values.astype("string").str.strip()
                text = text.mask(text.isin(markers))
                codes = text.map(self._index[name]).astype("Float64")
                out[:, j] = codes.to_numpy(dtype=float, na_value=np.nan)
            else:
                out[:, j] = pd.to_numeric(values, errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                )
        return out

    def _decode(self, j: int, value: Any) -> Any:
        if j >= len(self.feature_names):  # a derived column: a count or a share
            return None if value is None or np.isnan(value) else round(float(value), 4)
        levels = self.categorical.get(self.feature_names[j])
        if levels is None or value is None or np.isnan(value):
            return value
        return levels[int(value)]

    def predict_parts(self, X: np.ndarray, *, contributions: bool = True) -> dict[str, np.ndarray]:
        X = np.ascontiguousarray(X, dtype=np.float64)
        width = len(self.layout.model_features)
        if X.ndim == 2 and X.shape[1] == len(self.feature_names) != width:
            X = self._derive(X)  # raw-encoded rows: add the derived columns
        if X.ndim != 2 or X.shape[1] != width:
            raise ScoringInputError(f"expected {width} features per row, got shape {X.shape}")
        margin, contrib = margin_and_contributions(
            self.booster,
            X,
            contributions=contributions,
            num_threads=PREDICT_THREADS,
        )
        probability = self.calibration.apply(margin)
        score = np.round(100.0 * probability, 1)
        return {
            "probability": probability,
            "score": score,
            "grade": self.grades.grade(score),
            "contributions": contrib,
        }

    def score_array(self, X: np.ndarray) -> list[dict[str, Any]]:
        """Score encoded rows (see :meth:`encode`)."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 2 and X.shape[1] == len(self.feature_names):
            X = self._derive(X)
        parts = self.predict_parts(X)
        reasons = top_reasons(
            parts["contributions"],
            X,
            self.layout.model_features,
            k=self.n_reasons,
            decode=self._decode,
        )
        return [
            {
                "score": float(parts["score"][i]),
                "grade": str(parts["grade"][i]),
                "probability": round(float(parts["probability"][i]), 4),
                "reasons": reasons[i],
            }
            for i in range(len(reasons))
        ]

    def score_frame(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        """Score raw lead rows (the columns of the training export; extra ones are ignored)."""
        return self.score_array(self.encode(df))

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        rows = self.score_frame(pd.DataFrame(model_input))
        frame = pd.DataFrame(rows)
        frame["reasons"] = [json.dumps(r, ensure_ascii=False) for r in frame["reasons"]]
        return frame


def score_lead_table(scorer: LeadScorer, frame: pd.DataFrame) -> pd.DataFrame:
    """``id, score, grade, probability, reasons`` (reasons as JSON text) for a lead table."""
    rows = scorer.score_frame(frame) if len(frame) else []
    table = pd.DataFrame(rows, columns=["score", "grade", "probability", "reasons"])
    table["reasons"] = [json.dumps(r, ensure_ascii=False) for r in table["reasons"]]
    ids = frame[scorer.id_column] if scorer.id_column in frame.columns else frame.index
    table.insert(0, scorer.id_column, list(ids))
    return table
