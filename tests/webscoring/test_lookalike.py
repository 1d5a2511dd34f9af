"""The lookalike model on the synthetic web: ranking, calibration, reasons, PU cross-fitting."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import kstest
from sklearn.metrics import roc_auc_score

from scoring.errors import ScoringInputError
from scoring.lookalike import LookalikeModel
from tests.webscoring.conftest import make_world
from training.lookalike import LookalikeConfig, fit_scorer


@pytest.fixture(scope="module")
def fitted(world_profiles):
    """Customers: half of the drives companies (both languages); background: all others."""
    p = world_profiles
    drives = np.flatnonzero(p.industry == "drives")
    cust = drives[:6]  # three German and three English sites
    back = np.setdiff1d(np.arange(len(p.ids)), cust)
    model = LookalikeModel(random_state=0).fit(
        p.X[cust],
        p.X[back],
        customer_ids=[p.ids[i] for i in cust],
        unlabelled_ids=[p.ids[i] for i in back],
        terms=p.vectorizer.terms_,
    )
    return p, model, cust, back


def test_hidden_lookalikes_rank_first(fitted) -> None:
    p, model, _, back = fitted
    ids = [p.ids[i] for i in back]
    res = model.score(p.X[back], ids)
    truth = p.industry[back] == "drives"
    assert roc_auc_score(truth, res.raw) > 0.95
    top = np.argsort(-res.raw)[: truth.sum()]
    assert truth[top].mean() >= 0.8
    assert np.all((res.score >= 0) & (res.score <= 100))
    # calibrated against the background: a typical non-customer sits near the middle
    assert 25 < np.median(res.score[~truth]) < 75
    assert res.score[truth].min() > np.median(res.score[~truth])
    # the score is monotone in the raw score
    order = np.argsort(res.raw)
    assert np.all(np.diff(res.score[order]) >= -1e-9)


def test_segments_follow_the_customers_languages(fitted) -> None:
    p, model, cust, _ = fitted
    labels = model.labels_
    langs = p.language[cust]
    assert len(model.segments_) == 2  # German and English drives sites share no words
    for seg in range(2):
        assert len(set(langs[labels == seg].tolist())) == 1


def test_reasons_name_shared_terms_and_nearest_customers(fitted) -> None:
    p, model, cust, back = fitted
    target = [i for i in back if p.industry[i] == "drives"][:2]
    res = model.score(p.X[target], [p.ids[i] for i in target])
    reasons = model.explain(p.X[target], res.segment)
    customers = {p.ids[i] for i in cust}
    for i, r in zip(target, reasons, strict=True):
        assert r["nearest_customers"] and {c["domain"] for c in r["nearest_customers"]} <= customers
        sims = [c["similarity"] for c in r["nearest_customers"]]
        assert sims == sorted(sims, reverse=True)
        shared = [t["term"] for t in r["shared_terms"]]
        assert shared and set(shared[:3]) <= p.industry_terms["drives"]
        assert all(t["strength"] > 0 for t in r["differentiating_terms"])
        assert set(shared) <= set(p.docs[p.ids[i]])  # terms the candidate really uses


def test_background_rows_get_out_of_fold_features(fitted) -> None:
    """Background companies scored by domain get the cross-fitted features the calibration
    was computed from; the same rows without ids are scored as new companies."""
    p, model, _, back = fitted
    X = p.X[back[:5]]
    with_ids = model._features(X, [p.ids[i] for i in back[:5]])[0]
    without = model._features(X, None)[0]
    assert np.allclose(with_ids, model.oof_features_[:5])
    assert np.allclose(with_ids[:, :2], without[:, :2])  # term views: no fitted background
    assert not np.allclose(with_ids[:, 2], without[:, 2])  # PU: fold model vs. fold mean
    assert not np.allclose(with_ids[:, 3], without[:, 3])  # latent: own fold's view
    unknown = model._features(X, [f"new-{i}.example" for i in range(5)])[0]
    assert np.allclose(unknown, without)


def test_chunked_and_threaded_scoring_equal_one_batch(fitted) -> None:
    p, model, _, back = fitted
    X = sp.vstack([p.X[back]] * 3).tocsr()
    one = model.score(X)
    try:
        model.set_params(chunk_rows=7)
        chunked = model.score(X)
        model.set_params(n_jobs=2)
        threaded = model.score(X)
    finally:
        model.set_params(chunk_rows=50_000, n_jobs=None)
    for other in (chunked, threaded):
        assert np.allclose(one.raw, other.raw, atol=1e-5)
        assert np.array_equal(one.segment, other.segment)


def test_too_few_customers_or_background(world_profiles) -> None:
    p = world_profiles
    with pytest.raises(ScoringInputError, match="at least 1 customer with usable pages, got 0"):
        LookalikeModel().fit(p.X[:0], p.X, customer_ids=[], unlabelled_ids=p.ids, terms=[])
    with pytest.raises(ScoringInputError, match="at least 3 customers with usable pages, got 2"):
        LookalikeModel(min_customers=3).fit(
            p.X[:2], p.X[2:], customer_ids=p.ids[:2], unlabelled_ids=p.ids[2:], terms=[]
        )
    with pytest.raises(ScoringInputError, match="at least 2 non-customer"):
        LookalikeModel().fit(
            p.X[:5], p.X[5:6], customer_ids=p.ids[:5], unlabelled_ids=p.ids[5:6], terms=[]
        )


@pytest.fixture(scope="module")
def market():
    """A larger synthetic market (30 sites per industry) and two runs that share nothing but
    the kind of customer: run A fits 4 drives customers against 60 background sites, run B 10
    other drives customers against another sample of 80, with another random seed. The
    candidates (16 further drives sites, 30 non-customers) are in neither run's data."""
    from scoring.profiles import build_term_documents

    sites = make_world(n_per_industry=30, seed=11)
    docs = build_term_documents({s.domain: s.pages for s in sites}).docs
    drives = [s.domain for s in sites if s.industry == "drives"]
    others = [s.domain for s in sites if s.industry != "drives"]
    rng = np.random.default_rng(5)
    others = list(rng.permutation(others))
    held_out, pool = others[:30], others[30:]
    runs = []
    for r, (customers, n_back) in enumerate(((drives[:4], 60), (drives[4:14], 80))):
        background = list(rng.choice(pool, size=n_back, replace=False))
        runs.append(
            fit_scorer(
                {d: docs[d] for d in customers},
                {d: docs[d] for d in background},
                LookalikeConfig(random_state=r),
            )
        )
    return docs, runs, drives[14:], held_out


def test_scores_are_comparable_across_runs(market) -> None:
    """Calibrated means: a score is the share of non-customer sites that resemble the customers
    less. So the same candidate scores about the same in two runs with other customers of the
    same kind, another background sample and another random seed; fresh non-customers spread
    over the scale around 50; lookalikes score near the top; and a candidate's score does not
    depend on which other candidates are scored with it."""
    docs, runs, lookalikes, held_out = market
    cands = lookalikes + held_out
    scores = [
        run.score_documents(cands, [docs[d] for d in cands])["score"].to_numpy() for run in runs
    ]
    is_like = np.r_[np.ones(len(lookalikes)), np.zeros(len(held_out))].astype(bool)
    for s in scores:
        assert np.all((s >= 0) & (s <= 100))
        # non-customers the model never saw: spread over the percentile scale, centred near 50
        # (30 sites against a grid of 60-80 background scores: loose bounds per run, closer
        # ones for the two runs together)
        assert 25 <= np.median(s[~is_like]) <= 75
        assert np.mean(s[~is_like] > 90) <= 0.25 and np.mean(s[~is_like] < 50) >= 0.25
        # ... and roughly evenly (a percentile), not bunched as a rescaled raw score would be
        assert kstest(s[~is_like] / 100, "uniform").statistic < 0.35
        # customer-like candidates above (almost) every non-customer
        assert np.quantile(s[is_like], 0.1) > 90 > np.quantile(s[~is_like], 0.75)
    both = np.concatenate([s[~is_like] for s in scores])
    assert 0.3 <= np.mean(both < 50) <= 0.7
    a, b = scores
    # the same candidate, two independent runs: about the same score
    assert np.median(np.abs(a - b)) <= 15
    assert np.median(np.abs(a[is_like] - b[is_like])) <= 5
    # and it does not depend on the batch it is scored in
    alone = runs[0].score_documents(cands[:1], [docs[cands[0]]])["score"].iloc[0]
    few = runs[0].score_documents(held_out[:3], [docs[d] for d in held_out[:3]])["score"]
    assert alone == pytest.approx(a[0], abs=0.01)
    assert np.allclose(few.to_numpy(), a[len(lookalikes) : len(lookalikes) + 3], atol=0.01)


@pytest.fixture(scope="module")
def website_sample():
    """700 real homepages (../shared/data/website-classification), terms extracted."""
    from collections import Counter

    import pandas as pd

    from scoring.terms import extract_terms
    from tests.conftest import shared_data

    frame = pd.read_csv(shared_data("website-classification", "website_classification.csv"))
    frame = frame[frame["cleaned_website_text"].fillna("").str.strip() != ""]
    frame = frame.sample(700, random_state=0).reset_index(drop=True)
    terms = extract_terms(frame["cleaned_website_text"].tolist(), "en")
    return [dict(Counter(t)) for t in terms], frame["Category"].to_numpy()


def test_new_sites_score_like_the_background_on_real_sites(website_sample) -> None:
    """On real homepages, with their long tail of rare words, a model that calibrates on
    in-sample background scores puts unseen sites well above 50 (it has fitted the background,
    so the background looks less like the customers than new sites do: a median of about 60
    was measured). Here the background is a random half of the sites, the held-out half comes
    from the same distribution: their median score must be near 50, and held-out sites of the
    customers' category must score high."""
    docs, cats = website_sample
    rng = np.random.default_rng(3)
    medians = []
    for cat in ("Travel", "Education", "Sports"):
        members = np.flatnonzero(cats == cat)
        customers = rng.choice(members, 5, replace=False)
        rest = rng.permutation(np.setdiff1d(np.arange(len(docs)), customers))
        back, held = rest[: len(rest) // 2], rest[len(rest) // 2 :]
        scorer = fit_scorer(
            {f"c{i}": docs[i] for i in customers},
            {f"b{i}": docs[i] for i in back},
            LookalikeConfig(),
        )
        scores = scorer.score_documents([f"h{i}" for i in held], [docs[i] for i in held])
        s = scores["score"].to_numpy()
        medians.append(np.median(s))
        assert 38 <= medians[-1] <= 62, (cat, medians[-1])
        assert np.median(s[cats[held] == cat]) > 85
    assert 42 <= np.mean(medians) <= 58, medians


def test_a_profile_without_known_terms_has_no_latent_resemblance(fitted) -> None:
    """An empty row is no evidence: latent similarity 0 like the term views' cosines (it used
    to embed as -centre and score whatever that direction's cosine to the query was)."""
    p, model, _, back = fitted
    empty = sp.csr_matrix((1, p.X.shape[1]), dtype=np.float32)
    F, _ = model._features(empty)
    assert F[0, 0] == 0.0 and F[0, 1] == 0.0 and F[0, 3] == 0.0
    view = model.latent_view_
    assert view is not None
    centred = -view.center / np.linalg.norm(view.center)
    assert abs(float((view.queries @ centred).max())) > 1e-3  # the old value was not 0
    res = model.score(empty)
    typical = model.score(p.X[back], [p.ids[i] for i in back])
    assert res.score[0] < np.median(typical.score)


def test_evaluation_hides_every_customer_once_before_any_twice(world_profiles, monkeypatch):
    """The hidden-customer folds are blocks of one permutation: with 2 customers there are 2
    folds hiding each once (independent draws per fold hid the same one three times), with 6
    the 3 folds hide disjoint pairs; 1 customer has nothing to hide."""
    import training.lookalike as tl

    p = world_profiles
    # German drives makers only: a site shares no words with the other language's sites
    drives = [
        d
        for d, ind, lang in zip(p.ids, p.industry, p.language, strict=True)
        if ind == "drives" and lang == "de"
    ]
    background = {d: p.docs[d] for d, ind in zip(p.ids, p.industry, strict=True) if ind != "drives"}
    seen: list[set[str]] = []
    real = tl.fit_scorer

    def spy(kept, back, config):  # the real fit; records who was hidden
        seen.append(set(current) - set(kept))
        return real(kept, back, config)

    monkeypatch.setattr(tl, "fit_scorer", spy)
    assert len(drives) >= 6
    for n, share, folds, per_fold in ((2, 0.25, 2, 1), (2, 0.9, 2, 1), (6, 0.34, 3, 2)):
        current = {d: p.docs[d] for d in drives[:n]}
        seen.clear()
        m = tl.evaluate(current, background, LookalikeConfig(hide_share=share))
        assert m["eval_folds"] == folds and m["hidden_per_fold"] == per_fold
        assert len(seen) == folds and all(len(h) == per_fold for h in seen)
        assert len(set().union(*seen)) == folds * per_fold  # disjoint: nobody hidden twice
        assert 0.5 < m["auc"] <= 1.0  # hidden drives makers rank above the other industries
    current = {drives[0]: p.docs[drives[0]]}
    assert tl.evaluate(current, background, LookalikeConfig()) == {}
