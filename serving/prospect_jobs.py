"""The prospect-list job: crawl what is missing, fit on the customers, score the candidates.

:func:`make_prospect_list_handler` builds the :class:`serving.jobs.JobRunner` handler;
:func:`read_rows` and :func:`rows_to_csv` serve the stored rows (``prospect_rows``).
The handler is restartable: the crawl skips domains already in the page store and the fit is
deterministic, so a job resumed after a crash gives the same list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from crawling.schema import sites
from scoring.schema_accounts import companies
from scoring.schema_web import prospect_rows
from serving.jobs import JobContext, JobHandler, JobInterrupted
from serving.outputs import neutralise_formulas

log = logging.getLogger(__name__)

PROSPECT_LIST_KIND = "prospect_list"


def read_rows(
    engine: sa.Engine, list_id: str, *, offset: int = 0, limit: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, rows)`` of a stored prospect list, ordered by rank."""
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count())
            .select_from(prospect_rows)
            .where(prospect_rows.c.list_id == list_id)
        ).scalar_one()
        stmt = (
            sa.select(
                prospect_rows.c.rank,
                prospect_rows.c.domain,
                prospect_rows.c.score,
                prospect_rows.c.row,
            )
            .where(prospect_rows.c.list_id == list_id)
            .order_by(prospect_rows.c.rank.is_(None), prospect_rows.c.rank, prospect_rows.c.id)
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = []
        for r in conn.execute(stmt):
            row = dict(r.row or {})
            row.setdefault("rank", r.rank)
            row.setdefault("domain", r.domain)
            row.setdefault("score", r.score)
            rows.append(row)
    return int(total), rows


def rows_to_csv(rows: list[dict[str, Any]]) -> Iterator[str]:
    """The list as CSV, the same table ``leadscope prospects`` writes (one flattening of rows:
    :func:`training.prospect_lists.rows_to_frame`); crawled text cannot start a formula."""
    from training.prospect_lists import rows_to_frame

    yield neutralise_formulas(rows_to_frame(rows)).to_csv(index=False)


def finished_sites(engine: sa.Engine) -> set[str]:
    """Domains whose crawl finished (``sites.status = 'done'``)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sites.c.domain).where(sites.c.status == "done"))
        return {r[0] for r in rows}


def seed_urls(engine: sa.Engine, domains: list[str]) -> dict[str, str]:
    """Where to fetch each domain: ``url`` (or ``website``) from the company's stored attributes
    when present (sites served elsewhere than ``https://<domain>/``, e.g. the demo web)."""
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(domains), 500):
            chunk = domains[start : start + 500]
            q = sa.select(companies.c.domain, companies.c.attributes).where(
                companies.c.domain.in_(chunk)
            )
            for domain, attrs in conn.execute(q):
                url = (attrs or {}).get("url") or (attrs or {}).get("website")
                if isinstance(url, str) and url.startswith(("http://", "https://")):
                    out[domain] = url
    return out


def run_prospect_job(
    ctx: JobContext,
    engine: sa.Engine,
    crawl_config: Any,
    tracking_uri: str | None,
) -> str:
    """Crawl the requested domains missing from the page store, then build and store the list.

    Progress: the crawl takes the first 30 %, the fit and scoring the rest. A shutdown during
    the crawl stops it (its frontier stays for the resumed job) and requeues the job.
    """
    from crawling import CrawlProgress, Seed, crawl
    from training.prospect_lists import ProspectConfig, run_prospect_list

    params = ctx.params
    customers: list[str] | None = params.get("customers")
    candidates: list[str] | None = params.get("candidates")
    # the stored sets: customers marked in the companies table, every other company as pool
    with engine.connect() as conn:
        known = conn.execute(sa.select(companies.c.domain, companies.c.is_customer)).all()
    wanted = list(
        dict.fromkeys(
            [
                *(customers if customers is not None else [d for d, c in known if c]),
                *(candidates if candidates is not None else [d for d, c in known if not c]),
            ]
        )
    )
    have = finished_sites(engine)  # a site cut off mid-crawl is crawled on (frontier resume)
    missing = [d for d in wanted if d not in have]
    if missing:
        urls = seed_urls(engine, missing)
        seeds = [Seed(domain=d, url=urls.get(d)) for d in missing]
        ctx.progress(0.0, f"crawling {len(seeds)} sites")

        def on_crawl(p: CrawlProgress) -> None:
            share = p.sites_done / max(1, p.sites_total)
            ctx.progress(0.3 * share, f"crawled {p.sites_done}/{p.sites_total} sites")

        summary = crawl(seeds, engine, crawl_config, progress=on_crawl, should_stop=ctx.should_stop)
        log.info(
            "job %s: crawled %d sites, %d pages stored",
            ctx.job_id,
            summary.sites_done,
            summary.pages_stored,
        )
        if summary.stopped:
            raise JobInterrupted
    ctx.check_stop()
    filters = params.get("filters") or {}
    config = ProspectConfig(
        top=int(params.get("limit") or 100),
        min_score=filters.get("min_score"),
        languages=tuple(filters.get("languages") or ()),
        countries=tuple(filters.get("countries") or ()),
        segments=tuple(filters.get("segments") or ()),
    )
    result = run_prospect_list(
        engine,
        customers,
        candidates,
        config=config,
        tracking_uri=tracking_uri,
        progress=lambda share, message: ctx.progress(0.3 + 0.7 * share, message),
    )
    return result.list_id


def make_prospect_list_handler(
    engine: sa.Engine, crawl_config: Any, tracking_uri: str | None
) -> JobHandler:
    """The ``prospect_list`` job handler bound to the app's database, crawl config and MLflow."""

    def handler(ctx: JobContext) -> str | None:
        return run_prospect_job(ctx, engine, crawl_config, tracking_uri)

    return handler
