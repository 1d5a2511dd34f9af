"""The generic lead scorer: any CRM export's columns into a score, grade, probability, reasons.

A :class:`LeadScorer` is what ``leadscope-leads`` versions hold. It remembers each column's
kind (numeric or categorical) and the categorical levels seen in training, encodes a raw
frame into a numpy matrix (unknown levels and missing markers become missing), and scores it
with LightGBM ``Booster.predict`` (one thread, ``pred_contrib`` for the reasons).
"""

from __future__ import annotations

import json
from typing import Any

import lightgbm as lgb
import mlflow.pyfunc
import numpy as np
import pandas as pd

from scoring.calibration import GradeThresholds, PlattScaling
from scoring.errors import ScoringInputError
from scoring.explain import PathContributions, margin_and_contributions, top_reasons

PREDICT_THREADS = 1


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
    ) -> None:
        self.id_column = id_column
        self.feature_names = list(feature_names)
        self.categorical = {k: list(v) for k, v in categorical.items()}
        self.booster = booster
        self.calibration = calibration
        self.grades = grades
        self.missing_markers = tuple(missing_markers)
        self.n_reasons = n_reasons
        self.paths = PathContributions(booster)  # fast reasons (see scoring.explain)
        self._index = {
            name: {level: i for i, level in enumerate(levels)}
            for name, levels in self.categorical.items()
        }

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The numeric matrix of a raw lead frame (columns in :attr:`feature_names` order)."""
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
        levels = self.categorical.get(self.feature_names[j])
        if levels is None or value is None or np.isnan(value):
            return value
        return levels[int(value)]

    def predict_parts(self, X: np.ndarray, *, contributions: bool = True) -> dict[str, np.ndarray]:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ScoringInputError(
                f"expected {len(self.feature_names)} features per row, got shape {X.shape}"
            )
        margin, contrib = margin_and_contributions(
            self.booster,
            X,
            contributions=contributions,
            num_threads=PREDICT_THREADS,
            paths=getattr(self, "paths", None),
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
        parts = self.predict_parts(X)
        reasons = top_reasons(
            parts["contributions"],
            np.asarray(X, dtype=float),
            self.feature_names,
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
