"""A crawl killed with SIGKILL resumes without refetching stored pages and without losing any;
a re-crawl sends conditional requests and counts 304s."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from crawling import CrawlConfig, Seed, crawl
from crawling.schema import crawl_frontier, pages, sites
from crawling.store import load_pages
from serving.db import make_engine, upgrade
from tests.crawling.webserver import Handler, Site, Web, html

TOPICS = ["ueber-uns", "produkte", "leistungen", "loesungen", "branchen", "referenzen",
          "impressum", "kontakt"]  # fmt: skip


def company_site(n: int) -> Site:
    links = "".join(f'<a href="/{t}">{t}</a> ' for t in TOPICS)
    routes = {"/": html(f"<nav>{links}</nav><main><h1>Firma {n}</h1><p>Start {n}.</p></main>")}
    for t in TOPICS:
        routes[f"/{t}"] = html(f"<main><h1>{t}</h1><p>Firma {n} {t} text.</p></main>", t)
    return Site(routes=routes)


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_sigkill_and_resume(web: Web, tmp_path: Path) -> None:
    bases = [web.serve(company_site(i)) for i in range(6)]
    csv = tmp_path / "domains.csv"
    csv.write_text(
        "domain,url,name\n" + "".join(f"firma{i}.test,{b},Firma {i}\n" for i, b in enumerate(bases))
    )
    url = f"sqlite:///{tmp_path / 'app.db'}"
    env = {**os.environ, "LEADSCOPE_DATABASE_URL": url, "LEADSCOPE_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "serving.cli.__main__", "crawl", str(csv), "--allow-private"]
    engine = make_engine(url)
    upgrade(engine)
    proc = subprocess.Popen([*cmd, "--delay", "0.3"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while _count(engine, pages) < 15 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    stored_before = {p.url for recs in load_pages(engine).values() for p in recs}
    total = len(bases) * (1 + len(TOPICS))
    assert 15 <= len(stored_before) < total  # killed mid-crawl
    n_before = len(web.log)

    res = subprocess.run([*cmd, "--delay", "0.05", "--json"], env=env, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert res.returncode == 0, res.stderr
    # nothing lost: every page of every site is stored exactly once
    stored_after = {p.url for recs in load_pages(engine).values() for p in recs}
    assert len(stored_after) == total == _count(engine, pages)
    # nothing refetched: no stored page was requested again after the restart
    again = Counter(
        b.rstrip("/") + r.path for r in web.log[n_before:] for b in bases
        if r.host == b.split("//")[1].rstrip("/") and r.path != "/robots.txt"
    )  # fmt: skip
    assert not set(again) & stored_before
    assert all(n == 1 for n in again.values())
    with engine.connect() as conn:
        statuses = {r.status for r in conn.execute(sa.select(sites.c.status))}
        queued = conn.execute(
            sa.select(sa.func.count()).where(crawl_frontier.c.status == "queued")
        ).scalar_one()
    assert statuses == {"done"} and queued == 0
    engine.dispose()


def test_recrawl_sends_conditional_requests(web: Web, sqlite_engine: sa.Engine) -> None:
    bodies = {
        "/": html('<a href="/produkte">Produkte</a><main><p>Start.</p></main>')[2],
        "/produkte": html("<main><h1>Produkte</h1><p>Pumpen.</p></main>")[2],
    }

    def page(h: Handler) -> tuple[int, dict[str, str], bytes]:
        body = bodies[h.path]
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if h.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "text/html", "ETag": etag,
                     "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"}, body  # fmt: skip

    base = web.serve(Site(routes={"/": page, "/produkte": page}))
    cfg = CrawlConfig(delay=0.05, allow_private=True)
    first = crawl([Seed("etag.test", base)], sqlite_engine, cfg)
    assert first.pages_stored == 2 and first.not_modified == 0
    before = {p.url: p.fetched_at for p in load_pages(sqlite_engine)["etag.test"]}
    # without --recrawl a finished site is not fetched again
    n = len(web.log)
    skipped = crawl([Seed("etag.test", base)], sqlite_engine, cfg)
    assert len(web.log) == n and skipped.sites_skipped["already_crawled"] == 1
    second = crawl([Seed("etag.test", base)], sqlite_engine, CrawlConfig(
        delay=0.05, allow_private=True, recrawl=True))  # fmt: skip
    assert second.not_modified == 2 and second.pages_stored == 0
    conditional = [r for r in web.log[n:] if r.path != "/robots.txt"]
    assert len(conditional) == 2
    assert all("If-None-Match" in r.headers and "If-Modified-Since" in r.headers
               for r in conditional)  # fmt: skip
    after = {p.url: p.fetched_at for p in load_pages(sqlite_engine)["etag.test"]}
    assert set(after) == set(before) and all(after[u] > before[u] for u in after)
