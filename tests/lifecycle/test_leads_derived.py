"""Derived lead columns: missing-field count and categorical level shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.leads import MISSING_COUNT, derive_columns, frequency_name, level_frequencies
from scoring.loaders import load_lead_table
from training.leads import LeadConfig, cross_validate_leads, fit_leads


def test_level_frequencies_and_derive_columns() -> None:
    codes = np.array([0.0, 0.0, 1.0, np.nan])
    shares = level_frequencies(codes, n_levels=3)
    assert shares.tolist() == [0.25, 0.5, 0.25, 0.0]  # missing, level 0, 1, 2
    X = np.array([[0.0, 5.0], [np.nan, np.nan], [2.0, 1.0], [7.0, 1.0]])  # 7: unseen code
    out = derive_columns(X, {0: shares}, count_missing=True)
    assert out.shape == (4, 4)
    assert out[:, :2].tolist()[0] == [0.0, 5.0]
    assert out[:, 2].tolist() == [0.0, 2.0, 0.0, 0.0]
    assert out[:, 3].tolist() == [0.5, 0.25, 0.0, 0.0]
    assert derive_columns(X, {}, count_missing=False) is X


def _form_leads(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    """Conversion driven by how many optional fields a lead filled (form completeness)."""
    rng = np.random.default_rng(seed)
    filled = rng.uniform(size=(n, 6)) < rng.uniform(0.1, 0.9, size=(n, 1))
    z = -3.0 + 1.0 * filled.sum(axis=1)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    data = {"lead_id": [f"L{i}" for i in range(n)]}
    for j in range(6):
        values = rng.choice(["a", "b", "c"], n)
        data[f"field{j}"] = np.where(filled[:, j], values, "Select")
    data["converted"] = y.astype(str)
    return load_lead_table(pd.DataFrame(data), id_column="lead_id", target_column="converted").frame


def test_scorer_derives_columns_and_names_them_in_reasons() -> None:
    leads = _form_leads()
    fit = fit_leads(leads, LeadConfig(id_column="lead_id", target="converted"))
    scorer = fit.scorer
    assert scorer.feature_names == [f"field{j}" for j in range(6)]
    assert scorer.model_features[6] == MISSING_COUNT
    assert frequency_name("field0") in scorer.model_features
    raw = scorer._encode_raw(leads.head(50))
    full = scorer.encode(leads.head(50))
    assert full.shape == (50, len(scorer.model_features))
    # the fast path accepts raw-encoded rows and derives the same columns
    assert scorer.score_array(raw) == scorer.score_array(full)
    assert full[:, 6].tolist() == np.isnan(raw).sum(axis=1).tolist()
    features = {r["feature"] for row in scorer.score_array(full) for r in row["reasons"]}
    assert MISSING_COUNT in features  # the completeness signal drives the score
    y = leads["converted"].to_numpy(dtype=float)
    p = scorer.predict_parts(scorer.encode(leads), contributions=False)["probability"]
    assert roc_auc_score(y, p) > 0.75


def test_derived_columns_help_on_completeness_driven_leads() -> None:
    leads = _form_leads()
    on = LeadConfig(id_column="lead_id", target="converted")
    off = LeadConfig(id_column="lead_id", target="converted", derived_features=False)
    with_derived = np.mean(cross_validate_leads(leads, on, folds=3))
    without = np.mean(cross_validate_leads(leads, off, folds=3))
    assert with_derived > without
