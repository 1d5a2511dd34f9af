"""The crawler on both databases, its progress callback, and a cooperative stop that resumes."""

from __future__ import annotations

from itertools import pairwise

import sqlalchemy as sa

from crawling import CrawlConfig, CrawlProgress, Seed, crawl
from crawling.frontier import frontier_counts
from crawling.schema import pages, sites
from crawling.store import load_pages
from tests.crawling.test_resume import TOPICS, company_site
from tests.crawling.webserver import Web


def test_crawl_on_sqlite_and_postgres(web: Web, db_engine: sa.Engine) -> None:
    bases = [web.serve(company_site(i)) for i in range(3)]
    seen: list[CrawlProgress] = []
    summary = crawl(
        [Seed(f"firma{i}.test", b, {"name": f"Firma {i}"}) for i, b in enumerate(bases)],
        db_engine,
        CrawlConfig(delay=0.05, allow_private=True, max_pages_per_site=4),
        progress=seen.append,
    )
    assert summary.pages_stored == 3 * 5 and summary.sites_done == 3
    # the budget keeps the four best-ranked of eight topical pages; the rest are counted
    assert summary.skipped == {"page_budget": 3 * (len(TOPICS) - 4)}
    got = load_pages(db_engine)
    kinds = {p.page_kind for p in got["firma0.test"]}
    assert kinds == {"home", "about", "products", "services", "imprint"}
    assert seen and seen[-1].pages_stored == summary.pages_stored
    assert [p.requests for p in seen] == sorted(p.requests for p in seen)
    with db_engine.connect() as conn:
        row = conn.execute(sa.select(sites).where(sites.c.domain == "firma1.test")).mappings().one()
    assert row["status"] == "done" and row["pages_stored"] == 5
    assert row["attributes"] == {"name": "Firma 1"} and row["robots_status"] == 404
    assert frontier_counts(db_engine) == {"done": 15, "skipped:page_budget": 12}
    # every request identifies the crawler with its contact URL
    agents = {r.headers.get("User-Agent") for r in web.log}
    assert agents == {CrawlConfig().user_agent} and "+https://" in CrawlConfig().user_agent


def test_should_stop_leaves_a_resumable_frontier(web: Web, sqlite_engine: sa.Engine) -> None:
    bases = [web.serve(company_site(i)) for i in range(2)]
    seeds = [Seed(f"firma{i}.test", b) for i, b in enumerate(bases)]
    config = CrawlConfig(delay=0.1, allow_private=True)

    def enough() -> bool:
        with sqlite_engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(pages)).scalar_one() >= 4

    first = crawl(seeds, sqlite_engine, config, should_stop=enough)
    assert first.stopped and 4 <= first.pages_stored < 18
    with sqlite_engine.connect() as conn:
        assert {r.status for r in conn.execute(sa.select(sites.c.status))} == {"running"}
    assert frontier_counts(sqlite_engine).get("queued", 0) > 0
    n_requests = len(web.log)
    second = crawl(seeds, sqlite_engine, config)
    assert not second.stopped and first.pages_stored + second.pages_stored == 18
    assert sum(len(v) for v in load_pages(sqlite_engine).values()) == 18
    # only robots.txt and the pages not yet stored were requested again
    assert len(web.log) - n_requests == 2 + second.pages_stored


def test_bare_domain_tries_https_then_http(web: Web, sqlite_engine: sa.Engine) -> None:
    base = web.serve(company_site(0))
    host = base.split("//")[1].rstrip("/")  # "127.0.0.1:port": a bare domain, no scheme
    summary = crawl(
        [Seed(host)],
        sqlite_engine,
        CrawlConfig(delay=0.05, allow_private=True, max_pages_per_site=1, retries=0),
    )
    # the TLS handshake against the plain-HTTP server fails, then http:// is crawled
    assert summary.pages_stored == 2 and summary.robots_requests == 2
    assert summary.skipped["robots_unavailable"] == 1
    (home, _about) = load_pages(sqlite_engine)[host]
    assert home.url == f"http://{host}/"
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sites.c.status)).scalar_one() == "done"


def test_one_request_at_a_time_per_host_across_seeds(web: Web, sqlite_engine: sa.Engine) -> None:
    base = web.serve(company_site(0))
    # three seeds (domains) served by one host: the host still sees one request per delay
    seeds = [Seed(f"alias{i}.test", base) for i in range(3)]
    summary = crawl(seeds, sqlite_engine, CrawlConfig(delay=0.1, allow_private=True,
                                                      max_pages_per_site=2))  # fmt: skip
    assert summary.pages_stored == 3 * 3
    times = sorted(r.time for r in web.log)
    assert len(times) == 3 * 4  # robots.txt + 3 pages per seed
    assert min(b - a for a, b in pairwise(times)) >= 0.1 - 0.02
