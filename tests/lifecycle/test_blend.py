"""Percentile blend of two purchase scores (LightGBM and BG/NBD in the CDNOW benchmark)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.bgnbd import PercentileBlend, percentile
from scoring.errors import ScoringInputError


def test_percentile_mid_ranks_and_out_of_range() -> None:
    ref = np.array([1.0, 2.0, 2.0, 3.0])
    assert percentile(ref, np.array([0.0, 1.0, 2.0, 3.0, 9.0])).tolist() == [
        0.0,
        0.125,
        0.5,
        0.875,
        1.0,
    ]
    with pytest.raises(ScoringInputError):
        percentile(np.array([]), np.array([1.0]))


def test_blend_of_two_noisy_scores_ranks_better_than_either() -> None:
    rng = np.random.default_rng(3)
    signal = rng.normal(size=20_000)
    y = signal + rng.normal(size=signal.size) > 1.0
    a = signal + rng.normal(scale=1.0, size=signal.size)  # two independent noisy views
    b = np.exp(signal + rng.normal(scale=1.0, size=signal.size))  # on another scale
    fit_rows, test_rows = slice(0, 10_000), slice(10_000, None)
    blend = PercentileBlend.fit(a[fit_rows], b[fit_rows])
    mixed = blend.apply(a[test_rows], b[test_rows])
    assert mixed.min() >= 0.0 and mixed.max() <= 1.0

    def top_decile_rate(score: np.ndarray) -> float:
        top = np.argsort(-score)[: len(score) // 10]
        return float(y[test_rows][top].mean())

    assert top_decile_rate(mixed) > max(
        top_decile_rate(a[test_rows]), top_decile_rate(b[test_rows])
    )
    with pytest.raises(ScoringInputError):
        blend.apply(a[test_rows])
