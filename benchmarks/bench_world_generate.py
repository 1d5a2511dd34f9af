"""Benchmark of the synthetic world: generation time and DemoWeb throughput.

Run: ``.venv/bin/python benchmarks/bench_world_generate.py [--companies 420] [--requests 4000]``

1. ``generate_world`` for the default world (median of 3 runs) against the 60 s budget the
   demo allows for it (ratio = budget / measured).
2. ``DemoWeb`` (420 sites, one loopback address each, pages preloaded in memory, ETags) against
   the baseline stdlib ``ThreadingHTTPServer`` + ``SimpleHTTPRequestHandler`` serving the same
   files from disk on 127.0.0.1: requests per second for 8 client threads with keep-alive
   sessions fetching random pages (ratio = DemoWeb / baseline), plus DemoWeb's start-up time.
Only the standard library, numpy, pandas and requests are needed (all project dependencies).
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from training.world import DemoWeb, generate_world

BUDGET_SECONDS = 60.0
CLIENTS = 8


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _load(urls: list[str], n_requests: int) -> float:
    """Requests per second for CLIENTS threads, each with its own keep-alive session."""
    per_client = n_requests // CLIENTS

    def client(seed: int) -> int:
        rng = random.Random(seed)
        ok = 0
        with requests.Session() as session:
            for _ in range(per_client):
                ok += session.get(rng.choice(urls), timeout=10).status_code == 200
        return ok

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        ok = sum(pool.map(client, range(CLIENTS)))
    seconds = time.perf_counter() - started
    assert ok == per_client * CLIENTS, f"only {ok} of {per_client * CLIENTS} requests succeeded"
    return ok / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=420)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "world"
        times = []
        for _ in range(3):
            summary = generate_world(out, n_companies=args.companies)
            times.append(summary.seconds)
        gen = statistics.median(times)
        print(
            f"generate_world: {summary.n_companies} companies, {summary.n_pages} pages, "
            f"{summary.n_events:,} events, {summary.n_transactions:,} transactions"
        )
        print(
            f"  median {gen:.2f} s of {[round(t, 2) for t in times]}; "
            f"budget {BUDGET_SECONDS:.0f} s "
            f"-> {BUDGET_SECONDS / gen:.1f}x under budget"
        )

        web_dir = summary.web_dir
        pages = [
            (domain, page)
            for domain in (p.name for p in web_dir.iterdir() if p.is_dir())
            for page in (f.name for f in (web_dir / domain).glob("*.html"))
        ]

        started = time.perf_counter()
        web = DemoWeb(web_dir).start()
        startup = time.perf_counter() - started
        try:
            demo_urls = [web.url_for(d) + p for d, p in pages]
            _load(demo_urls[:200], 200)  # warm up
            demo_rps = _load(demo_urls, args.requests)
        finally:
            web.stop()

        handler = functools.partial(_QuietHandler, directory=str(web_dir))
        baseline = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        baseline.daemon_threads = True
        thread = threading.Thread(target=baseline.serve_forever, daemon=True)
        thread.start()
        try:
            port = baseline.server_address[1]
            base_urls = [f"http://127.0.0.1:{port}/{d}/{p}" for d, p in pages]
            _load(base_urls[:200], 200)
            base_rps = _load(base_urls, args.requests)
        finally:
            baseline.shutdown()
            baseline.server_close()

        print(f"DemoWeb: {len(web.domains)} sites on their own addresses, start-up {startup:.2f} s")
        print(
            f"  {demo_rps:,.0f} requests/s vs stdlib SimpleHTTPRequestHandler (one host, from "
            f"disk) {base_rps:,.0f} requests/s -> ratio {demo_rps / base_rps:.2f}"
        )


if __name__ == "__main__":
    main()
