"""The derived-column layout in one place (``scoring.leads.DerivedLayout``): the trainer and the
scorer agree, the scorer keeps it, and pickled scorers of earlier versions still load."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from scoring.leads import (
    MISSING_COUNT,
    DerivedLayout,
    LeadScorer,
    derive_columns,
    frequency_name,
    level_frequencies,
)
from tests.lifecycle.test_leads_derived import _form_leads
from training.leads import LeadConfig, fit_leads


def test_layout_fit_names_and_applies_the_derived_columns() -> None:
    X = np.array([[0.0, 5.0, 1.0], [np.nan, 2.0, 0.0], [1.0, np.nan, np.nan], [0.0, 1.0, 1.0]])
    names = ["a", "x", "b"]
    levels = {"b": ["p", "q"], "a": ["u", "v"]}
    layout = DerivedLayout.fit(X, names, levels)
    assert layout.model_features == ("a", "x", "b", MISSING_COUNT, *map(frequency_name, levels))
    assert list(layout.frequencies) == ["b", "a"]
    np.testing.assert_array_equal(layout.frequencies["a"], level_frequencies(X[:, 0], 2))
    assert sorted(layout.by_index) == [0, 2]
    by_index = {2: layout.frequencies["b"], 0: layout.frequencies["a"]}
    expected = derive_columns(X, by_index, count_missing=True)
    np.testing.assert_array_equal(layout.apply(X), expected)
    plain = DerivedLayout(tuple(names))
    assert plain.model_features == tuple(names) and plain.apply(X) is X


@pytest.fixture(scope="module")
def scorers() -> dict[bool, LeadScorer]:
    leads = _form_leads(n=800)
    return {
        derived: fit_leads(
            leads,
            LeadConfig(id_column="lead_id", target="converted", derived_features=derived),
        ).scorer
        for derived in (True, False)
    }


def test_scorer_derives_as_before_and_keeps_the_layout(scorers: dict[bool, LeadScorer]) -> None:
    scorer = scorers[True]
    leads = _form_leads(n=200, seed=2)
    raw = scorer._encode_raw(leads)
    position = {name: j for j, name in enumerate(scorer.feature_names)}
    by_index = {position[c]: shares for c, shares in scorer.frequencies.items()}
    np.testing.assert_array_equal(
        scorer.encode(leads), derive_columns(raw, by_index, count_missing=True)
    )
    assert scorer.layout is scorer.layout  # built once, not per request
    assert scorer.model_features == list(scorer.layout.model_features)


@pytest.mark.parametrize("derived", [True, False])
def test_pickles_leave_the_cache_out_and_score_the_same(
    scorers: dict[bool, LeadScorer], derived: bool
) -> None:
    scorer = scorers[derived]
    leads = _form_leads(n=200, seed=3)
    before = scorer.score_frame(leads)
    assert "_layout" in vars(scorer)
    state = pickle.loads(pickle.dumps(scorer)).__dict__
    assert "_layout" not in state  # earlier versions can load the pickle
    assert pickle.loads(pickle.dumps(scorer)).score_frame(leads) == before


def test_scorer_pickled_before_derived_columns_loads(scorers: dict[bool, LeadScorer]) -> None:
    scorer = scorers[False]
    leads = _form_leads(n=200, seed=4)
    before = scorer.score_frame(leads)
    old = LeadScorer.__new__(LeadScorer)
    old.__dict__.update(
        {k: v for k, v in vars(scorer).items() if k not in ("frequencies", "count_missing")}
    )
    old.__dict__.pop("_layout", None)
    loaded = pickle.loads(pickle.dumps(old))
    assert not hasattr(loaded, "frequencies") and not hasattr(loaded, "count_missing")
    assert loaded.model_features == loaded.feature_names
    assert loaded.score_frame(leads) == before
