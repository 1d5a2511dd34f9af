"""BG/NBD repeat-purchase model (Fader, Hardie and Lee 2005), implemented with numpy and scipy.

Per customer: ``frequency`` x (repeat purchases), ``recency`` t_x (time of the last purchase
after the first) and ``age`` T (time since the first purchase), all in one time unit (weeks
in the paper). The fitted parameters (r, alpha, a, b) give the expected number of purchases
in the next t units and the probability that the customer is still "alive". Used as a
baseline and as features for the purchase model (``training.lifecycle`` benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass

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


class BGNBD:
    """Estimator: ``fit(frequency, recency, age)``; learned ``params_`` and ``log_likelihood_``."""

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency, recency, age, weights=None) -> BGNBD:
        x, t_x, T = _arrays(frequency, recency, age)
        scale = max(float(T.max()), 1e-9) / 10.0  # optimise alpha on a unit-free scale

        def objective(theta: np.ndarray) -> float:
            r, alpha, a, b = np.exp(theta)
            params = BGNBDParams(r, alpha * scale, a, b)
            penalty = self.penalizer * float(np.sum(np.exp(theta) ** 2))
            return -log_likelihood(params, x, t_x, T, weights) / len(x) + penalty

        best = None
        starts = [np.zeros(4), np.log([0.5, 1.0, 1.0, 3.0])]
        for start in starts:
            res = minimize(objective, start, method="L-BFGS-B", options={"ftol": 1e-12})
            if best is None or res.fun < best.fun:
                best = res
        r, alpha, a, b = np.exp(best.x)
        self.params_ = BGNBDParams(float(r), float(alpha * scale), float(a), float(b))
        self.log_likelihood_ = log_likelihood(self.params_, x, t_x, T, weights)
        return self

    def _odds_dead(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        p = self.params_
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = (p.a / np.maximum(p.b + x - 1, 1e-12)) * ((p.alpha + T) / (p.alpha + t_x)) ** (
                p.r + x
            )
        return np.where(x > 0, ratio, 0.0)

    def probability_alive(self, frequency, recency, age) -> np.ndarray:
        x, t_x, T = _arrays(frequency, recency, age)
        return 1.0 / (1.0 + self._odds_dead(x, t_x, T))

    def expected_purchases(self, t: float, frequency, recency, age) -> np.ndarray:
        """Expected number of purchases in the next ``t`` units (conditional on the history)."""
        x, t_x, T = _arrays(frequency, recency, age)
        p = self.params_
        z = t / (p.alpha + T + t)
        hyp = hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z)
        first = (p.a + p.b + x - 1) / (p.a - 1)
        second = 1 - ((p.alpha + T) / (p.alpha + T + t)) ** (p.r + x) * hyp
        return first * second / (1.0 + self._odds_dead(x, t_x, T))


def percentile(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Mid-rank percentile (0..1) of each score within ``reference``; ties share their mid rank."""
    ref = np.sort(np.asarray(reference, dtype=float))
    if len(ref) == 0:
        raise ScoringInputError("a percentile needs a non-empty reference")
    scores = np.asarray(scores, dtype=float)
    below = np.searchsorted(ref, scores, side="left")
    upto = np.searchsorted(ref, scores, side="right")
    return (below + upto) / (2.0 * len(ref))


@dataclass(frozen=True)
class PercentileBlend:
    """Equal-weight blend of several scores (e.g. LightGBM and BG/NBD) on the percentile scale.

    Each model's score becomes its percentile among the reference scores stored at fit time
    (e.g. the last training date's population), and the percentiles are averaged. Nothing is
    fitted to labels, so the blend cannot overfit the evaluated window; it works one row at a
    time. For batch scoring of a whole population, pass the batch as its own reference.
    """

    references: tuple[np.ndarray, ...]

    @classmethod
    def fit(cls, *reference_scores: np.ndarray) -> PercentileBlend:
        if not reference_scores:
            raise ScoringInputError("a blend needs at least one score")
        return cls(tuple(np.sort(np.asarray(r, dtype=float)) for r in reference_scores))

    def apply(self, *scores: np.ndarray) -> np.ndarray:
        if len(scores) != len(self.references):
            raise ScoringInputError(
                f"the blend was fitted on {len(self.references)} scores, got {len(scores)}"
            )
        parts = [percentile(ref, s) for ref, s in zip(self.references, scores, strict=True)]
        return np.mean(parts, axis=0)
