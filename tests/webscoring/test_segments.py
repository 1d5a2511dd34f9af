"""Segments chosen from the data; similar and differentiating terms (weighted log-odds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoring.segments import (
    SegmentParams,
    choose_segments,
    describe_segments,
    document_counts,
    log_odds_z,
    plot_segments,
    segment_report,
)


def test_number_of_segments_comes_from_the_data(world_profiles) -> None:
    p = world_profiles
    two = np.isin(p.industry, ["dental", "logistics"]) & (p.language == "en")
    _, X = p.rows(two)
    labels, silhouettes = choose_segments(X, SegmentParams(max_segments=5))
    truth = p.industry[two]
    assert len(set(labels.tolist())) == 2, silhouettes
    for seg in set(labels.tolist()):  # each segment is one industry
        assert len(set(truth[labels == seg].tolist())) == 1
    one = (p.industry == "bakery") & (p.language == "en")
    labels1, _ = choose_segments(p.rows(one)[1], SegmentParams(max_segments=3, min_size=2))
    assert set(labels1.tolist()) == {0}


def test_log_odds_signs_and_symmetry() -> None:
    a = np.array([30.0, 10.0, 5.0, 0.0])
    b = np.array([3.0, 10.0, 5.0, 8.0])
    z = log_odds_z(a, b)
    assert z[0] > 2  # much more frequent in a
    assert z[3] < 0  # only in b
    assert abs(z[2]) < abs(z[0])
    assert np.allclose(log_odds_z(b, a), -z)
    assert np.all(log_odds_z(np.zeros(3), np.zeros(3)) == 0)


def test_segments_describe_the_customers_industries(world_profiles, tmp_path: Path) -> None:
    p = world_profiles
    cust = np.isin(p.industry, ["drives", "dental"]) & (p.language == "de")
    ids, Xc = p.rows(cust)
    _, Xb = p.rows(~np.isin(p.industry, ["drives", "dental"]))
    labels, _ = choose_segments(Xc)
    segments = describe_segments(Xc, labels, ids, document_counts(Xb), p.vectorizer.terms_)
    assert len(segments) == len(set(labels.tolist()))
    truth = p.industry[cust]
    for seg in segments:
        industry = truth[labels == seg.id][0]
        top = [t for t, _ in seg.differentiating_terms[:5]]
        assert top and set(top) <= p.industry_terms[industry], (industry, top)
        assert all(z > 0 for _, z in seg.differentiating_terms)
        assert set(t for t, _ in seg.top_terms[:3]) <= p.industry_terms[industry]
    report = segment_report(segments)
    assert list(report["n_customers"]) == [len(s.customers) for s in segments]
    assert report["n_customers"].sum() == len(ids)
    png = plot_segments(segments, tmp_path / "segments.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
