"""The whole lookalike scorer as one MLflow pyfunc: term extraction, vectoriser, model, reasons.

``mlflow.pyfunc.load_model(uri).predict(df)`` takes a DataFrame with a ``domain`` column and
either a ``text`` column (raw page text; optional ``language`` column "de"/"en", else detected)
or a ``terms`` column (a list of terms, or a mapping term -> weight, per row). It returns one
row per input with ``score`` (0 to 100), ``segment``, ``similarity`` and the reasons as JSON
strings (``nearest_customers``, ``shared_terms``, ``differentiating_terms``). Serving code
unwraps the python model (``scoring.registry.load_model``) and calls :meth:`score_documents`
directly.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
import scipy.sparse as sp

from scoring.errors import ScoringInputError
from scoring.lookalike import LookalikeModel, LookalikeScores
from scoring.profiles import TermVectorizer, document_key
from scoring.segments import Segment, segment_report
from scoring.terms import SUPPORTED_LANGUAGES, TermConfig, extract_terms

log = logging.getLogger(__name__)

OUTPUT_COLUMNS = (
    "domain",
    "score",
    "segment",
    "similarity",
    "nearest_customers",
    "shared_terms",
    "differentiating_terms",
)


def _detect_language(text: str) -> str:
    import py3langid

    lang, _ = py3langid.classify(text[:5000])
    return lang


class LookalikeScorer(mlflow.pyfunc.PythonModel):
    """Vectoriser + fitted :class:`LookalikeModel` + term settings, as one object."""

    def __init__(
        self,
        vectorizer: TermVectorizer,
        model: LookalikeModel,
        term_config: TermConfig,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.vectorizer = vectorizer
        self.model = model
        self.term_config = term_config
        self.info = dict(info or {})

    @property
    def segments(self) -> list[Segment]:
        return self.model.segments_

    def segment_report(self) -> pd.DataFrame:
        return segment_report(self.model.segments_)

    def documents_from_text(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[dict[str, float]]:
        """Term documents of raw texts (language per text, detected when missing)."""
        langs = [
            (lang or _detect_language(t or "")) if languages is not None else _detect_language(t)
            for t, lang in zip(texts, languages or [None] * len(texts), strict=True)
        ]
        docs: list[dict[str, float]] = [{} for _ in texts]
        for lang in SUPPORTED_LANGUAGES:
            idx = [i for i, x in enumerate(langs) if x == lang]
            if not idx:
                continue
            terms = extract_terms([texts[i] or "" for i in idx], lang, config=self.term_config)
            for i, t in zip(idx, terms, strict=True):
                docs[i] = dict(Counter(t))
        return docs

    def score_profiles(
        self, domains: Sequence[str], docs: Sequence[Mapping[str, float]]
    ) -> tuple[sp.csr_matrix, LookalikeScores]:
        """Profiles of term documents and their scores. A background company of the fit (same
        domain, same document: :func:`~scoring.profiles.document_key`) gets its out-of-fold
        features, so it is scored as the calibration saw it; any other row is a new site."""
        X = self.vectorizer.transform(docs)
        keys = [document_key(d, doc) for d, doc in zip(domains, docs, strict=True)]
        return X, self.model.score(X, keys)

    def score_documents(
        self,
        domains: Sequence[str],
        docs: Sequence[Mapping[str, float]],
        *,
        explain_top: int | None = None,
    ) -> pd.DataFrame:
        """Score term documents; reasons for the ``explain_top`` best rows (all when None).

        Rows are returned in input order; rows without reasons have empty reason lists.
        """
        X, (scores, raw, seg, sim) = self.score_profiles(domains, docs)
        n = len(domains)
        order = np.argsort(-raw, kind="stable")
        chosen = order if explain_top is None else order[:explain_top]
        reasons: list[dict[str, Any] | None] = [None] * n
        if len(chosen):
            for i, r in zip(chosen, self.model.explain(X[chosen], seg[chosen]), strict=True):
                reasons[int(i)] = r
        labels = [s.label for s in self.model.segments_]
        empty = X.getnnz(axis=1) == 0
        return pd.DataFrame(
            {
                "domain": list(domains),
                "score": np.round(scores, 2),
                "segment": [labels[s] if s < len(labels) else str(s) for s in seg],
                "segment_id": seg.astype(int),
                "similarity": np.round(sim, 4),
                "nearest_customers": [r["nearest_customers"] if r else [] for r in reasons],
                "shared_terms": [r["shared_terms"] if r else [] for r in reasons],
                "differentiating_terms": [r["differentiating_terms"] if r else [] for r in reasons],
                "no_known_terms": empty,
            }
        )

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Pyfunc entry point (see the module docstring for the frame's columns)."""
        df = pd.DataFrame(model_input)
        if "domain" not in df.columns:
            raise ScoringInputError("input needs a 'domain' column")
        if "terms" in df.columns:
            docs = [_as_document(v) for v in df["terms"]]
        elif "text" in df.columns:
            langs = df["language"].tolist() if "language" in df.columns else None
            docs = self.documents_from_text(df["text"].fillna("").astype(str).tolist(), langs)
        else:
            raise ScoringInputError("input needs a 'text' or a 'terms' column")
        out = self.score_documents(df["domain"].astype(str).tolist(), docs)
        for col in ("nearest_customers", "shared_terms", "differentiating_terms"):
            out[col] = [json.dumps(v, ensure_ascii=False) for v in out[col]]
        return out[list(OUTPUT_COLUMNS)]


def _as_document(value: Any) -> dict[str, float]:
    if isinstance(value, Mapping):
        return {str(k): float(v) for k, v in value.items()}
    if isinstance(value, str):
        return dict(Counter(value.split()))
    if value is None:
        return {}
    return dict(Counter(str(v) for v in value))
