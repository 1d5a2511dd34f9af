"""From raw model margins to calibrated probabilities, scores (0 to 100) and grades (A to D).

The parameters are fitted on validation data in ``training`` and stored in the scorer; the
functions here only apply them (numpy, no scikit-learn on the request path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GRADES: tuple[str, ...] = ("A", "B", "C", "D")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) with z clipped to [-35, 35] (no overflow; p stays inside (0, 1))."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


@dataclass(frozen=True)
class PlattScaling:
    """p = sigmoid(slope * margin + intercept); the identity is (1, 0)."""

    slope: float = 1.0
    intercept: float = 0.0

    def apply(self, margin: np.ndarray) -> np.ndarray:
        return sigmoid(self.slope * np.asarray(margin, dtype=float) + self.intercept)


@dataclass(frozen=True)
class StackedPlatt:
    """Platt scaling with a second input: the log of BG/NBD's expected purchases.

    z = slope * margin + intercept + (weight * (log_expected - center) + offset) for rows with
    a BG/NBD value (customers); rows without one (prospects) get slope * margin + intercept.
    Fitted on validation dates (``training.calibration.fit_stacked_platt``): the booster's
    trees are piecewise constant, the BG/NBD rate is smooth in frequency, recency and age, so
    the stack ranks finely where the trees tie. ``center`` is the mean log_expected of the
    fit (the reasons show ``weight / slope * (log_expected - center)`` as BG/NBD's part).
    """

    slope: float = 1.0
    intercept: float = 0.0
    weight: float = 0.0
    offset: float = 0.0
    center: float = 0.0

    def bgnbd_term(self, log_expected: np.ndarray) -> np.ndarray:
        """The BG/NBD part of z per row (0 where there is no BG/NBD value)."""
        v = np.asarray(log_expected, dtype=float)
        term = self.weight * (v - self.center) + self.offset
        return np.where(np.isnan(v), 0.0, term)

    def apply(self, margin: np.ndarray, log_expected: np.ndarray | None = None) -> np.ndarray:
        z = self.slope * np.asarray(margin, dtype=float) + self.intercept
        if log_expected is not None:
            z = z + self.bgnbd_term(log_expected)
        return sigmoid(z)


@dataclass(frozen=True)
class VectorScaling:
    """Multiclass calibration: softmax(raw / temperature + bias)."""

    temperature: float = 1.0
    bias: tuple[float, ...] = ()

    def apply(self, raw: np.ndarray) -> np.ndarray:
        z = np.asarray(raw, dtype=float) / self.temperature
        if self.bias:
            z = z + np.asarray(self.bias)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class GradeThresholds:
    """Score cut-offs, highest first: score >= cutoffs[0] is A, >= cutoffs[1] is B, ..."""

    cutoffs: tuple[float, ...] = (75.0, 50.0, 25.0)
    grades: tuple[str, ...] = GRADES

    def grade(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        # number of cut-offs the score falls below = index of its grade
        idx = (scores[:, None] < np.asarray(self.cutoffs)[None, :]).sum(axis=1)
        return np.asarray(self.grades, dtype=object)[idx]


def thresholds_from_scores(
    scores: np.ndarray, shares: Sequence[float] = (0.15, 0.25, 0.30)
) -> GradeThresholds:
    """Cut-offs so that the top ``shares[0]`` of ``scores`` get A, the next ``shares[1]`` B, ...

    Fitted on validation scores; the remainder gets the last grade.
    """
    scores = np.asarray(scores, dtype=float)
    cumulative = np.cumsum(shares)
    if len(scores) == 0 or cumulative[-1] >= 1.0:
        return GradeThresholds()
    cutoffs = tuple(float(np.quantile(scores, 1.0 - c)) for c in cumulative)
    return GradeThresholds(cutoffs=cutoffs, grades=GRADES[: len(shares) + 1])
