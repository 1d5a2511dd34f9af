"""The crawl: polite per-site scheduling over a thread pool, with a resumable frontier.

Design: every site is a small state machine (robots.txt, then pages by priority). A heap orders
sites by the time their next request is allowed (end of the previous request + delay, or a
back-off). ``concurrency`` worker threads take the next ready site, make exactly one request
for it and put it back, so a site never has two requests in flight and its requests are
spaced by ``max(delay, Crawl-delay)``. A page, its frontier row and its discovered links are
written together (by one batching writer thread), which makes a SIGKILLed crawl resumable.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa

from crawling import frontier as fr
from crawling.config import CrawlConfig, Seed
from crawling.encoding import looks_binary
from crawling.extract import ExtractedPage, extract_page, warm_up
from crawling.fetch import (
    REDIRECT_STATUSES,
    RETRY_STATUSES,
    CrawlSession,
    Fetched,
    FetchFailure,
    fetch_once,
    make_session,
    retry_after_seconds,
)
from crawling.guard import AddressGuard, Resolver
from crawling.outcomes import CrawlProgress, CrawlSummary, SkipReason
from crawling.politeness import PendingRequest, Scheduler, SiteTask
from crawling.records import PageRecord
from crawling.robots import allow_all, fetch_robots, origin_of
from crawling.urls import (
    link_priority,
    normalize_url,
    registrable_domain,
    seed_from_value,
    start_urls,
)
from crawling.writer import BatchWriter, Write

log = logging.getLogger(__name__)


def _warm_up_quietly() -> None:
    """Preload the extractor; a failure here only costs time (extraction reports its own)."""
    try:
        warm_up()
    except Exception:  # a warm-up must never kill or pollute the crawl
        log.debug("extractor warm-up failed", exc_info=True)


HOME_PRIORITY = 1000.0
PROGRESS_INTERVAL = 0.2  # seconds between two progress callbacks (plus one at the end)


class Crawler:
    """One crawl run. Use :func:`crawl`; the class keeps the shared state of the workers."""

    def __init__(
        self,
        engine: sa.Engine,
        config: CrawlConfig,
        *,
        progress: Callable[[CrawlProgress], None] | None = None,
        resolver: Resolver | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.progress = progress
        self.guard = AddressGuard(
            allow_private=config.allow_private,
            allowed_networks=config.allowed_networks,
            resolver=resolver,
        )
        self.scheduler = Scheduler(should_stop)
        self.summary = CrawlSummary()
        self.stats_lock = threading.Lock()
        self.writer: BatchWriter | None = None  # started by run()
        self.started = time.monotonic()
        self.skipped_total = 0
        self.last_report = 0.0

    # -- bookkeeping -------------------------------------------------------------------------

    def _count(self, **kwargs: int) -> None:
        with self.stats_lock:
            for name, n in kwargs.items():
                setattr(self.summary, name, getattr(self.summary, name) + n)

    def _skip(
        self, site: SiteTask, req: PendingRequest, reason: SkipReason, detail: str = ""
    ) -> None:
        domain, url, attempts = site.seed.domain, req.frontier_url, req.attempt + 1
        self._write(
            lambda c: fr.record_skip(
                c, domain, url, reason.value, detail or None, attempts=attempts
            )
        )
        with self.stats_lock:
            self.summary.skipped[reason.value] += 1
            self.skipped_total += 1
        if req.depth == 0 and not site.home_done:
            site.skip_reason = reason.value
        log.debug("skip %s: %s %s", req.url, reason.value, detail)

    def _write(self, write: Write) -> None:
        assert self.writer is not None
        self.writer.submit(write)

    def _error(self, kind: str) -> None:
        with self.stats_lock:
            self.summary.errors[kind] += 1

    def _report(self, *, final: bool = False) -> None:
        if self.progress is None:
            return
        with self.stats_lock:
            now = time.monotonic()
            if not final and now - self.last_report < PROGRESS_INTERVAL:
                return
            self.last_report = now
            snap = CrawlProgress(
                sites_total=self.summary.sites,
                sites_done=self.summary.sites_done,
                pages_stored=self.summary.pages_stored,
                pages_skipped=self.skipped_total,
                requests=self.summary.requests,
                bytes=self.summary.bytes,
                elapsed=time.monotonic() - self.started,
            )
        self.progress(snap)

    # -- set-up ------------------------------------------------------------------------------

    def _make_site(self, seed: Seed, state: fr.SiteState) -> SiteTask:
        candidates = start_urls(seed)
        site = SiteTask(
            seed=seed,
            state=state,
            candidates=candidates,
            host=urlsplit(candidates[0]).hostname or seed.domain,
            delay=self.config.delay,
        )
        for page in state.stored.values():
            if page.content_hash and not self.config.recrawl:
                site.hashes.add(page.content_hash)
            site.final_urls.add(page.final_url or page.url)
        site.stored = 0 if self.config.recrawl else len(state.stored)
        site.home_done = site.stored > 0
        if not state.known:  # a new site: its home page (written by run() in one batch)
            state.queued.append(fr.QueuedUrl(candidates[0], 0, HOME_PRIORITY))
            state.known.add(candidates[0])
        for q in state.queued:
            site.push(q.url, q.depth, q.priority)
        return site

    # -- one step of one site ----------------------------------------------------------------

    def _has_work(self, site: SiteTask) -> bool:
        budget = 1 + self.config.max_pages_per_site
        return bool(site.pending) or (
            bool(site.heap) and site.stored < budget and site.fetches < 3 * budget
        )

    def _next_request(self, site: SiteTask) -> PendingRequest | None:
        if site.pending:
            return site.pending.popleft()
        if not self._has_work(site):
            return None
        _neg, _seq, url, depth = heapq.heappop(site.heap)
        return PendingRequest(url=url, frontier_url=url, depth=depth)

    def step(self, site: SiteTask) -> bool:
        """Make at most one request for ``site``; False when the site has nothing left to do."""
        while True:
            req = self._next_request(site)
            if req is None:
                return False
            origin = origin_of(req.url)
            if self.config.respect_robots and origin not in site.robots:
                site.pending.appendleft(req)
                netloc = urlsplit(origin).netloc
                if not self.scheduler.claim_host(site, netloc):
                    return True  # another site on this host is in flight or too recent
                try:
                    self._fetch_robots(site, origin, req)
                finally:
                    self.scheduler.release_host(netloc, site.next_time)
                return True
            policy = site.robots.get(origin) or allow_all(origin)
            if policy.unavailable is not None:
                unreachable = policy.status is None
                if unreachable and self._fallback(site, req, policy.unavailable):
                    continue
                self._skip(site, req, policy.unavailable, policy.detail)
                if req.depth == 0 and not site.home_done:
                    return False  # robots says "not now" for the home page: leave the site
                continue
            if not policy.allowed(req.url, self.config.user_agent):
                self._skip(site, req, SkipReason.ROBOTS_DISALLOWED)
                continue
            host = urlsplit(req.url).hostname or ""
            verdict = self.guard.check(host)
            if not verdict.allowed:
                blocked = verdict.reason == "blocked_address"
                reason = SkipReason.BLOCKED_ADDRESS if blocked else SkipReason.DNS_ERROR
                self._skip(site, req, reason, f"{host} {verdict.addresses}")
                continue
            # one request at a time per host, also across seeds that share a host
            netloc = urlsplit(req.url).netloc
            if not self.scheduler.claim_host(site, netloc):
                site.pending.appendleft(req)
                return True  # the site waits for the host (Scheduler.put parks it)
            try:
                self._fetch_page(site, req)
            finally:
                self.scheduler.release_host(netloc, site.next_time)
            return True

    def _fallback(self, site: SiteTask, req: PendingRequest, reason: SkipReason) -> bool:
        """Home page over https unreachable: try the next candidate (http)."""
        if req.depth != 0 or site.home_done or req.url not in site.candidates[:-1]:
            return False
        if reason not in (
            SkipReason.ROBOTS_UNAVAILABLE,
            SkipReason.CONNECTION_ERROR,
            SkipReason.TIMEOUT,
        ):
            return False
        nxt = site.candidates[site.candidates.index(req.url) + 1]
        domain, old = site.seed.domain, req.frontier_url
        with self.stats_lock:  # the https row is skipped; counted like every other skip
            self.summary.skipped[reason.value] += 1
            self.skipped_total += 1
        self._write(
            lambda c: fr.replace_start(
                c, domain, old, fr.QueuedUrl(nxt, 0, HOME_PRIORITY), reason.value
            )
        )
        site.host = urlsplit(nxt).hostname or site.host
        site.pending.appendleft(PendingRequest(url=nxt, frontier_url=nxt, depth=0))
        return True

    def _fetch_robots(self, site: SiteTask, origin: str, req: PendingRequest) -> None:
        session = self._session(site)
        policy = fetch_robots(session, origin, self.config, self.guard)
        site.robots[origin] = policy
        self._count(requests=policy.requests, robots_requests=policy.requests)
        for kind in policy.error_types:
            self._error(kind)
        if req.depth == 0:
            site.robots_status = policy.status
        delay = policy.crawl_delay(self.config.user_agent)
        if delay is not None:
            site.crawl_delay = delay
            site.delay = max(site.delay, min(delay, self.config.max_crawl_delay))
        # spacing runs from the end of a request: the host sees at least ``delay`` between
        # our requests even when a connection set-up delayed the previous one
        site.next_time = time.monotonic() + (site.delay if policy.requests else 0.0)

    def _session(self, site: SiteTask) -> CrawlSession:
        if site.session is None:
            site.session = make_session(self.config, self.guard)  # pinned to vetted addresses
        return site.session

    def _conditional_headers(self, site: SiteTask, url: str) -> dict[str, str]:
        stored = site.state.stored.get(url) if self.config.recrawl else None
        headers: dict[str, str] = {}
        if stored is not None:
            if stored.etag:
                headers["If-None-Match"] = stored.etag
            if stored.last_modified:
                headers["If-Modified-Since"] = stored.last_modified
        return headers

    def _retry(self, site: SiteTask, req: PendingRequest, start: float, wait: float) -> None:
        site.pending.appendleft(replace(req, attempt=req.attempt + 1))
        site.next_time = max(start + site.delay, time.monotonic() + wait)
        self._count(retries=1)

    def _fetch_page(self, site: SiteTask, req: PendingRequest) -> None:
        cfg = self.config
        site.fetches += 1
        session = self._session(site)
        conditional = self._conditional_headers(site, req.frontier_url)
        try:
            resp = fetch_once(session, req.url, cfg, headers=conditional)
        except FetchFailure as exc:
            start = time.monotonic()
            self._count(requests=1)
            self._error(exc.error_type)
            site.next_time = start + site.delay
            if exc.retryable and req.attempt < cfg.retries:
                self._retry(site, req, start, cfg.backoff * 2**req.attempt)
            elif not self._fallback(site, req, exc.reason):
                self._skip(site, req, exc.reason, exc.detail)
            return
        done = time.monotonic()
        site.next_time = done + site.delay
        self._count(requests=1, bytes=len(resp.body))
        if resp.status in REDIRECT_STATUSES:
            self._redirect(site, req, resp)
        elif resp.status == 304 and conditional:
            self._not_modified(site, req)
        elif resp.status in RETRY_STATUSES:
            self._error(f"http_{resp.status}")
            wait = retry_after_seconds(resp.headers.get("retry-after"))
            if wait is not None and wait > cfg.max_retry_after:
                self._skip(site, req, SkipReason.RETRY_AFTER_TOO_LONG, f"Retry-After {wait:.0f}s")
            elif req.attempt < cfg.retries:
                backoff = cfg.backoff * 2**req.attempt
                self._retry(site, req, done, wait if wait is not None else backoff)
            else:
                self._skip(site, req, SkipReason.HTTP_ERROR, f"status {resp.status}")
        elif not 200 <= resp.status < 300:
            self._error(f"http_{resp.status}")
            self._skip(site, req, SkipReason.HTTP_ERROR, f"status {resp.status}")
        else:
            self._store(site, req, resp)

    def _redirect(self, site: SiteTask, req: PendingRequest, resp: Fetched) -> None:
        target = normalize_url(resp.location, base=req.url) if resp.location else None
        chain = (*req.chain, req.url)
        verdict = self.guard.check(urlsplit(target).hostname or "") if target else None
        if target is None:
            self._skip(site, req, SkipReason.INVALID_URL, f"Location {resp.location!r}")
        elif verdict is not None and verdict.reason == "blocked_address":
            self._skip(site, req, SkipReason.BLOCKED_ADDRESS, f"{target} {verdict.addresses}")
        elif target in chain:
            self._skip(site, req, SkipReason.REDIRECT_LOOP, " -> ".join((*chain, target)))
        elif len(chain) > self.config.max_redirects:
            self._skip(site, req, SkipReason.TOO_MANY_REDIRECTS, f"{len(chain)} hops")
        elif len(target) > self.config.max_url_length:
            self._skip(site, req, SkipReason.URL_TOO_LONG)
        elif registrable_domain(urlsplit(target).hostname or "") != registrable_domain(site.host):
            if req.depth == 0 and not site.home_done:
                # the home page moved to another domain (acme.de -> acme-group.com): follow it
                site.host = urlsplit(target).hostname or site.host
                site.pending.appendleft(replace(req, url=target, chain=chain, attempt=0))
            else:
                self._skip(site, req, SkipReason.REDIRECT_OFFSITE, target)
        else:
            site.pending.appendleft(replace(req, url=target, chain=chain, attempt=0))

    def _links(self, site: SiteTask, page: ExtractedPage, depth: int) -> list[fr.QueuedUrl]:
        cfg = self.config
        if depth + 1 > cfg.max_depth:
            return []
        site_domain = registrable_domain(site.host)
        best: dict[str, fr.QueuedUrl] = {}
        for href, text in page.links:
            url = normalize_url(href, base=page.url)
            if url is None or url in site.state.known or url in best:
                continue
            if len(url) > cfg.max_url_length:
                continue
            if registrable_domain(urlsplit(url).hostname or "") != site_domain:
                continue
            best[url] = fr.QueuedUrl(url, depth + 1, link_priority(url, text, depth + 1))
        ranked = sorted(best.values(), key=lambda q: -q.priority)[: cfg.max_links_per_page]
        return [q for q in ranked if q.priority > -10.0]

    def _accept_links(self, site: SiteTask, links: list[fr.QueuedUrl]) -> None:
        for q in links:
            site.state.known.add(q.url)
            site.push(q.url, q.depth, q.priority)

    def _not_modified(self, site: SiteTask, req: PendingRequest) -> None:
        html = fr.stored_html(self.engine, req.frontier_url)
        links: list[fr.QueuedUrl] = []
        if html is not None:
            page = extract_page(html, req.url, with_links=True)
            links = self._links(site, page, req.depth)
        domain, url, attempts = site.seed.domain, req.frontier_url, req.attempt + 1
        self._write(lambda c: fr.record_not_modified(c, domain, url, links, attempts=attempts))
        self._accept_links(site, links)
        site.stored += 1
        site.home_done = True
        self._count(not_modified=1)

    def _store(self, site: SiteTask, req: PendingRequest, resp: Fetched) -> None:
        body = resp.body
        if looks_binary(body):
            self._skip(site, req, SkipReason.BINARY_CONTENT)
            return
        digest = hashlib.sha256(body).hexdigest()
        if digest in site.hashes:
            self._skip(site, req, SkipReason.DUPLICATE_CONTENT)
            return
        if req.url != req.frontier_url and req.url in site.final_urls:
            self._skip(site, req, SkipReason.DUPLICATE_URL, req.url)
            return
        page = extract_page(body, req.url, content_type=resp.content_type, with_links=True)
        links = self._links(site, page, req.depth)
        record = PageRecord(
            domain=site.seed.domain,
            url=req.frontier_url,
            main_text=page.main_text,
            title=page.title,
            meta_description=page.meta_description,
            headings=page.headings,
            language=page.language,
            page_kind="home" if req.depth == 0 else page.page_kind,
            imprint=page.imprint or None,
            fetched_at=datetime.now(UTC),
            final_url=req.url,
            status=resp.status,
            content_type=resp.content_type[:128] or None,
            charset=page.charset,
            etag=resp.headers.get("etag"),
            last_modified=resp.headers.get("last-modified"),
            content_hash=digest,
            raw_html=body if self.config.store_html else None,
        )
        attempts = req.attempt + 1
        self._write(fr.PageWrite(record, links, attempts))
        self._accept_links(site, links)
        site.hashes.add(digest)
        site.final_urls.add(req.url)
        site.stored += 1
        site.home_done = True
        self._count(pages_stored=1)

    # -- the run -----------------------------------------------------------------------------

    def _finish(self, site: SiteTask, *, stopped: bool) -> None:
        if site.session is not None:
            site.session.close()
            site.session = None
        if stopped:
            return  # stays "running": the next crawl resumes it
        left = bool(site.heap) or bool(site.pending)
        domain, skip_reason = site.seed.domain, site.skip_reason if not site.home_done else None
        robots_status, crawl_delay = site.robots_status, site.crawl_delay
        leftover = SkipReason.PAGE_BUDGET.value if left else None
        self._write(
            lambda c: fr.finish_site(
                c,
                domain,
                status="done",
                skip_reason=skip_reason,
                robots_status=robots_status,
                crawl_delay=crawl_delay,
                leftover_reason=leftover,
            )
        )
        with self.stats_lock:
            self.summary.sites_done += 1
            if not site.home_done and site.skip_reason:
                self.summary.sites_skipped[site.skip_reason] += 1
            if left:
                n = len(site.heap) + len(site.pending)
                self.summary.skipped[SkipReason.PAGE_BUDGET.value] += n
                self.skipped_total += n

    def _worker(self) -> None:
        while True:
            site = self.scheduler.get()
            if site is None:
                return
            try:
                # a site whose budget is used up finishes now, not after one more delay
                more = self.step(site) and self._has_work(site)
            except Exception:
                log.exception("crawl of %s failed", site.seed.domain)
                self._error("internal_error")
                more = False
            try:
                if more and not self.scheduler.should_stop():
                    self.scheduler.put(site)
                else:
                    self._finish(site, stopped=more)
                    if more:
                        self.scheduler.stopped = True
            finally:
                self.scheduler.release()
            self._report()

    def run(self, seeds: Sequence[Seed]) -> CrawlSummary:
        # load trafilatura and the language model (seconds) while robots.txt files are fetched
        warming = threading.Thread(target=_warm_up_quietly, name="crawl-warm-up", daemon=True)
        warming.start()
        # a domain written as a URL ("http://127.0.0.5:8080/") says where to fetch, too
        seeds = [
            seed_from_value(s.domain, s.attributes, s.url) if "://" in s.domain else s
            for s in seeds
        ]
        uniq = list({s.domain: s for s in seeds}.values())
        states = fr.load_site_states(self.engine, uniq, recrawl=self.config.recrawl)
        self.summary.sites = len(uniq)
        sites: list[SiteTask] = []
        for seed in uniq:
            state = states[seed.domain]
            if state.status == "done":
                self.summary.sites_skipped["already_crawled"] += 1
                self.summary.sites_done += 1
                continue
            sites.append(self._make_site(seed, state))
        fr.start_sites(
            self.engine,
            {s.seed.domain: s.candidates[0] for s in sites},
            {s.seed.domain: s.state.queued[0] for s in sites if len(s.state.known) == 1},
        )
        self.writer = BatchWriter(self.engine)
        for site in sites:
            self.scheduler.put(site)
        n_workers = max(1, min(self.config.concurrency, len(sites)))
        threads = [
            threading.Thread(target=self._worker, name=f"crawl-{i}", daemon=True)
            for i in range(n_workers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.scheduler.stopped:
            self.summary.stopped = True
            for site in self.scheduler.remaining():
                self._finish(site, stopped=True)
        self.writer.close()  # commits everything before the summary is returned
        if self.writer.failures:
            self.summary.errors["write_failed"] += self.writer.failures
        self.summary.elapsed = time.monotonic() - self.started
        warming.join(timeout=30)  # no thread of this crawl outlives it
        self._report(final=True)
        return self.summary


def crawl(
    seeds: Sequence[Seed],
    engine: sa.Engine,
    config: CrawlConfig,
    *,
    progress: Callable[[CrawlProgress], None] | None = None,
    resolver: Resolver | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CrawlSummary:
    """Crawl ``seeds`` into the page store of ``engine``; resumes an interrupted crawl.

    ``progress`` gets a :class:`CrawlProgress` at most every 0.2 s and once at the end (it may
    be called from worker threads); ``resolver``
    replaces DNS resolution for the address guard (tests); ``should_stop`` is polled between
    requests, and a stopped crawl leaves its frontier for the next run.
    """
    return Crawler(
        engine, config, progress=progress, resolver=resolver, should_stop=should_stop
    ).run(seeds)
