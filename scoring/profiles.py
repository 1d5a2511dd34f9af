"""Term profiles: one weighted term document per company, TF-IDF vectors, and their storage.

A company's term document sums the terms of all its usable pages, with the page fields
weighted (:data:`FIELD_WEIGHTS`: title above headings and meta description above body text).
:class:`TermVectorizer` turns term documents into L2-normalised TF-IDF vectors (sublinear term
frequency, smoothed IDF) after document-frequency pruning. Pages in languages other than German
and English are skipped with a reason; so are companies left without any usable text.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize

from crawling.records import PageRecord
from scoring.errors import ScoringInputError
from scoring.schema_web import term_profiles
from scoring.terms import SUPPORTED_LANGUAGES, TermConfig, extract_terms

log = logging.getLogger(__name__)

FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "headings": 2.0,
    "meta_description": 2.0,
    "main_text": 1.0,
}

TermDocument = Mapping[str, float]


@dataclass
class CompanyDocuments:
    """Weighted term documents per domain, with what was left out and why."""

    docs: dict[str, dict[str, float]] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)  # the domain's main language
    n_pages: dict[str, int] = field(default_factory=dict)  # usable pages per domain
    skipped: dict[str, str] = field(default_factory=dict)  # domain -> reason


def _page_fields(page: PageRecord) -> list[tuple[str, str]]:
    out = [
        ("title", page.title or ""),
        ("meta_description", page.meta_description or ""),
        ("headings", "\n".join(h for h in page.headings or [] if h)),
        ("main_text", page.main_text or ""),
    ]
    return [(name, text) for name, text in out if text.strip()]


def build_term_documents(
    pages_by_domain: Mapping[str, Sequence[PageRecord]],
    *,
    config: TermConfig | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> CompanyDocuments:
    """Extract terms from every usable page and sum them per domain, fields weighted.

    A page is usable when its language is German or English and it has some text. Domains
    without a usable page, or whose pages yield no terms, end up in ``skipped`` with a reason.
    """
    config = config or TermConfig()
    result = CompanyDocuments()
    jobs: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # lang -> (domain, f, text)
    page_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for domain, pages in pages_by_domain.items():
        if not pages:
            result.skipped[domain] = "no pages stored"
            continue
        other: Counter[str] = Counter()
        for page in pages:
            lang = (page.language or "").lower()[:2]
            if lang not in SUPPORTED_LANGUAGES:
                other[page.language or "unknown"] += 1
                continue
            fields = _page_fields(page)
            if not fields:
                continue
            page_counts[domain][lang] += 1
            jobs[lang].extend((domain, name, text) for name, text in fields)
        if not page_counts[domain]:
            if other:
                langs = ", ".join(sorted(other))
                result.skipped[domain] = f"no German or English pages (languages: {langs})"
            else:
                result.skipped[domain] = "no text on the stored pages"
    total = sum(len(v) for v in jobs.values()) or 1
    done = 0
    docs: dict[str, Counter[str]] = defaultdict(Counter)
    for lang, items in jobs.items():
        for start in range(0, len(items), 2000):
            chunk = items[start : start + 2000]
            terms = extract_terms((t for _, _, t in chunk), lang, config=config)
            for (domain, name, _), doc_terms in zip(chunk, terms, strict=True):
                weight = FIELD_WEIGHTS[name]
                counter = docs[domain]
                for term in doc_terms:
                    counter[term] += weight
            done += len(chunk)
            if progress is not None:
                progress(done / total, f"extracted terms from {done}/{total} page fields")
    for domain, counts in page_counts.items():
        doc = docs.get(domain)
        if not doc:
            result.skipped.setdefault(domain, "no terms left after stop words and boilerplate")
            continue
        result.docs[domain] = dict(doc)
        result.languages[domain] = counts.most_common(1)[0][0]
        result.n_pages[domain] = sum(counts.values())
    return result


class TermVectorizer(TransformerMixin, BaseEstimator):
    """Weighted term documents -> L2-normalised TF-IDF rows (scikit-learn transformer).

    ``min_df`` (count) and ``max_df`` (share of documents) prune the vocabulary; at most
    ``max_features`` terms are kept, the most frequent first. Term frequency is sublinear
    (``1 + log(tf)``); IDF is smoothed as in scikit-learn's ``TfidfTransformer``.
    """

    def __init__(
        self,
        min_df: int = 2,
        max_df: float = 0.5,
        max_features: int | None = 50_000,
        sublinear_tf: bool = True,
    ) -> None:
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def fit(self, docs: Sequence[TermDocument], y: object = None) -> TermVectorizer:
        if not docs:
            raise ScoringInputError("cannot fit a term vocabulary on zero documents")
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        min_df = min(self.min_df, max(1, n // 2))  # tiny corpora keep their terms
        max_count = max(self.max_df * n, min_df)
        kept = [(t, c) for t, c in df.items() if min_df <= c <= max_count]
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        if not kept:
            raise ScoringInputError(
                f"no terms are left after document-frequency pruning of {n} documents"
            )
        kept.sort()
        self.terms_ = np.array([t for t, _ in kept], dtype=object)
        self.vocabulary_ = {t: i for i, (t, _) in enumerate(kept)}
        counts = np.array([c for _, c in kept], dtype=np.float64)
        self.idf_ = (np.log((1.0 + n) / (1.0 + counts)) + 1.0).astype(np.float32)
        self.df_ = counts.astype(np.int64)
        self.min_df_ = min_df
        self.n_documents_ = n
        return self

    def term_frequencies(self, docs: Sequence[TermDocument]) -> sp.csr_matrix:
        """Raw weighted term frequencies over the fitted vocabulary (no IDF, no norm)."""
        vocab = self.vocabulary_
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for doc in docs:
            for term, weight in doc.items():
                j = vocab.get(term)
                if j is not None and weight > 0:
                    indices.append(j)
                    data.append(weight)
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
            shape=(len(docs), len(self.terms_)),
        )

    def transform(self, docs: Sequence[TermDocument]) -> sp.csr_matrix:
        X = self.term_frequencies(docs)
        if self.sublinear_tf:
            X.data = 1.0 + np.log(np.maximum(X.data, 1.0), dtype=np.float32)
        X = X @ sp.diags(self.idf_)
        return normalize(X.tocsr(), norm="l2", copy=False).astype(np.float32)

    def transform_left_out(self, docs: Sequence[TermDocument]) -> sp.csr_matrix:
        """Documents the vectoriser was fitted on, each transformed as if it had not been among
        them: its own count is taken off every term's document frequency (a term only it and
        fewer than ``min_df`` others use is dropped) and the IDF is that of the other
        ``n - 1`` documents.

        A new company's profile holds only terms other sites use; a fitted document's in-sample
        profile also holds the rare terms it shares with one other site, which makes it look
        less like everything. Models fitted on left-out profiles see the training companies as
        they will see new ones.
        """
        X = self.term_frequencies(docs)
        if self.sublinear_tf:
            X.data = 1.0 + np.log(np.maximum(X.data, 1.0), dtype=np.float32)
        df = self.df_[X.indices] - 1
        n = self.n_documents_ - 1
        idf = np.log((1.0 + n) / (1.0 + np.maximum(df, 0))) + 1.0
        X.data = (X.data * idf * (df >= self.min_df_)).astype(np.float32)
        X.eliminate_zeros()
        return normalize(X, norm="l2", copy=False).astype(np.float32)


def normalize_domain(value: str) -> str:
    """Lower case; no scheme, path, port or trailing dot (``https://A.de/x`` -> ``a.de``)."""
    d = str(value).strip().lower()
    for prefix in ("https://", "http://"):
        if d.startswith(prefix):
            d = d[len(prefix) :]
    return d.split("/")[0].split(":")[0].rstrip(".")


def document_key(domain: str, doc: Mapping[str, float]) -> str:
    """The lookalike model's key for a background company's stored out-of-fold features: the
    domain plus a fingerprint of its term document, so a company scored later with other text
    (re-crawled pages) is scored as a new site, not given the features of its old text."""
    blob = json.dumps(sorted((str(k), float(v)) for k, v in doc.items()), ensure_ascii=False)
    host = normalize_domain(domain).removeprefix("www.")  # one company, one key
    return f"{host}#{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:16]}"


def top_terms(row: sp.csr_matrix, terms: np.ndarray, n: int) -> dict[str, float]:
    """The ``n`` heaviest terms of one profile row, term -> weight (rounded)."""
    row = row.tocsr()
    order = np.argsort(-row.data)[:n]
    return {str(terms[row.indices[i]]): round(float(row.data[i]), 4) for i in order}


def save_profiles(
    engine: sa.Engine,
    domains: Sequence[str],
    X: sp.csr_matrix,
    terms: np.ndarray,
    *,
    model_ref: str,
    languages: Mapping[str, str] | None = None,
    n_pages: Mapping[str, int] | None = None,
    top: int = 100,
) -> int:
    """Store each domain's profile (its ``top`` terms and weights), replacing older ones."""
    now = datetime.now(UTC)
    rows = [
        {
            "domain": d,
            "model_ref": model_ref,
            "language": (languages or {}).get(d),
            "n_pages": int((n_pages or {}).get(d, 0)),
            "terms": top_terms(X[i], terms, top),
            "created_at": now,
        }
        for i, d in enumerate(domains)
    ]
    if not rows:
        return 0
    with engine.begin() as conn:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            conn.execute(
                term_profiles.delete().where(
                    term_profiles.c.model_ref == model_ref,
                    term_profiles.c.domain.in_([r["domain"] for r in chunk]),
                )
            )
            conn.execute(term_profiles.insert(), chunk)
    return len(rows)


def load_profiles(engine: sa.Engine, model_ref: str) -> dict[str, dict[str, float]]:
    """Stored profiles of one model: domain -> {term: weight}."""
    q = sa.select(term_profiles.c.domain, term_profiles.c.terms).where(
        term_profiles.c.model_ref == model_ref
    )
    with engine.connect() as conn:
        return {r.domain: dict(r.terms) for r in conn.execute(q)}
