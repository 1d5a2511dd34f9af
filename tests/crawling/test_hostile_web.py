"""One crawl over a hostile local web: every server on 127.0.0.1, every assertion from the
servers' own request logs and the frontier table."""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections import Counter
from itertools import pairwise

import psutil
import sqlalchemy as sa

from crawling import CrawlConfig, Seed, crawl, extract_page
from crawling.schema import crawl_frontier, pages
from crawling.store import load_pages
from tests.crawling.webserver import Handler, Site, Web, html

PARA = "<p>" + "Wir entwickeln Antriebstechnik und Steuerungen für den Maschinenbau. " * 4 + "</p>"
DELAY = 0.2


def _home(*links: tuple[str, str]) -> tuple[int, dict[str, str], bytes]:
    anchors = "".join(f'<a href="{href}">{text}</a> ' for href, text in links)
    return html(f"<nav>{anchors}</nav><main><h1>Startseite</h1>{PARA}</main>", "Home")


class Flaky:
    """Answers ``first`` once, then a normal page; remembers when each answer went out."""

    def __init__(self, first: tuple[int, dict[str, str], bytes]) -> None:
        self.first = first
        self.calls = 0

    def __call__(self, _h: Handler) -> tuple[int, dict[str, str], bytes]:
        self.calls += 1
        if self.calls == 1:
            return self.first
        return html(f"<main><h1>Leistungen</h1>{PARA}<p>Service nach Maß.</p></main>", "Leistungen")


def drip(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    try:
        for _ in range(60):
            h.wfile.write(b"<")
            h.wfile.flush()
            time.sleep(1.0)
    except (BrokenPipeError, ConnectionResetError):
        pass


def drip_headers(h: Handler) -> None:
    # the status line, then one header byte every 0.5 s: each read is within the read timeout
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for ch in b"X-Slow: " + b"z" * 100:
            h.wfile.write(bytes([ch]))
            h.wfile.flush()
            time.sleep(0.5)
    except (BrokenPipeError, ConnectionResetError):
        pass


def calendar(h: Handler) -> tuple[int, dict[str, str], bytes]:
    # /kalender/<n>: every page links to the next and previous month, forever
    try:
        n = int(h.path.rstrip("/").rsplit("/", 1)[1])
    except ValueError:
        n = 0
    links = (
        f'<a href="/kalender/{n + 1}">Termine {n + 1}</a> <a href="/kalender/{n - 1}">Termine</a>'
    )
    return html(f"<main><h1>Kalender {n}</h1><p>Monat {n}: keine Termine.</p>{links}</main>")


GZIP_BOMB = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB of zeros


def build_web(web: Web) -> dict[str, str]:
    sites: dict[str, Site] = {}
    sites["polite"] = Site(
        routes={
            "/robots.txt": (
                200,
                {"Content-Type": "text/plain"},
                b"User-agent: *\nDisallow: /private\nAllow: /private/presse\nCrawl-delay: 0.5\n",
            ),
            "/": _home(
                ("/private/secret", "Über uns"),
                ("/private", "Produkte"),
                ("/private/presse", "Referenzen"),
                ("/ueber-uns", "Über uns"),
                ("/produkte", "Produkte"),
                ("/leistungen", "Leistungen"),
            ),
            "/ueber-uns": html(f"<h1>Über uns</h1>{PARA}", "Über uns"),
            "/private/presse": html(f"<h1>Presse</h1>{PARA}<p>Pressemitteilungen.</p>"),
            "/produkte": html(f"<h1>Produkte</h1>{PARA}<p>Getriebe.</p>", "Produkte"),
            "/leistungen": html(f"<h1>Leistungen</h1>{PARA}<p>Wartung.</p>", "Leistungen"),
        }
    )
    sites["ratelimit"] = Site(
        routes={
            "/": _home(("/leistungen", "Leistungen")),
            "/leistungen": Flaky((429, {"Retry-After": "1", "Content-Type": "text/html"}, b"")),
        }
    )
    sites["unavailable"] = Site(
        routes={
            "/": _home(("/leistungen", "Leistungen")),
            "/leistungen": Flaky((503, {"Content-Type": "text/html"}, b"busy")),
        }
    )
    sites["redirects"] = Site(
        routes={
            "/": _home(("/loop-a", "Produkte"), ("/chain/0", "Leistungen")),
            "/loop-a": (302, {"Location": "/loop-b"}, b""),
            "/loop-b": (302, {"Location": "/loop-a"}, b""),
            **{f"/chain/{i}": (301, {"Location": f"/chain/{i + 1}"}, b"") for i in range(10)},
        }
    )
    sites["drip"] = Site(
        routes={
            "/": _home(("/drip", "Produkte"), ("/slow-headers", "Leistungen")),
            "/drip": drip,
            "/slow-headers": drip_headers,
        }
    )
    sites["big"] = Site(
        routes={
            "/": _home(("/big", "Produkte"), ("/bomb", "Leistungen")),
            "/big": (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * (3 * 1024 * 1024)),
            "/bomb": (
                200,
                {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                GZIP_BOMB,
            ),
        }
    )
    sites["binary"] = Site(
        routes={
            "/": _home(("/daten", "Produkte"), ("/broschuere", "Leistungen")),
            "/daten": (200, {"Content-Type": "text/html"}, os.urandom(20000)),
            "/broschuere": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 ..."),
        }
    )
    latin1 = (
        "<html><head><title>Müller Maschinenbau</title></head><body><main>"
        "<h1>Über uns</h1><p>Größte Präzision für Getriebe und Wälzlager seit 1950. "
        "Wir fertigen Sondermaschinen für Kunden in ganz Europa. "
        "Qualität und Zuverlässigkeit stehen für uns an erster Stelle.</p></main></body></html>"
    ).encode("latin-1")
    sites["latin1"] = Site(routes={"/": (200, {"Content-Type": "text/html"}, latin1)})
    sites["calendar"] = Site(
        routes={"/": _home(("/kalender/0", "Termine"))},
        fallback=calendar,
    )
    sites["private_redirect"] = Site(
        routes={
            "/": _home(("/intern", "Über uns"), ("/cloud", "Produkte"), ("/lan", "Leistungen")),
            "/intern": (302, {"Location": "http://intranet.corp.test/admin"}, b""),
            "/cloud": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/lan": (302, {"Location": "http://10.0.0.1/"}, b""),
        }
    )
    broken = (
        b"<html><head><title>Kaputt<body><div><p>Unsere Produkte: Pumpen und Ventile "
        b"<b>f\xc3\xbcr die Industrie<table><tr><td>Ventil <p>Pumpe<li>Kompressor</div></div>"
        b"</span>&nbsp;&amp &#xZZ; <![CDATA[ x ]]> <p>Wir liefern weltweit seit vielen Jahren "
        b"zuverl\xc3\xa4ssig an Kunden aus Chemie und Lebensmitteltechnik."
    )
    sites["broken"] = Site(
        routes={"/": (200, {"Content-Type": "text/html; charset=utf-8"}, broken)}
    )
    sites["robots5xx"] = Site(
        routes={"/robots.txt": (500, {}, b"oops"), "/": _home(("/produkte", "Produkte"))}
    )
    return {name: web.serve(site) for name, site in sites.items()}


class PeakRss:
    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def test_hostile_web(web: Web, sqlite_engine: sa.Engine, resolver) -> None:
    bases = build_web(web)
    config = CrawlConfig(
        delay=DELAY,
        max_pages_per_site=8,
        connect_timeout=2,
        read_timeout=2,
        page_timeout=2.5,
        max_bytes=1024 * 1024,
        retries=2,
        backoff=0.2,
        allowed_networks=("127.0.0.0/8",),  # loopback only: 10/8 and 169.254/16 stay refused
    )
    seeds = [Seed(domain=f"{name}.test", url=base) for name, base in bases.items()]
    # load the language model and charset detection before measuring memory
    extract_page(("<p>Größe</p>" + PARA).encode("latin-1"), "http://warm.test/")
    t0 = time.monotonic()
    with PeakRss() as mem:
        summary = crawl(seeds, sqlite_engine, config, resolver=resolver)
    elapsed = time.monotonic() - t0

    # ends within a bound (the drip would take 60 s, the calendar forever) and nothing crashed
    assert elapsed < 20, summary.as_dict()
    assert summary.sites_done == len(seeds)
    assert "internal_error" not in summary.errors
    # memory stays bounded: neither the 3 MB page nor the 200 MB gzip bomb is held (the
    # margin covers server threads, parsers and SQLite caches of this process)
    assert mem.peak - mem.base < 120 * 1024 * 1024, (mem.peak - mem.base) / 1e6

    def paths(name: str) -> list[str]:
        return [r.path for r in web.requests_to(bases[name])]

    stored = load_pages(sqlite_engine)

    def stored_paths(name: str) -> set[str]:
        return {p.url.split(bases[name].rstrip("/"), 1)[1] for p in stored.get(f"{name}.test", [])}

    # robots: zero requests to disallowed paths (an Allow inside them is honoured);
    # Crawl-delay (0.5 s > delay) spaces requests
    assert paths("polite")[0] == "/robots.txt"
    assert [p for p in paths("polite") if p.startswith("/private")] == ["/private/presse"]
    assert stored_paths("polite") == {
        "/", "/ueber-uns", "/produkte", "/leistungen", "/private/presse"
    }  # fmt: skip
    times = [r.time for r in web.requests_to(bases["polite"])]
    assert min(b - a for a, b in pairwise(times)) >= 0.5 - 0.02

    # per-host spacing respected on every host
    for name, base in bases.items():
        ts = [r.time for r in web.requests_to(base)]
        gaps = [b - a for a, b in pairwise(ts)]
        assert not gaps or min(gaps) >= DELAY - 0.02, (name, gaps)

    # 429 with Retry-After: 1 s honoured, then stored
    rl = web.requests_to(bases["ratelimit"])
    hits = [r.time for r in rl if r.path == "/leistungen"]
    assert len(hits) == 2 and hits[1] - hits[0] >= 1.0 - 0.02
    assert "/leistungen" in stored_paths("ratelimit")
    # 503 then success
    assert paths("unavailable").count("/leistungen") == 2
    assert "/leistungen" in stored_paths("unavailable")
    assert summary.errors["http_429"] == 1 and summary.errors["http_503"] == 1

    # redirect loop detected; a chain longer than 5 stops after 6 requests
    assert paths("redirects").count("/loop-a") == 1
    assert sum(p.startswith("/chain/") for p in paths("redirects")) == 6

    # the endless calendar is bounded by depth (home, month 0, then +-1 per hop) and budget
    cal = stored_paths("calendar")
    assert len(cal) == min(2 + 2 * (config.max_depth - 1), 1 + config.max_pages_per_site)
    assert len(paths("calendar")) == 1 + len(cal)  # robots.txt + stored pages, nothing else

    # Latin-1 without a charset declaration decodes correctly
    (latin,) = stored["latin1.test"]
    assert "Größte Präzision" in latin.main_text and latin.title == "Müller Maschinenbau"
    assert latin.language == "de"
    # broken HTML still yields text
    (brk,) = stored["broken.test"]
    assert "Pumpen und Ventile" in brk.main_text or "Pumpen und Ventile" in (brk.title or "")

    # a robots.txt answering 5xx: the host is not crawled now (only robots.txt was asked)
    assert paths("robots5xx") == ["/robots.txt"]
    assert summary.sites_skipped["robots_unavailable"] == 1

    # redirects to private targets are refused without any connection; the fake resolver was
    # asked, the real network never
    assert "/intern" in paths("private_redirect")
    assert "intranet.corp.test" in resolver.asked

    # every page that was not stored has its reason, in the frontier and in the summary
    with sqlite_engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                crawl_frontier.c.domain,
                crawl_frontier.c.url,
                crawl_frontier.c.status,
                crawl_frontier.c.skip_reason,
            )
        ).all()
        n_pages = conn.execute(sa.select(sa.func.count()).select_from(pages)).scalar_one()
    assert {r.status for r in rows} <= {"done", "skipped"}
    assert all(r.skip_reason for r in rows if r.status == "skipped")
    assert sum(r.status == "done" for r in rows) == n_pages == summary.pages_stored
    frontier_reasons = Counter(r.skip_reason for r in rows if r.status == "skipped")
    assert frontier_reasons == Counter(summary.skipped)

    reasons = {
        (r.domain.split(".")[0], r.url.split("/", 3)[3], r.skip_reason)
        for r in rows
        if r.status == "skipped"
    }
    expected = {
        ("redirects", "loop-a", "redirect_loop"),
        ("redirects", "chain/0", "too_many_redirects"),
        ("drip", "drip", "timeout"),
        ("drip", "slow-headers", "timeout"),
        ("big", "big", "too_large"),
        ("big", "bomb", "too_large"),
        ("binary", "daten", "binary_content"),
        ("binary", "broschuere", "not_html"),
        ("private_redirect", "intern", "blocked_address"),
        ("private_redirect", "cloud", "blocked_address"),
        ("private_redirect", "lan", "blocked_address"),
        ("polite", "private/secret", "robots_disallowed"),
        ("polite", "private", "robots_disallowed"),
        ("robots5xx", "", "robots_unavailable"),
    }
    assert expected <= reasons, expected - reasons


def test_loopback_seeds_without_allow_flag_make_zero_requests(
    web: Web, sqlite_engine: sa.Engine
) -> None:
    base = web.serve(Site(routes={"/": _home(("/produkte", "Produkte"))}))
    seeds = [Seed("one.test", base), Seed(base)]  # a URL as domain is both
    summary = crawl(seeds, sqlite_engine, CrawlConfig(delay=0.05))
    assert web.log == []
    assert summary.pages_stored == 0
    assert summary.sites_skipped["blocked_address"] == 2


def test_session_keeps_cookies_headers_and_ignores_env_proxies(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The crawl's HTTP session (urllib3 under it): the site's cookies go back to it, our
    headers go out, a connection is reused, and proxy variables of the environment are
    ignored (a proxy would bypass the address guard)."""
    from crawling.fetch import fetch_once, make_session

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.9:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.9:9")
    page = html("<main><p>Seite.</p></main>")
    base = web.serve(Site(routes={
        "/": (200, {**page[1], "Set-Cookie": "consent=yes; Path=/"}, page[2]),
        "/produkte": page,
    }))  # fmt: skip
    cfg = CrawlConfig(allow_private=True)
    with make_session(cfg) as session:
        assert fetch_once(session, base, cfg).status == 200
        got = fetch_once(session, base + "produkte", cfg)
    assert got.status == 200 and b"Seite." in got.body
    first, second = web.requests_to(base)
    assert "Cookie" not in first.headers and second.headers["Cookie"] == "consent=yes"
    assert second.headers["User-Agent"] == cfg.user_agent
    assert second.headers["Accept-Encoding"] == "gzip, deflate"
    assert second.path == "/produkte"  # origin form, not a proxy's absolute form
    assert web.connections_to(base) == 1  # keep-alive
