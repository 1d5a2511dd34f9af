"""RFC 9309: a robots.txt that cannot be fetched (here: it never answers in time) means the
host is not crawled now; nothing but robots.txt is requested."""

from __future__ import annotations

import time

import sqlalchemy as sa

from crawling import CrawlConfig, Seed, crawl
from tests.crawling.webserver import Site, Web, html


def _hang(handler) -> None:  # type: ignore[no-untyped-def]
    time.sleep(3)  # longer than the crawler's read timeout and page cap


def test_unreachable_robots_means_do_not_crawl_now(web: Web, sqlite_engine: sa.Engine) -> None:
    base = web.serve(Site(routes={"/robots.txt": _hang, "/": html("<p>Produkte</p>")}))
    config = CrawlConfig(
        delay=0.05,
        read_timeout=0.5,
        page_timeout=1.0,
        retries=0,
        allowed_networks=("127.0.0.0/8",),
    )
    summary = crawl([Seed(domain=base)], sqlite_engine, config)
    assert [r.path for r in web.requests_to(base)] == ["/robots.txt"]
    assert summary.sites_skipped["robots_unavailable"] == 1
    assert summary.pages_stored == 0
