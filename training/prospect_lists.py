"""Prospect lists: fit on the customers, score the candidates, store the ranked list.

:func:`run_prospect_list` is the one library function behind ``leadscope prospects``, the HTTP
API's prospect-list job and ``leadscope demo``. Rows follow the prospect row contract of
ARCHITECTURE.md; candidates that cannot be scored are listed with a ``reason`` and no score.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from crawling.records import PageRecord
from crawling.schema import pages as pages_table
from crawling.store import load_pages
from scoring.lookalike import MIN_CUSTOMERS, too_few_customers
from scoring.profiles import (
    CompanyDocuments,
    build_term_documents,
    normalize_domain,
    save_profiles,
)
from scoring.schema_accounts import companies
from scoring.schema_web import prospect_lists, prospect_rows
from training.errors import TrainingInputError
from training.lookalike import LookalikeConfig, train_lookalike

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
IMPRINT_FIELDS = ("legal_name", "legal_form", "city", "postal_code", "register_number", "vat_id")
ROW_COLUMNS = (
    "rank",
    "domain",
    "name",
    "score",
    "segment",
    "similarity",
    "nearest_customers",
    "shared_terms",
    "differentiating_terms",
    "language",
    *IMPRINT_FIELDS,
    "crawled_at",
    "reason",
)


@dataclass(frozen=True)
class ProspectConfig:
    """What list to produce: size, filters and the lookalike method's parameters."""

    top: int = 100
    min_score: float | None = None
    languages: tuple[str, ...] = ()  # e.g. ("de",); empty: all
    countries: tuple[str, ...] = ()  # companies.country, case-insensitive; empty: all
    segments: tuple[str, ...] = ()  # segment ids or labels; empty: all
    max_background: int = 20_000  # non-customer sites used as background at most
    store_profiles: bool = True
    # move @champion when the gate passes? None: only for the stored customer set (the
    # canonical model); an ad-hoc customer list registers a @challenger and leaves it there
    promote: bool | None = None
    lookalike: LookalikeConfig = field(default_factory=LookalikeConfig)

    def params(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "lookalike"}
        out["lookalike"] = self.lookalike.params()
        return json.loads(json.dumps(out, default=str))


@dataclass
class ProspectListResult:
    list_id: str
    rows: list[dict[str, Any]]  # ranked prospects, then unscored candidates with a reason
    model_name: str
    model_version: str | None
    skipped_customers: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    promoted: bool = False
    n_candidates: int = 0
    segment_report: pd.DataFrame | None = None


def _clean(domains: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(d for d in (normalize_domain(x) for x in domains) if d))


def stored_customers(engine: sa.Engine) -> list[str]:
    """Domains of companies marked ``is_customer`` in the companies table."""
    q = sa.select(companies.c.domain).where(companies.c.is_customer.is_(True))
    with engine.connect() as conn:
        return _clean(r[0] for r in conn.execute(q))


def stored_domains(engine: sa.Engine) -> list[str]:
    """Every domain with at least one stored page."""
    q = sa.select(pages_table.c.domain).distinct().order_by(pages_table.c.domain)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(q)]


def _company_info(engine: sa.Engine, domains: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for start in range(0, len(domains), 500):
            q = sa.select(companies.c.domain, companies.c.name, companies.c.country).where(
                companies.c.domain.in_(list(domains[start : start + 500]))
            )
            for r in conn.execute(q):
                out[r.domain] = {"name": r.name, "country": r.country}
    return out


def _page_facts(pages: Sequence[PageRecord]) -> dict[str, Any]:
    """Imprint fields (imprint page first) and the latest fetch time of a domain's pages."""
    facts: dict[str, Any] = dict.fromkeys(IMPRINT_FIELDS)
    ordered = sorted(pages, key=lambda p: p.page_kind != "imprint")
    for page in ordered:
        for key in IMPRINT_FIELDS:
            if facts[key] is None and page.imprint and page.imprint.get(key):
                facts[key] = page.imprint[key]
    times = [p.fetched_at for p in pages if p.fetched_at is not None]
    facts["crawled_at"] = max(times).isoformat() if times else None
    return facts


@dataclass
class _Corpus:
    customers: list[str]
    candidates: list[str]  # without customers
    raw_candidates: list[str]
    background: list[str]
    pages: dict[str, list[PageRecord]]
    docs: CompanyDocuments


def _gather(
    engine: sa.Engine,
    customers: Sequence[str] | None,
    candidates: Sequence[str] | None,
    config: ProspectConfig,
    progress: Progress,
) -> _Corpus:
    """Resolve customers, candidates and background; load their pages; extract terms."""
    cust = _clean(customers) if customers is not None else stored_customers(engine)
    if not cust:
        raise TrainingInputError(
            "no customers given and none marked is_customer in the companies table"
        )
    cust_set = set(cust)
    stored = stored_domains(engine)
    if candidates is None:
        raw_cands = [d for d in stored if d not in cust_set]
    else:
        raw_cands = _clean(candidates)
    cands = [d for d in raw_cands if d not in cust_set]
    stored_set = set(stored)
    background = [d for d in stored if d not in cust_set]
    if len(background) > config.max_background:
        rng = np.random.default_rng(config.lookalike.random_state)
        keep = set(rng.choice(background, config.max_background, replace=False).tolist())
        keep.update(d for d in cands if d in stored_set)
        background = [d for d in background if d in keep]
    progress(0.05, "loading pages")
    wanted = list(dict.fromkeys([*cust, *cands, *background]))
    pages = load_pages(engine, [d for d in wanted if d in stored_set])
    progress(0.2, "extracting terms")
    docs = build_term_documents(
        {d: pages.get(d, []) for d in wanted},
        config=config.lookalike.term,
        progress=lambda s, m: progress(0.2 + 0.8 * s, m),
    )
    return _Corpus(cust, cands, raw_cands, background, pages, docs)


def _split_documents(corpus: _Corpus) -> tuple[dict, dict, dict[str, str]]:
    """Customer and background documents; customers without usable pages with reasons."""
    docs = corpus.docs
    skipped = {
        d: docs.skipped.get(d, "no pages stored") for d in corpus.customers if d not in docs.docs
    }
    customer_docs = {d: docs.docs[d] for d in corpus.customers if d in docs.docs}
    if len(customer_docs) < MIN_CUSTOMERS:  # the error names them: one line, no warnings
        detail = "; ".join(f"{d}: {r}" for d, r in list(skipped.items())[:10])
        raise TrainingInputError(
            too_few_customers(MIN_CUSTOMERS, f"{len(customer_docs)} of {len(corpus.customers)}")
            + (f" (left out: {detail})" if detail else "")
        )
    for d, reason in skipped.items():
        log.warning("customer %s left out: %s", d, reason)
    background_docs = {d: docs.docs[d] for d in corpus.background if d in docs.docs}
    return customer_docs, background_docs, skipped


def training_documents(
    engine: sa.Engine,
    customers: Sequence[str] | None,
    *,
    config: ProspectConfig,
    progress: Progress | None = None,
) -> tuple[dict, dict, dict[str, str]]:
    """Customer and background term documents from the store (for ``train lookalike``)."""
    corpus = _gather(engine, customers, [], config, progress or (lambda s, m: None))
    return _split_documents(corpus)


def run_prospect_list(
    engine: sa.Engine,
    customers: Sequence[str] | None,
    candidates: Sequence[str] | None,
    *,
    config: ProspectConfig,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> ProspectListResult:
    """Fit and register the lookalike model on ``customers``, rank ``candidates``, store the list.

    ``customers=None``: companies marked ``is_customer``; ``candidates=None``: every other
    domain with stored pages. Raises :class:`TrainingInputError` when fewer than the needed
    customers have usable pages (the message names the number and the skipped customers).
    """

    def step(share: float, message: str) -> None:
        if progress is not None:
            progress(min(max(share, 0.0), 1.0), message)

    corpus = _gather(engine, customers, candidates, config, lambda s, m: step(0.4 * s, m))
    cust, cands, raw_cands = corpus.customers, corpus.candidates, corpus.raw_candidates
    cust_set, pages, docs = set(cust), corpus.pages, corpus.docs
    customer_docs, background_docs, skipped = _split_documents(corpus)

    training = train_lookalike(
        customer_docs,
        background_docs,
        config=config.lookalike,
        tracking_uri=tracking_uri,
        promote=config.promote if config.promote is not None else customers is None,
        progress=lambda s, m: step(0.4 + 0.45 * s, m),
    )
    scorer = training.scorer
    step(0.86, "scoring candidates")
    scored_ids = [d for d in cands if d in docs.docs]
    X, (scores, raw, seg, sim) = scorer.score_profiles(
        scored_ids, [docs.docs[d] for d in scored_ids]
    )
    info = _company_info(engine, [*scored_ids, *cands])
    labels = [s.label for s in scorer.segments]
    keep = np.ones(len(scored_ids), dtype=bool)
    if config.min_score is not None:
        keep &= scores >= config.min_score
    if config.languages:
        langs = {x.lower() for x in config.languages}
        keep &= np.array([docs.languages.get(d) in langs for d in scored_ids], dtype=bool)
    if config.countries:
        wanted_c = {x.lower() for x in config.countries}
        keep &= np.array(
            [str(info.get(d, {}).get("country") or "").lower() in wanted_c for d in scored_ids],
            dtype=bool,
        )
    if config.segments:
        wanted_s = {str(x).lower() for x in config.segments}
        keep &= np.array(
            [str(s) in wanted_s or labels[s].lower() in wanted_s for s in seg], dtype=bool
        )
    idx = np.flatnonzero(keep)
    idx = idx[np.argsort(-raw[idx], kind="stable")][: config.top]
    reasons = scorer.model.explain(X[idx], seg[idx]) if len(idx) else []
    rows: list[dict[str, Any]] = []
    for rank, (i, why) in enumerate(zip(idx, reasons, strict=True), start=1):
        d = scored_ids[i]
        facts = _page_facts(pages.get(d, []))
        rows.append(
            {
                "rank": rank,
                "domain": d,
                "name": info.get(d, {}).get("name") or facts.get("legal_name"),
                "score": round(float(scores[i]), 2),
                "segment": why["segment"],
                "similarity": round(float(sim[i]), 4),
                "nearest_customers": why["nearest_customers"],
                "shared_terms": why["shared_terms"],
                "differentiating_terms": why["differentiating_terms"],
                "language": docs.languages.get(d),
                **facts,
                "reason": None,
            }
        )
    for d in cands:
        if d in docs.docs:
            continue
        facts = _page_facts(pages.get(d, []))
        rows.append(
            {
                **dict.fromkeys(ROW_COLUMNS),
                **facts,
                "domain": d,
                "name": info.get(d, {}).get("name"),
                "nearest_customers": [],
                "shared_terms": [],
                "differentiating_terms": [],
                "reason": docs.skipped.get(d, "no pages stored"),
            }
        )
    for d in raw_cands:
        if d in cust_set:
            rows.append(
                {
                    **dict.fromkeys(ROW_COLUMNS),
                    "domain": d,
                    "nearest_customers": [],
                    "shared_terms": [],
                    "differentiating_terms": [],
                    "reason": "is one of the customers",
                }
            )

    step(0.95, "storing the list")
    model_ref = f"{training.model_name}/{training.version or training.run_id}"
    if config.store_profiles:
        ids = [*customer_docs, *scored_ids]
        save_profiles(
            engine,
            ids,
            scorer.vectorizer.transform([docs.docs[d] for d in ids]),
            scorer.vectorizer.terms_,
            model_ref=model_ref,
            languages=docs.languages,
            n_pages=docs.n_pages,
        )
    list_id = str(uuid.uuid4())
    params = {
        **config.params(),
        "customers": len(cust),
        "customers_used": len(customer_docs),
        "candidates": len(raw_cands),
        "skipped_customers": skipped,
        "metrics": training.metrics,
    }
    store_list(engine, list_id, rows, training.model_name, training.version, params)
    step(1.0, f"{len(idx)} prospects ranked, {len(rows) - len(idx)} listed without a score")
    return ProspectListResult(
        list_id=list_id,
        rows=rows,
        model_name=training.model_name,
        model_version=training.version,
        skipped_customers=skipped,
        metrics=training.metrics,
        promoted=training.promoted,
        n_candidates=len(raw_cands),
        segment_report=scorer.segment_report(),
    )


def store_list(
    engine: sa.Engine,
    list_id: str,
    rows: Sequence[Mapping[str, Any]],
    model_name: str | None,
    model_version: str | None,
    params: Mapping[str, Any],
) -> None:
    """Write a prospect list and its rows in one transaction."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            prospect_lists.insert().values(
                id=list_id,
                created_at=now,
                model_name=model_name,
                model_version=model_version,
                params=json.loads(json.dumps(params, default=str)),
                n_rows=len(rows),
            )
        )
        payload = [
            {
                "list_id": list_id,
                "rank": r.get("rank"),
                "domain": r["domain"],
                "score": r.get("score"),
                "reason": (r.get("reason") or None) and str(r["reason"])[:64],
                "row": json.loads(json.dumps(dict(r), default=str)),
            }
            for r in rows
        ]
        for start in range(0, len(payload), 1000):
            conn.execute(prospect_rows.insert(), payload[start : start + 1000])


def load_list(engine: sa.Engine, list_id: str) -> list[dict[str, Any]]:
    """The stored rows of a prospect list in rank order (unscored rows last)."""
    q = (
        sa.select(prospect_rows.c.row)
        .where(prospect_rows.c.list_id == list_id)
        .order_by(prospect_rows.c.id)
    )
    with engine.connect() as conn:
        return [dict(r[0]) for r in conn.execute(q)]


def rows_to_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Flatten rows for CSV: reason lists become ``term (weight); ...`` strings."""

    def flat(value: Any) -> Any:
        if isinstance(value, list):
            parts = []
            for item in value:
                if isinstance(item, Mapping):
                    key = item.get("term") or item.get("domain")
                    num = item.get("weight", item.get("strength", item.get("similarity")))
                    parts.append(f"{key} ({num:g})" if num is not None else str(key))
                else:
                    parts.append(str(item))
            return "; ".join(parts)
        return value

    frame = pd.DataFrame([{c: flat(r.get(c)) for c in ROW_COLUMNS} for r in rows])
    if frame.empty:
        frame = pd.DataFrame(columns=list(ROW_COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    return frame
