"""BG/NBD repeat-purchase model (Fader, Hardie and Lee 2005), implemented with numpy and scipy.

Per customer: ``frequency`` x (repeat purchases), ``recency`` t_x (time of the last purchase
after the first) and ``age`` T (time since the first purchase), all in one time unit (weeks
in the paper). The fitted parameters (r, alpha, a, b) give the expected number of purchases
in the next t units, the probability that the customer is still "alive" and the probability
of at least one purchase in the next t units. :class:`BGNBDFeatures` turns these into
features of the production lifecycle model: fitted per as-of date on the history before it
(training) and carried inside the scorer (serving), computed from the point-in-time features
``repeat_order_days``, ``order_span_days`` and ``days_since_first_order`` (time unit: days).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from scoring.errors import ScoringInputError


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float


def _arrays(frequency, recency, age) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    T = np.asarray(age, dtype=float)
    if not (x.shape == t_x.shape == T.shape):
        raise ScoringInputError("frequency, recency and age must have the same length")
    if (x < 0).any() or (t_x < 0).any() or (t_x > T + 1e-9).any():
        raise ScoringInputError("BG/NBD needs 0 <= recency <= age and frequency >= 0")
    return x, t_x, T


def log_likelihood(params: BGNBDParams, frequency, recency, age, weights=None) -> float:
    """Total log-likelihood of the data under ``params`` (Fader, Hardie and Lee 2005, eq. 6)."""
    x, t_x, T = _arrays(frequency, recency, age)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    ll = a1 + a2 + np.logaddexp(a3, a4)
    w = np.ones_like(ll) if weights is None else np.asarray(weights, dtype=float)
    return float((w * ll).sum())


class ClosedForms(NamedTuple):
    p_purchase: np.ndarray  # P(at least one purchase in the next t units)
    p_alive: np.ndarray
    expected_purchases: np.ndarray  # in the next t units


def closed_forms(
    params: BGNBDParams, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> ClosedForms:
    """BG/NBD's per-customer quantities for the next ``t`` units, in one pass (no input
    checks: callers validate or mask their inputs).

    P(alive) = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)) for x > 0
    (1 without repeat purchases); P(purchase) = P(alive) * (1 - ((alpha + T) / (alpha + T +
    t)) ** (r + x)): an alive customer's posterior purchase rate is Gamma(r + x, alpha + T)
    and dropout happens only right after a purchase, so the first purchase of the window is a
    Poisson event of that rate; the expected number of purchases is eq. 10 of Fader, Hardie and
    Lee (2005).
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        odds = np.where(
            x > 0,
            (a / np.maximum(b + x - 1, 1e-12)) * ((alpha + T) / (alpha + t_x)) ** (r + x),
            0.0,
        )
        alive = 1.0 / (1.0 + odds)
        none = ((alpha + T) / (alpha + T + t)) ** (r + x)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        expected = (a + b + x - 1) / (a - 1) * (1 - none * hyp) * alive
        return ClosedForms((1.0 - none) * alive, alive, expected)


class BGNBD:
    """Estimator: ``fit(frequency, recency, age)``; learned ``params_`` and ``log_likelihood_``."""

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency,
        recency,
        age,
        weights=None,
        *,
        ftol: float = 1e-12,
        starts: int = 2,
        maxiter: int = 15_000,
    ) -> BGNBD:
        """Maximum likelihood (L-BFGS-B from ``starts`` starting points, tolerance ``ftol``,
        at most ``maxiter`` iterations each)."""
        x, t_x, T = _arrays(frequency, recency, age)
        scale = max(float(T.max()), 1e-9) / 10.0  # optimise alpha on a unit-free scale
        n = float(len(x) if weights is None else np.sum(weights))

        def objective(theta: np.ndarray) -> float:
            r, alpha, a, b = np.exp(theta)
            params = BGNBDParams(r, alpha * scale, a, b)
            penalty = self.penalizer * float(np.sum(np.exp(theta) ** 2))
            return -log_likelihood(params, x, t_x, T, weights) / n + penalty

        best = None
        points = [np.zeros(4), np.log([0.5, 1.0, 1.0, 3.0])][: max(1, starts)]
        for start in points:
            res = minimize(
                objective, start, method="L-BFGS-B", options={"ftol": ftol, "maxiter": maxiter}
            )
            if best is None or res.fun < best.fun:
                best = res
        r, alpha, a, b = np.exp(best.x)
        self.params_ = BGNBDParams(float(r), float(alpha * scale), float(a), float(b))
        self.log_likelihood_ = log_likelihood(self.params_, x, t_x, T, weights)
        return self

    def probability_alive(self, frequency, recency, age) -> np.ndarray:
        x, t_x, T = _arrays(frequency, recency, age)
        return closed_forms(self.params_, 0.0, x, t_x, T).p_alive

    def expected_purchases(self, t: float, frequency, recency, age) -> np.ndarray:
        """Expected number of purchases in the next ``t`` units (conditional on the history)."""
        x, t_x, T = _arrays(frequency, recency, age)
        return closed_forms(self.params_, t, x, t_x, T).expected_purchases

    def probability_purchase(self, t: float, frequency, recency, age) -> np.ndarray:
        """P(at least one purchase in the next ``t`` units | history) (see
        :func:`closed_forms`)."""
        x, t_x, T = _arrays(frequency, recency, age)
        return closed_forms(self.params_, t, x, t_x, T).p_purchase

    @classmethod
    def from_params(cls, params: BGNBDParams) -> BGNBD:
        model = cls()
        model.params_ = params
        return model


BGNBD_FEATURES: tuple[str, ...] = (
    "bgnbd_p_purchase",
    "bgnbd_p_alive",
    "bgnbd_expected_purchases",
)
BGNBD_INPUTS: tuple[str, ...] = ("repeat_order_days", "order_span_days", "days_since_first_order")
MIN_BGNBD_CUSTOMERS = 50


@dataclass(frozen=True)
class BGNBDFeatures:
    """BG/NBD quantities as model features, from point-in-time features (unit: days).

    ``frequency`` = ``repeat_order_days``, ``recency`` = ``order_span_days``, ``age`` =
    ``days_since_first_order``. Accounts without an order (prospects) get NaN. ``params`` is
    None when there were too few customers to fit (then every value is NaN).
    """

    params: BGNBDParams | None
    horizon_days: float

    @staticmethod
    def inputs(X: np.ndarray, names: list[str]) -> tuple[np.ndarray, ...]:
        """(frequency, recency, age, customer mask) from a feature matrix in ``names`` order."""
        cols = [names.index(n) for n in BGNBD_INPUTS]
        x, span, age = (np.asarray(X[:, c], dtype=float) for c in cols)
        ok = ~(np.isnan(x) | np.isnan(span) | np.isnan(age)) & (age >= 0)
        x = np.where(ok, np.maximum(x, 0.0), 0.0)
        age = np.where(ok, age, 0.0)
        span = np.where(ok, np.clip(span, 0.0, age), 0.0)
        return x, span, age, ok

    @classmethod
    def fit(cls, X: np.ndarray, names: list[str], horizon_days: float) -> BGNBDFeatures:
        """Fit BG/NBD on the customers among the rows (one as-of date's population)."""
        x, span, age, ok = cls.inputs(X, names)
        if ok.sum() < MIN_BGNBD_CUSTOMERS or not (x[ok] > 0).any():
            return cls(None, horizon_days)
        # identical histories (same day counts) share one weighted likelihood term
        rows = np.column_stack([x[ok], span[ok], age[ok]])
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        try:
            model = BGNBD().fit(*unique.T, weights=counts, ftol=1e-10, starts=1, maxiter=200)
        except (ValueError, FloatingPointError, ScoringInputError):
            return cls(None, horizon_days)
        p = model.params_
        if not all(np.isfinite([p.r, p.alpha, p.a, p.b])):
            return cls(None, horizon_days)
        return cls(p, horizon_days)

    def transform(self, X: np.ndarray, names: list[str]) -> np.ndarray:
        """Columns :data:`BGNBD_FEATURES` for each row (NaN for prospects).

        One pass of :func:`closed_forms` (without :class:`BGNBD`'s per-call input checks):
        this runs on the request path for every scored row.
        """
        out = np.full((len(X), len(BGNBD_FEATURES)), np.nan)
        if self.params is None or not len(X):
            return out
        x, t_x, T, ok = self.inputs(X, names)
        forms = closed_forms(self.params, float(self.horizon_days), x, t_x, T)
        out[:, 0] = forms.p_purchase
        out[:, 1] = forms.p_alive
        with np.errstate(invalid="ignore"):
            out[:, 2] = np.maximum(forms.expected_purchases, 1e-9)
        out[~np.isfinite(out)] = np.nan
        out[~ok] = np.nan
        return out
