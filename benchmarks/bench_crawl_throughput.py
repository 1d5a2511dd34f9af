"""Crawl throughput on a loopback web: leadscope's crawler against the politeness bound and
against Scrapy, same web, same delay, concurrency and page budget, in one run.

The web: ``--hosts`` sites on 127.42.1.1, 127.42.1.2, ... (ports from the OS), each with robots.txt
(``Allow: /``), a home page and eight topical pages (German and English text, ~4 KB), served
by a separate process. Every site is crawled to its budget (home + 8 pages), so the
politeness bound is ``hosts / delay`` pages per second (one request per host per delay).
Each crawler runs in its own process; peak memory is that process's max RSS (wait4). Both
clocks start after the libraries are imported (for leadscope also after its language model is
loaded, as in a long-running service); the crawler's own start-up (database, frontier) is timed.
leadscope also extracts and stores every page (SQLite, compressed HTML); the Scrapy spider
only parses links.

Scrapy is not a dependency: install it into the venv by hand for this benchmark only
(``.venv/bin/pip install scrapy``). Run:

    .venv/bin/python benchmarks/bench_crawl_throughput.py --hosts 200 --delay 2 \
        --scrapy-concurrency 200

``--demo`` instead times step 2 of ``make demo`` alone: the demo world (generated once into a
temporary directory, outside the clock), its web served in the same process by ``DemoWeb`` and
the same ``crawl`` call with the demo's configuration (``DemoConfig`` defaults:
delay 0.05 s, concurrency 16), into a fresh SQLite database, ``--repeat`` times. It also
counts the stored pages whose language is their site's language in the world (the world
knows it; 4 % of its sites declare a CMS default ``en-US`` and 5 % no ``lang``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TOPICS = [("ueber-uns", "Über uns"), ("produkte", "Produkte"), ("leistungen", "Leistungen"),
          ("loesungen", "Lösungen"), ("branchen", "Branchen"), ("referenzen", "Referenzen"),
          ("impressum", "Impressum"), ("en/about", "About us")]  # fmt: skip
TEXT = (
    "Wir entwickeln und fertigen Antriebstechnik, Steuerungen und Sondermaschinen für Kunden "
    "aus Maschinenbau, Logistik und Lebensmitteltechnik. Unsere Ingenieure begleiten jedes "
    "Projekt von der Auslegung über die Inbetriebnahme bis zur Wartung. "
)


def host_ip(i: int) -> str:
    # a range of its own (the demo web uses 127.0.x.y), ports chosen by the OS
    return f"127.42.{1 + i // 250}.{1 + i % 250}"


def page(i: int, path: str) -> bytes:
    nav = "".join(f'<a href="/{p}">{t}</a> ' for p, t in TOPICS)
    title = dict(TOPICS).get(path.strip("/"), "Start")
    body = "".join(f"<p>{TEXT} Firma {i}, Abschnitt {k}.</p>" for k in range(8))
    return (
        f"<!doctype html><html lang='de'><head><title>{title} | Firma {i}</title></head><body>"
        f"<header><nav>{nav}</nav></header><main><h1>{title}</h1>{body}</main>"
        f"<footer>© Firma {i} · Datenschutz</footer></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        i = self.server.site_index  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            status, ctype, body = 200, "text/plain", b"User-agent: *\nAllow: /\n"
        elif path == "/" or path.strip("/") in dict(TOPICS):
            status, ctype, body = 200, "text/html; charset=utf-8", page(i, path)
        else:
            status, ctype, body = 404, "text/html", b"not found"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(hosts: int) -> None:
    servers = []
    for i in range(hosts):
        srv = ThreadingHTTPServer((host_ip(i), 0), Handler)
        srv.daemon_threads = True
        srv.site_index = i  # type: ignore[attr-defined]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    print(json.dumps([f"http://{host_ip(i)}:{s.server_address[1]}/" for i, s in
                      enumerate(servers)]), flush=True)  # fmt: skip
    sys.stdin.read()  # until the parent closes our stdin


def run_ours(bases: list[str], delay: float, concurrency: int, budget: int) -> dict:
    from crawling import CrawlConfig, Seed, crawl
    from crawling.extract import warm_up
    from serving.db import make_engine, upgrade

    warm_up()  # imports and model loading before the clock starts, as for Scrapy's imports

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        seeds = [Seed(f"firma{i}.test", base) for i, base in enumerate(bases)]
        config = CrawlConfig(
            delay=delay,
            concurrency=concurrency,
            max_pages_per_site=budget,
            allowed_networks=("127.0.0.0/8",),
        )
        before = resource.getrusage(resource.RUSAGE_SELF)
        s = crawl(seeds, engine, config)
        after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"pages": s.pages_stored, "seconds": s.elapsed, "requests": s.requests,
            "cpu_seconds": cpu, "skipped": dict(s.skipped), "errors": dict(s.errors)}  # fmt: skip


def run_scrapy(bases: list[str], delay: float, concurrency: int, budget: int) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    result: dict = {}

    class Bench(scrapy.Spider):
        name = "bench"
        custom_settings = {
            "DOWNLOAD_DELAY": delay,
            "RANDOMIZE_DOWNLOAD_DELAY": False,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "DEPTH_LIMIT": 3,
            "USER_AGENT": "bench-scrapy",
        }

        def __init__(self) -> None:
            super().__init__()
            self.pages = 0
            self.first = self.last = 0.0
            self.scheduled: dict[str, int] = {}

        async def start(self):
            for url in bases:
                self.scheduled[url.split("//")[1].split(":")[0]] = 1
                yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
            self.pages += 1
            host = response.url.split("//")[1].split(":")[0]
            for href in response.css("a::attr(href)").getall():
                if self.scheduled[host] >= 1 + budget:
                    break
                self.scheduled[host] += 1
                yield response.follow(href, callback=self.parse)

        def closed(self, reason: str) -> None:
            result["pages"] = self.pages
            result["reason"] = reason

    process = CrawlerProcess({"LOG_INSTALL_ROOT_HANDLER": False})
    t0 = time.monotonic()
    process.crawl(Bench)
    process.start()
    result["seconds"] = time.monotonic() - t0
    return result


def run_demo_crawl(repeat: int) -> None:
    """Step 2 of ``leadscope demo`` (serving/demo.py), timed alone, ``repeat`` times."""
    from datetime import UTC, datetime

    import pandas as pd
    import sqlalchemy as sa

    from crawling import Seed, crawl
    from crawling.extract import warm_up
    from crawling.schema import pages
    from serving.db import open_database
    from serving.demo import DemoConfig
    from serving.settings import Settings, crawl_config_from_settings
    from training.world import DemoWeb, generate_world

    cfg = DemoConfig()
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "demo-world"
        generate_world(
            world, seed=cfg.seed, n_companies=cfg.n_companies, end_date=datetime.now(UTC).date()
        )
        companies = pd.read_csv(world / "companies.csv")
        domains = companies["domain"].tolist()
        site_language = dict(zip(companies["domain"], companies["language"], strict=True))
        warm_up()  # the demo's step 1 leaves the process warm the same way
        for run in range(repeat):
            engine = open_database(f"sqlite:///{tmp}/demo-{run}.db")
            with DemoWeb(world / "web") as web:
                seeds = [Seed(domain=d, url=web.url_for(d)) for d in domains]
                config = crawl_config_from_settings(
                    Settings(),
                    delay=cfg.crawl_delay,
                    concurrency=cfg.crawl_concurrency,
                    allowed_networks=("127.0.0.0/8",),
                )
                load = os.getloadavg()[0]
                before = resource.getrusage(resource.RUSAGE_SELF)
                t0 = time.perf_counter()
                s = crawl(seeds, engine, config)
                wall = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_SELF)
            with engine.connect() as conn:
                langs = conn.execute(sa.select(pages.c.domain, pages.c.language)).all()
            engine.dispose()
            right = sum(site_language[d] == lang for d, lang in langs)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print(f"demo crawl run {run + 1}: {s.pages_stored} pages from {s.sites} sites in "
                  f"{wall:.1f} s ({s.pages_stored / wall:.0f} pages/s), CPU {cpu:.1f} s = "
                  f"{1000 * cpu / max(1, s.pages_stored):.1f} ms per page (crawler and web), "
                  f"page language = the site's language in the world on {right}/{len(langs)}, "
                  f"load {load:.1f} -> {os.getloadavg()[0]:.1f}, skipped {dict(s.skipped)}, "
                  f"errors {dict(s.errors)}", flush=True)  # fmt: skip


def child(kind: str, args: argparse.Namespace, bases: list[str]) -> dict:
    """Run one crawler in its own process; returns its figures and peak RSS."""
    cmd = [sys.executable, __file__, "--child", kind, "--bases", ",".join(bases),
           "--delay", str(args.delay), "--concurrency", str(args.concurrency),
           "--budget", str(args.budget)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{kind} crawler failed ({status})")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_mb"] = usage.ru_maxrss / 1024
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--budget", type=int, default=8)
    ap.add_argument("--child", choices=["serve", "ours", "scrapy"])
    ap.add_argument("--skip-scrapy", action="store_true")
    ap.add_argument(
        "--scrapy-concurrency",
        type=int,
        default=0,
        help="also run Scrapy with this CONCURRENT_REQUESTS (it counts requests waiting for "
        "their host's delay against the limit)",
    )
    ap.add_argument("--demo", action="store_true", help="time the demo's crawl step instead")
    ap.add_argument("--repeat", type=int, default=1, help="runs of --demo")
    ap.add_argument("--bases", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.demo:
        run_demo_crawl(args.repeat)
        return
    if args.child == "serve":
        serve(args.hosts)
        return
    if args.child:
        run = run_ours if args.child == "ours" else run_scrapy
        bases = args.bases.split(",")
        print(json.dumps(run(bases, args.delay, args.concurrency, args.budget)))
        return

    web = subprocess.Popen([sys.executable, __file__, "--child", "serve", "--hosts",
                            str(args.hosts)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True)  # fmt: skip
    assert web.stdout is not None
    bases = json.loads(web.stdout.readline())
    try:
        results = {"leadscope": child("ours", args, bases)}
        if not args.skip_scrapy:
            results["scrapy"] = child("scrapy", args, bases)
        if args.scrapy_concurrency:
            wide = argparse.Namespace(**{**vars(args), "concurrency": args.scrapy_concurrency})
            results[f"scrapy-c{args.scrapy_concurrency}"] = child("scrapy", wide, bases)
    finally:
        web.stdin.close()  # type: ignore[union-attr]
        web.wait(timeout=30)
    bound = args.hosts / args.delay
    expected = args.hosts * (1 + args.budget)
    print(f"web: {args.hosts} hosts, delay {args.delay} s, concurrency {args.concurrency}, "
          f"budget 1 + {args.budget} pages per site ({expected} pages)")  # fmt: skip
    print(f"politeness bound: {bound:.1f} pages/s")
    print(f"{'crawler':<14}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'of bound':>10}{'peak MB':>9}")
    for name, r in results.items():
        pps = r["pages"] / r["seconds"]
        print(f"{name:<14}{r['pages']:>7}{r['seconds']:>9.1f}{pps:>9.1f}{pps / bound:>10.2f}"
              f"{r['peak_rss_mb']:>9.0f}")  # fmt: skip
    if "scrapy" in results:
        ours, theirs = results["leadscope"], results["scrapy"]
        ratio = (ours["pages"] / ours["seconds"]) / (theirs["pages"] / theirs["seconds"])
        print(f"leadscope / scrapy pages per second: {ratio:.2f}")
    ours = results["leadscope"]
    print(f"leadscope CPU (user + system, all threads, crawl only): {ours['cpu_seconds']:.1f} s"
          f" = {1000 * ours['cpu_seconds'] / max(1, ours['pages']):.1f} ms per page")  # fmt: skip
    print(f"load average at the end (1/5/15 min): {os.getloadavg()}")
    print(f"leadscope skipped: {results['leadscope']['skipped']}, "
          f"errors: {results['leadscope']['errors']}")  # fmt: skip


if __name__ == "__main__":
    main()
