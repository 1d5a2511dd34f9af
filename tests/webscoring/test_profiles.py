"""Term documents per company, TF-IDF profiles and their storage."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from crawling.records import PageRecord
from scoring.errors import ScoringInputError
from scoring.profiles import (
    FIELD_WEIGHTS,
    TermVectorizer,
    build_term_documents,
    load_profiles,
    save_profiles,
)


def page(domain: str, **kw: object) -> PageRecord:
    kw.setdefault("language", "de")
    return PageRecord(domain=domain, url=f"https://{domain}/{len(kw)}", **kw)


def test_fields_are_weighted_and_pages_summed() -> None:
    pages = {
        "a.de": [
            page("a.de", title="Getriebe", main_text="Bäckerei"),
            page("a.de", headings=["Spedition"], main_text="Bäckerei"),
        ]
    }
    docs = build_term_documents(pages)
    doc = docs.docs["a.de"]
    assert doc["getriebe"] == FIELD_WEIGHTS["title"]
    assert doc["spedition"] == FIELD_WEIGHTS["headings"]
    assert doc["bäckerei"] == 2 * FIELD_WEIGHTS["main_text"]  # two pages
    assert FIELD_WEIGHTS["title"] > FIELD_WEIGHTS["headings"] > FIELD_WEIGHTS["main_text"]
    assert docs.n_pages["a.de"] == 2 and docs.languages["a.de"] == "de"


def test_unusable_domains_are_skipped_with_a_reason() -> None:
    pages = {
        "fr.example": [page("fr.example", language="fr", main_text="Boulangerie pain")],
        "empty.example": [page("empty.example", main_text="   ")],
        "boiler.example": [page("boiler.example", main_text="Cookies akzeptieren. Impressum")],
        "none.example": [],
        "ok.example": [page("ok.example", language="en", main_text="Freight logistics")],
    }
    docs = build_term_documents(pages)
    assert set(docs.docs) == {"ok.example"}
    assert "languages: fr" in docs.skipped["fr.example"]
    assert docs.skipped["empty.example"] == "no text on the stored pages"
    assert "no terms left" in docs.skipped["boiler.example"]
    assert docs.skipped["none.example"] == "no pages stored"


def test_vectorizer_prunes_by_document_frequency_and_normalises() -> None:
    docs = [
        {"common": 1.0, "pair": 2.0, "solo1": 1.0},
        {"common": 1.0, "pair": 1.0, "x": 1.0, "y": 3.0},
        {"common": 1.0, "x": 1.0, "y": 1.0},
        {"common": 1.0, "z": 1.0, "y": 1.0},
    ]
    vec = TermVectorizer(min_df=2, max_df=0.9).fit(docs)
    assert "solo1" not in vec.vocabulary_  # in one document only
    assert "common" not in vec.vocabulary_  # in every document
    assert {"pair", "x", "y"} <= set(vec.vocabulary_)
    X = vec.transform(docs)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert np.allclose(norms, 1.0, atol=1e-5)
    # equal term frequency: the rarer term ("x", 2 docs) outweighs the commoner ("y", 3 docs)
    row = X[2].toarray().ravel()
    assert row[vec.vocabulary_["x"]] > row[vec.vocabulary_["y"]]
    with pytest.raises(ScoringInputError):
        TermVectorizer().fit([])


def test_profiles_are_stored_and_replaced(db_engine: sa.Engine) -> None:
    docs = [{"getriebe": 2.0, "antrieb": 1.0}, {"brot": 1.0, "antrieb": 1.0}]
    vec = TermVectorizer(min_df=1, max_df=1.0).fit(docs)
    X = vec.transform(docs)
    n = save_profiles(
        db_engine, ["a.de", "b.de"], X, vec.terms_, model_ref="m/1", languages={"a.de": "de"}
    )
    assert n == 2
    stored = load_profiles(db_engine, "m/1")
    assert set(stored) == {"a.de", "b.de"}
    assert max(stored["a.de"], key=stored["a.de"].get) == "getriebe"
    save_profiles(db_engine, ["a.de"], X[1:], vec.terms_, model_ref="m/1")
    again = load_profiles(db_engine, "m/1")
    assert len(again) == 2 and "brot" in again["a.de"]  # replaced, not duplicated
    assert load_profiles(db_engine, "m/2") == {}


def test_left_out_profile_is_the_profile_of_a_vectoriser_fitted_without_the_document() -> None:
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(40)]
    docs = [
        {w: float(rng.integers(1, 4)) for w in rng.choice(words, size=8, replace=False)}
        for _ in range(30)
    ]
    full = TermVectorizer(min_df=2, max_df=1.0).fit(docs)
    left_out = full.transform_left_out(docs)
    in_sample = full.transform(docs)
    differs = 0
    for i, doc in enumerate(docs):
        without = TermVectorizer(min_df=2, max_df=1.0).fit(docs[:i] + docs[i + 1 :])
        expected = without.transform([doc])
        want = {without.terms_[j]: v for j, v in zip(expected.indices, expected.data, strict=True)}
        row = left_out[i]
        got = {full.terms_[j]: v for j, v in zip(row.indices, row.data, strict=True)}
        assert got.keys() == want.keys()
        assert np.allclose([got[t] for t in want], list(want.values()), atol=1e-6)
        differs += not np.allclose(row.toarray(), in_sample[i].toarray())
    # the point: in sample, a document keeps the rare terms it shares with one other document
    assert differs > 0
