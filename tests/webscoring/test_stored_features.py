"""Background companies' stored out-of-fold features apply only to the text they were fitted on."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.profiles import document_key
from training.lookalike import LookalikeConfig, fit_scorer

DRIVES = "getriebe servomotor antrieb kupplung welle lager motor drehmoment".split()  # noqa: SIM905
OTHER = "brot kuchen software cloud hotel reise versicherung mode schuh kaffee garten".split()  # noqa: SIM905


def _doc(rng: np.random.Generator, words: list[str], noise: list[str]) -> dict[str, float]:
    picked = rng.choice(words, size=5, replace=False).tolist()
    picked += rng.choice(noise, size=2, replace=False).tolist()
    return {w: float(rng.integers(1, 4)) for w in picked}


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    customers = {f"c{i}.example": _doc(rng, DRIVES, OTHER) for i in range(8)}
    background = {f"b{i}.example": _doc(rng, OTHER, DRIVES) for i in range(40)}
    return fit_scorer(customers, background, LookalikeConfig()), customers, background


def test_document_key_depends_on_domain_and_text() -> None:
    doc = {"getriebe": 2.0, "motor": 1.0}
    assert document_key("a.example", doc) == document_key("a.example", dict(reversed(doc.items())))
    assert document_key("a.example", doc) != document_key("b.example", doc)
    assert document_key("WWW.A.example.", doc) == document_key("a.example", doc)
    assert document_key("a.example", doc) != document_key("a.example", {**doc, "motor": 2.0})


def test_background_domain_with_new_text_is_scored_on_the_text(fitted) -> None:  # type: ignore[no-untyped-def]
    scorer, customers, _ = fitted
    known, text = "b0.example", customers["c0.example"]
    as_known = scorer.score_documents([known], [text]).iloc[0]
    as_new = scorer.score_documents(["fresh.example"], [text]).iloc[0]
    # re-crawled with customer-like text: scored as that text, not with its stored features
    assert as_known["score"] == as_new["score"]
    assert as_known["similarity"] == as_new["similarity"]
    assert as_known["segment"] == as_new["segment"]
    assert as_known["score"] > 60


def test_background_domain_with_its_fitted_text_gets_stored_features(fitted) -> None:  # type: ignore[no-untyped-def]
    scorer, _, background = fitted
    domains = list(background)
    docs = [background[d] for d in domains]
    stored = scorer.score_documents(domains, docs)
    fresh = scorer.score_documents([f"new-{d}" for d in domains], docs)
    # out-of-fold features (the model did not see the row) differ from in-sample scoring
    assert not np.allclose(stored["score"], fresh["score"])
    keys = [document_key(d, doc) for d, doc in zip(domains, docs, strict=True)]
    assert list(scorer.model.oof_ids_) == keys
    # another spelling of a known domain with its fitted text still gets the stored features
    upper = scorer.score_documents([f"www.{domains[0].upper()}"], [docs[0]])
    assert upper["score"].iloc[0] == stored["score"].iloc[0]


def test_score_profiles_scores_the_background_as_the_calibration_saw_it(fitted) -> None:  # type: ignore[no-untyped-def]
    """The prospect list and the evaluation score through score_profiles: the background's
    raw scores are exactly those the calibration was fitted on."""
    scorer, _, background = fitted
    domains = list(background)
    docs = [background[d] for d in domains]
    X, scored = scorer.score_profiles(domains, docs)
    assert X.shape[0] == len(domains)
    grid = np.quantile(scored.raw, np.linspace(0.0, 1.0, 201))
    np.testing.assert_allclose(grid, scorer.model.calibration_, atol=1e-4)
    _, as_new = scorer.score_profiles([f"new-{d}" for d in domains], docs)
    assert not np.allclose(np.quantile(as_new.raw, [0.1, 0.5, 0.9]), grid[[20, 100, 180]])
    np.testing.assert_allclose(
        np.round(scored.score, 2), scorer.score_documents(domains, docs)["score"]
    )
