"""Scale of the lookalike scoring path, and term-extraction throughput.

1. Fit a :class:`scoring.lookalike.LookalikeModel` on synthetic sparse profiles (customers from a
   few topics, a background of mixed companies), then score 1,000,000 synthetic candidate
   profiles (L2-normalised TF-IDF-like rows, Zipf-distributed terms, topic structure). Reports
   the scoring wall time, rows per second and the process's peak RSS (which includes the
   candidate matrix itself). Goal: under 30 s and 4 GiB on 2 cores. Reasons (explain) are timed
   for the top 100 rows only, as the product does. Baseline: the same candidates scored by
   cosine to one customer centroid (a single sparse mat-vec), the cheapest possible scorer.
2. Term extraction (spaCy blank pipeline + lookup lemmatizer + phrases), pages per second on
   one core, on real pre-cleaned English homepage text (website-classification) and on German
   text built from the lemma table's vocabulary.

    .venv/bin/python benchmarks/bench_lookalike_scale.py [--rows 1000000] [--nnz 120] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from scoring.lookalike import LookalikeModel
from scoring.terms import extract_terms, get_pipeline

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "website-classification"


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_profiles(
    n: int, vocab: int, nnz: int, topics: np.ndarray, rng: np.random.Generator
) -> sp.csr_matrix:
    """Rows mixing Zipf-distributed common terms with terms of the row's topic."""
    n_topics = topics.shape[0]
    row_topic = rng.integers(0, n_topics, size=n)
    common = np.minimum(rng.zipf(1.3, size=(n, nnz // 2)) - 1, vocab - 1)
    own = topics[row_topic[:, None], rng.integers(0, topics.shape[1], size=(n, nnz - nnz // 2))]
    cols = np.concatenate([common, own], axis=1).astype(np.int32)
    data = rng.random(cols.shape, dtype=np.float32) + 0.1
    rows = np.repeat(np.arange(n, dtype=np.int64), nnz)
    X = sp.csr_matrix((data.ravel(), (rows, cols.ravel())), shape=(n, vocab), dtype=np.float32)
    X.sum_duplicates()
    return normalize(X, copy=False)


def scale(rows: int, vocab: int, nnz: int, customers: int, background: int, n_jobs: int) -> None:
    rng = np.random.default_rng(7)
    topics = rng.integers(1000, vocab, size=(40, 400))
    cust_topics = topics[:4]
    X_pos = synthetic_profiles(customers, vocab, nnz, cust_topics, rng)
    X_unl = synthetic_profiles(background, vocab, nnz, topics, rng)
    terms = np.array([f"t{i}" for i in range(vocab)], dtype=object)
    t0 = time.perf_counter()
    model = LookalikeModel().fit(
        X_pos,
        X_unl,
        customer_ids=[f"c{i}" for i in range(customers)],
        unlabelled_ids=[f"b{i}" for i in range(background)],
        terms=terms,
    )
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    parts = []
    for start in range(0, rows, 200_000):
        parts.append(synthetic_profiles(min(200_000, rows - start), vocab, nnz, topics, rng))
    X = sp.vstack(parts).tocsr()
    del parts
    t_gen = time.perf_counter() - t0
    print(
        f"candidates: {rows:,} rows x {vocab:,} terms, {X.nnz:,} non-zeros "
        f"({X.data.nbytes + X.indices.nbytes + X.indptr.nbytes:,} bytes); generated in "
        f"{t_gen:.1f} s"
    )
    print(
        f"model: {customers} customers, {background} background, {len(model.segments_)} "
        f"segments, fitted in {t_fit:.1f} s"
    )
    centroid = normalize(np.asarray(X_pos.mean(axis=0), dtype=np.float32)).ravel()
    t0 = time.perf_counter()
    base = X @ centroid
    t_base = time.perf_counter() - t0
    model.set_params(n_jobs=n_jobs)
    t0 = time.perf_counter()
    res = model.score(X)
    t_score = time.perf_counter() - t0
    top = np.argpartition(-res.raw, 100)[:100]
    t0 = time.perf_counter()
    model.explain(X[top], res.segment[top])
    t_explain = time.perf_counter() - t0
    print(
        f"lookalike score (n_jobs={n_jobs}): {t_score:.2f} s ({rows / t_score:,.0f} rows/s); "
        f"reasons for the top 100: {t_explain:.2f} s"
    )
    print(
        f"baseline (centroid cosine, one mat-vec): {t_base:.2f} s; "
        f"lookalike / baseline time: {t_score / t_base:.1f}x"
    )
    print(f"peak RSS of the process: {peak_rss_gib():.2f} GiB (goal < 4 GiB; time goal < 30 s)")
    del base


def extraction() -> None:
    frame = pd.read_csv(DATA / "website_classification.csv")
    texts = frame["cleaned_website_text"].fillna("").tolist()[:400]
    t0 = time.perf_counter()  # once per process: pipelines, lemma tables, CLDR names
    extract_terms(["warm up"], "en")
    extract_terms(["warm up"], "de")
    print(f"term extraction setup (once per process): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    extract_terms(texts, "en")
    dt = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts)
    print(
        f"term extraction en: {len(texts) / dt:.0f} pages/s on one core "
        f"({words / len(texts):.0f} words per page, {words / dt:,.0f} words/s)"
    )
    nlp = get_pipeline("de")
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    vocab = [str(k) for k, _ in zip(table.keys(), range(20_000), strict=False)]
    rng = np.random.default_rng(1)
    de_texts = []
    for _ in range(400):
        words = rng.choice(vocab, size=600)
        de_texts.append(". ".join(" ".join(words[i : i + 12]) for i in range(0, 600, 12)))
    t0 = time.perf_counter()
    extract_terms(de_texts, "de")
    dt = time.perf_counter() - t0
    print(f"term extraction de: {len(de_texts) / dt:.0f} pages/s on one core (600 words per page)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--vocab", type=int, default=50_000)
    ap.add_argument("--nnz", type=int, default=120, help="terms per candidate profile")
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--background", type=int, default=5_000)
    ap.add_argument("--n-jobs", type=int, default=2, help="scoring threads")
    ap.add_argument("--skip-extraction", action="store_true")
    args = ap.parse_args()
    scale(args.rows, args.vocab, args.nnz, args.customers, args.background, args.n_jobs)
    if not args.skip_extraction:
        extraction()


if __name__ == "__main__":
    main()
