"""BG/NBD reproduces the published fit on the CDNOW summary (Fader, Hardie and Lee 2005)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.bgnbd import BGNBD
from scoring.errors import ScoringInputError
from tests.conftest import shared_data


def test_published_cdnow_parameters() -> None:
    d = pd.read_csv(shared_data("cdnow-lifetimes", "cdnow_customers_summary.csv"))
    model = BGNBD().fit(d["frequency"], d["recency"], d["T"])
    p = model.params_
    assert (round(p.r, 3), round(p.alpha, 3), round(p.a, 3), round(p.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    alive = model.probability_alive(d["frequency"], d["recency"], d["T"])
    assert np.all((alive > 0) & (alive <= 1)) and alive[d["frequency"] == 0].min() == 1.0
    expected = model.expected_purchases(39, d["frequency"], d["recency"], d["T"])
    # more repeat purchases (same recency and age) means more expected purchases
    assert np.corrcoef(expected, d["frequency"])[0, 1] > 0.5
    with pytest.raises(ScoringInputError):
        model.probability_alive([1], [5.0], [2.0])
