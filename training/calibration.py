"""Fit the calibration of model margins on validation data (applied by ``scoring.calibration``).

Platt scaling for binary models and vector scaling (temperature + per-class bias) for the
multiclass stage model. Both have few parameters, so fitting them on the validation set used
for early stopping costs little optimism; the bias also undoes the prior shift that class
weighting introduces.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

from scoring.calibration import PlattScaling, StackedPlatt, VectorScaling, sigmoid

log = logging.getLogger(__name__)


def _fit_logistic(
    columns: Sequence[np.ndarray], y: np.ndarray, start: Sequence[float]
) -> np.ndarray:
    """Coefficients minimising the mean log loss of sigmoid(sum_i theta_i * columns[i]) on y.

    L-BFGS-B from ``start`` with the analytic gradient; a column of ones gives an intercept.
    """

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * columns[0]
        for t, column in zip(theta[1:], columns[1:], strict=True):
            z = z + t * column
        p = sigmoid(z)
        eps = 1e-12
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        g = p - y
        return float(value), np.array([np.mean(g * column) for column in columns])

    res = minimize(loss, np.asarray(start, dtype=float), jac=True, method="L-BFGS-B")
    return res.x


def fit_platt(margin: np.ndarray, y: np.ndarray) -> PlattScaling:
    """Minimise the log loss of sigmoid(a * margin + b) on (margin, y)."""
    margin = np.asarray(margin, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(y) < 10 or y.min() == y.max():
        log.warning("too little validation data to calibrate; keeping the raw probabilities")
        return PlattScaling()

    theta = _fit_logistic([margin, np.ones_like(margin)], y, start=[1.0, 0.0])
    slope, intercept = (float(v) for v in theta)
    if not np.isfinite([slope, intercept]).all() or slope <= 0:
        return PlattScaling()
    return PlattScaling(slope=slope, intercept=intercept)


def fit_stacked_platt(
    margin: np.ndarray, log_expected: np.ndarray, y: np.ndarray
) -> StackedPlatt | PlattScaling:
    """Minimise the log loss of :class:`StackedPlatt` on validation rows.

    ``log_expected`` is NaN where there is no BG/NBD value. Falls back to plain Platt scaling
    when there are too few rows with a value or BG/NBD's weight comes out non-positive (the
    history's rhythm adds nothing the booster does not already hold).
    """
    margin = np.asarray(margin, dtype=float)
    v = np.asarray(log_expected, dtype=float)
    y = np.asarray(y, dtype=float)
    has = ~np.isnan(v)
    platt = fit_platt(margin, y)
    if has.sum() < 50 or y[has].min() == y[has].max() or len(y) < 10:
        return platt
    center = float(v[has].mean())
    u = np.where(has, v - center, 0.0)
    h = has.astype(float)
    mixed = bool(0 < has.sum() < len(has))  # both customers and prospects: a separate offset
    scale = max(float(np.std(margin)), 1e-6)
    m = margin / scale
    # without prospects the offset's column is zero: its gradient is 0 and it stays at 0
    columns = [m, np.ones_like(m), u, h if mixed else np.zeros_like(h)]
    start = [platt.slope * scale, platt.intercept, 0.0, 0.0]
    a, b, w, c = (float(t) for t in _fit_logistic(columns, y, start=start))
    if not np.isfinite([a, b, w, c]).all() or a <= 0 or w <= 0:
        return platt
    return StackedPlatt(
        slope=a / scale, intercept=b, weight=w, offset=c if mixed else 0.0, center=center
    )


def fit_vector_scaling(raw: np.ndarray, y: np.ndarray) -> VectorScaling:
    """Minimise the multiclass log loss of softmax(raw / T + bias) on (raw, class index y)."""
    raw = np.asarray(raw, dtype=float)
    y = np.asarray(y, dtype=int)
    n, k = raw.shape
    if n < 10:
        return VectorScaling(bias=(0.0,) * k)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        inv_t, bias = np.exp(theta[0]), theta[1:]
        z = raw * inv_t + bias
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -np.mean((onehot * logp).sum(axis=1))
        g = np.exp(logp) - onehot  # d loss / d z, per row
        d_inv_t = np.mean((g * raw).sum(axis=1)) * inv_t
        return float(value), np.concatenate([[d_inv_t], g.mean(axis=0)])

    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B")
    temperature = float(np.exp(-res.x[0]))
    bias = tuple(float(b - res.x[1:].mean()) for b in res.x[1:])
    if not np.isfinite([temperature, *bias]).all():
        return VectorScaling(bias=(0.0,) * k)
    return VectorScaling(temperature=temperature, bias=bias)
