"""Customer segments and their similar and differentiating terms.

- **Segments**: k-means on the customers' L2-normalised TF-IDF profiles (spherical k-means in
  effect). The number of segments is chosen from the data: every k from 2 up to
  ``max_segments`` (bounded so segments keep ``min_size`` customers on average) is scored by
  its cosine silhouette minus the silhouette reached on a null sample without co-occurrence
  structure (a few customers give high silhouettes by chance); the best k wins only when that
  gap clears ``min_gap``, otherwise all customers form one segment.
- **Similar terms** of a segment: terms present on many of its customers' sites (coverage),
  ranked by coverage times mean weight, among terms not less frequent than on non-customer
  sites (so "get in touch" is not a similarity).
- **Differentiating terms**: terms over-represented on customer sites against non-customer
  sites, scored by the weighted log-odds ratio with an informative Dirichlet prior (Monroe,
  Colaresi and Quinn 2008, "Fightin' Words"), on document counts (how many companies use the
  term) so one site repeating a word cannot dominate. The strength is the z-score.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentParams:
    max_segments: int = 8
    min_size: int = 3  # average customers per segment the choice of k must allow
    min_gap: float = 0.1  # silhouette gap over a null sample needed for more than one segment
    n_terms: int = 10  # terms listed per segment in the report
    random_state: int = 0


@dataclass
class Segment:
    id: int
    label: str
    customers: list[str]
    top_terms: list[tuple[str, float]] = field(default_factory=list)
    similar_terms: list[tuple[str, float]] = field(default_factory=list)
    differentiating_terms: list[tuple[str, float]] = field(default_factory=list)


def _null_sample(X: sp.csr_matrix, rng: np.random.Generator) -> sp.csr_matrix:
    """``X`` with every non-zero moved to a random row: term frequencies kept, co-occurrence
    (the structure clusters come from) destroyed."""
    coo = X.tocoo()
    rows = rng.integers(0, X.shape[0], size=coo.nnz)
    null = sp.csr_matrix((coo.data, (rows, coo.col)), shape=X.shape)
    return normalize(null)


def _silhouette(X: sp.csr_matrix, k: int, seed: int) -> float | None:
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(X)
    if len(set(labels.tolist())) < 2:
        return None
    return float(silhouette_score(X, labels, metric="cosine"))


def choose_segments(
    X: sp.csr_matrix, params: SegmentParams | None = None
) -> tuple[np.ndarray, dict[int, float]]:
    """Cluster the rows of ``X``; returns labels and the silhouette gap of every k tried.

    The gap is the cosine silhouette of k-means with k clusters minus the silhouette of the
    same clustering on a null sample without co-occurrence structure (small samples reach
    high silhouettes by chance). The k with the largest gap wins when the gap clears
    ``min_gap``; otherwise all rows form one segment.
    """
    params = params or SegmentParams()
    n = X.shape[0]
    k_max = min(params.max_segments, n // max(params.min_size, 1), n - 1)
    rng = np.random.default_rng(params.random_state)
    gaps: dict[int, float] = {}
    for k in range(2, k_max + 1):
        real = _silhouette(X, k, params.random_state)
        if real is None:
            continue
        nulls = [_silhouette(_null_sample(X, rng), k, params.random_state) for _ in range(2)]
        gaps[k] = real - float(np.mean([v for v in nulls if v is not None] or [0.0]))
    best_k = max(gaps, key=lambda k: gaps[k]) if gaps else 1
    if best_k == 1 or gaps[best_k] < params.min_gap:
        labels = np.zeros(n, dtype=np.int32)
    else:
        km = KMeans(n_clusters=best_k, n_init=4, random_state=params.random_state)
        labels = km.fit_predict(X).astype(np.int32)
    log.info("chose %d segment(s) for %d customers (silhouette gaps %s)", labels.max() + 1, n, gaps)
    return _relabel_by_size(labels), gaps


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Segment 0 is the largest, then 1, ... (stable, readable ids)."""
    ids, counts = np.unique(labels, return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping[int(x)] for x in labels], dtype=np.int32)


def centroids(X: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """L2-normalised mean profile of each segment (dense, segments x terms, float32)."""
    k = int(labels.max()) + 1
    member = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(k, len(labels)),
    )
    return normalize(np.asarray((member @ X).todense(), dtype=np.float32))


def log_odds_z(
    counts_a: np.ndarray, counts_b: np.ndarray, prior_strength: float | None = None
) -> np.ndarray:
    """Weighted log-odds ratio z-scores of group a against group b (informative prior).

    The prior is the pooled distribution of both groups scaled to ``prior_strength`` pseudo
    counts (default: the smaller group's total). Positive z: over-represented in a.
    """
    a = np.asarray(counts_a, dtype=np.float64)
    b = np.asarray(counts_b, dtype=np.float64)
    pooled = a + b
    total = pooled.sum()
    out = np.zeros_like(a)
    if total <= 0:
        return out
    used = pooled > 0
    a, b, pooled = a[used], b[used], pooled[used]
    strength = prior_strength or max(min(a.sum(), b.sum()), 1.0)
    alpha = pooled / total * strength
    a0 = alpha.sum()
    na, nb = a.sum(), b.sum()
    delta = np.log((a + alpha) / (na + a0 - a - alpha)) - np.log(
        (b + alpha) / (nb + a0 - b - alpha)
    )
    var = 1.0 / (a + alpha) + 1.0 / (b + alpha)
    out[used] = delta / np.sqrt(var)
    return out


def document_counts(X: sp.csr_matrix) -> np.ndarray:
    """How many rows use each term."""
    return np.asarray((X > 0).sum(axis=0)).ravel().astype(np.float64)


def describe_segments(
    X_customers: sp.csr_matrix,
    labels: np.ndarray,
    customer_ids: Sequence[str],
    background_counts: np.ndarray,
    terms: np.ndarray,
    params: SegmentParams | None = None,
) -> list[Segment]:
    """Top, similar and differentiating terms of every segment."""
    params = params or SegmentParams()
    n_terms = params.n_terms
    cents = centroids(X_customers, labels)
    segments: list[Segment] = []
    for s in range(cents.shape[0]):
        rows = np.flatnonzero(labels == s)
        Xs = X_customers[rows]
        top = np.argsort(-cents[s])[:n_terms]
        coverage = document_counts(Xs) / len(rows)
        mean_w = np.asarray(Xs.mean(axis=0)).ravel()
        z = log_odds_z(document_counts(Xs), background_counts)
        # common across the segment, leaving out what every site says (z <= 0: no more
        # frequent than on non-customer sites, e.g. "get in touch")
        sim_order = np.argsort(-(coverage * mean_w * (z > 0)))[:n_terms]
        diff_order = [j for j in np.argsort(-z)[:n_terms] if z[j] > 0]
        top_terms = [(str(terms[j]), round(float(cents[s, j]), 4)) for j in top if cents[s, j]]
        segments.append(
            Segment(
                id=s,
                label=", ".join(t for t, _ in top_terms[:3]) or f"segment {s}",
                customers=[customer_ids[i] for i in rows],
                top_terms=top_terms,
                similar_terms=[
                    (str(terms[j]), round(float(coverage[j]), 3))
                    for j in sim_order
                    if coverage[j] and z[j] > 0
                ],
                differentiating_terms=[(str(terms[j]), round(float(z[j]), 2)) for j in diff_order],
            )
        )
    return segments


def segment_report(segments: Sequence[Segment]) -> pd.DataFrame:
    """One row per segment (the report logged to MLflow and printed by ``leadscope segments``)."""

    def fmt(pairs: Sequence[tuple[str, float]]) -> str:
        return "; ".join(f"{t} ({v:g})" for t, v in pairs)

    return pd.DataFrame(
        [
            {
                "segment": s.id,
                "label": s.label,
                "n_customers": len(s.customers),
                "customers": "; ".join(s.customers[:10]),
                "top_terms": fmt(s.top_terms),
                "similar_terms": fmt(s.similar_terms),
                "differentiating_terms": fmt(s.differentiating_terms),
            }
            for s in segments
        ]
    )


def plot_segments(segments: Sequence[Segment], path: Path, n_terms: int = 8) -> Path:
    """Bar chart of each segment's strongest differentiating terms (z-scores), saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = max(len(segments), 1)
    fig, axes = plt.subplots(1, k, figsize=(4.5 * k, 4), squeeze=False)
    for ax, seg in zip(axes[0], segments, strict=False):
        pairs = seg.differentiating_terms[:n_terms][::-1]
        ax.barh([t for t, _ in pairs], [v for _, v in pairs], color="#3b7dd8")
        ax.set_title(f"segment {seg.id}: {len(seg.customers)} customers", fontsize=9)
        ax.set_xlabel("log-odds z (customers vs. non-customers)", fontsize=8)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
