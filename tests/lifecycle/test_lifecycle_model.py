"""The lifecycle scorer fitted on a synthetic history: quality floors and the output contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import sparse

from scoring.calibration import StackedPlatt
from scoring.errors import ScoringInputError
from scoring.explain import PathContributions
from scoring.lifecycle import as_matrix, score_accounts
from training.datasets import derive_stages


def test_quality_on_later_as_of_dates(lifecycle_fit) -> None:
    m = lifecycle_fit.metrics
    # floors well under what the fit reaches, far above chance (8 stages, 50 % base rate)
    assert m["stage_accuracy"] > 0.8 and m["macro_f1"] > 0.6
    assert m["purchase_auc"] > 0.8 and m["purchase_lift_grade_a"] > 1.4
    assert m["churn_auc"] > 0.65
    assert m["purchase_brier"] < 0.2
    assert set(lifecycle_fit.figures) >= {
        "plots/feature_importance_purchase.png",
        "plots/calibration_purchase.png",
        "plots/confusion_stage.png",
    }


def test_output_contract(lifecycle_fit) -> None:
    scorer = lifecycle_fit.scorer
    valid = lifecycle_fit.valid_frame
    X = as_matrix(valid, scorer.feature_names)
    rows = scorer.score_array(X[:50])
    assert rows == scorer.score_frame(valid.head(50))
    for r in rows:
        assert set(r) == {
            "score",
            "grade",
            "stage",
            "stage_probabilities",
            "p_purchase",
            "p_churn",
            "reasons",
            "campaign",
        }
        assert 0 <= r["score"] <= 100 and r["grade"] in "ABCD"
        assert r["stage"] == max(r["stage_probabilities"], key=r["stage_probabilities"].get)
        assert abs(sum(r["stage_probabilities"].values()) - 1) < 1e-3
        assert 1 <= len(r["reasons"]) <= 3
        assert all(isinstance(x["feature"], str) and " " in x["feature"] for x in r["reasons"])
        assert r["campaign"] and isinstance(r["campaign"], str)
    is_customer = valid["is_customer"].to_numpy()[:50] > 0
    assert all((r["p_churn"] is None) != bool(c) for r, c in zip(rows, is_customer, strict=True))
    # reasons are sorted by absolute contribution
    mags = [abs(x["contribution"]) for x in rows[0]["reasons"]]
    assert mags == sorted(mags, reverse=True)


def test_grades_rank_scores_and_stage_tracks_rules(lifecycle_fit) -> None:
    scorer = lifecycle_fit.scorer
    parts = scorer.predict_parts(as_matrix(lifecycle_fit.valid_frame, scorer.feature_names))
    by_grade = {g: parts["score"][parts["grade"] == g] for g in "ABCD"}
    assert by_grade["A"].min() >= by_grade["B"].max() >= by_grade["C"].min()
    assert 0.08 < (parts["grade"] == "A").mean() < 0.25  # ~15 % A on validation by design
    predicted = np.asarray(scorer.stages)[parts["stage_index"]]
    rules = derive_stages(lifecycle_fit.valid_frame).to_numpy()
    assert (predicted == rules).mean() > 0.8


def test_pickle_round_trip_scoring_accounts_and_bad_shape(lifecycle_fit, history) -> None:
    scorer = pickle.loads(pickle.dumps(lifecycle_fit.scorer))
    table = score_accounts(scorer, None, history.transactions, "2024-06-01")
    assert {"account_id", "as_of", "score", "grade", "stage", "reasons"} <= set(table.columns)
    assert table["account_id"].is_unique and len(table) > 100
    with pytest.raises(ScoringInputError):
        scorer.score_array(np.zeros((1, 3)))


def test_reasons_are_the_top_treeshap_contributions(lifecycle_fit) -> None:
    scorer = lifecycle_fit.scorer
    X = scorer.model_matrix(as_matrix(lifecycle_fit.valid_frame, scorer.feature_names)[:300])
    shap = scorer.purchase_model.predict(X, pred_contrib=True)
    raw = scorer.purchase_model.predict(X, raw_score=True)
    np.testing.assert_allclose(shap.sum(axis=1), raw, atol=1e-9)
    contrib = scorer.predict_parts(X)["contributions"]
    expected = shap[:, :-1].copy()
    calibration = scorer.purchase_calibration
    if isinstance(calibration, StackedPlatt):  # BG/NBD's share of the stacked log-odds
        column = scorer.model_feature_names.index("bgnbd_expected_purchases")
        share = calibration.weight * (np.log(X[:, column]) - calibration.center)
        expected[:, column] += np.nan_to_num(share / calibration.slope)
    np.testing.assert_allclose(contrib, expected, atol=1e-12)
    rows = scorer.score_array(X)
    for row, c in zip(rows, contrib, strict=True):
        top = np.argsort(-np.abs(c), kind="stable")[: scorer.n_reasons]
        shown = [r["contribution"] for r in row["reasons"]]
        assert shown == [round(float(c[j]), 4) for j in top if c[j] != 0.0]


def test_scorer_pickled_with_legacy_path_table_still_scores(lifecycle_fit) -> None:
    scorer = pickle.loads(pickle.dumps(lifecycle_fit.scorer))
    legacy = PathContributions()
    # the state the old class pickled: bias, table shape and the sparse (tree x leaf) table
    legacy.__dict__.update(
        {"bias": 0.1, "shape": (1, 2, 3), "_sparse": sparse.csr_matrix(np.ones((2, 3)))}
    )
    scorer.paths = legacy  # what scorers pickled before reasons moved to pred_contrib carry
    restored = pickle.loads(pickle.dumps(scorer))
    assert not vars(restored.paths)  # the unused leaf table is not restored
    X = as_matrix(lifecycle_fit.valid_frame, scorer.feature_names)[:5]
    assert restored.score_array(X) == lifecycle_fit.scorer.score_array(X)
