"""Politeness scheduling: per-site queues and the heap of sites by next allowed request time."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from crawling import frontier as fr
from crawling.config import Seed
from crawling.fetch import CrawlSession
from crawling.robots import RobotsPolicy


@dataclass(slots=True)
class PendingRequest:
    """A request a site will make: a frontier URL, a redirect hop of it or a retry."""

    url: str  # what to fetch now (a redirect hop or the frontier URL)
    frontier_url: str  # the frontier row it belongs to
    depth: int
    attempt: int = 0
    chain: tuple[str, ...] = ()


@dataclass(eq=False)
class SiteTask:
    """One site's crawl state: its queue (frontier by priority), pending redirect hops and
    retries, robots policies per origin, and when it may make its next request."""

    seed: Seed
    state: fr.SiteState
    candidates: list[str]
    host: str  # the host whose registrable domain counts as "internal"
    heap: list[tuple[float, int, str, int]] = field(default_factory=list)
    pending: deque[PendingRequest] = field(default_factory=deque)
    robots: dict[str, RobotsPolicy] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)
    final_urls: set[str] = field(default_factory=set)
    stored: int = 0
    fetches: int = 0
    delay: float = 0.0
    next_time: float = 0.0
    home_done: bool = False
    skip_reason: str | None = None
    robots_status: int | None = None
    crawl_delay: float | None = None
    session: CrawlSession | None = None
    waiting_for: str | None = None  # a host another site holds (see Scheduler.claim_host)
    seq: itertools.count = field(default_factory=itertools.count)

    def push(self, url: str, depth: int, priority: float) -> None:
        heapq.heappush(self.heap, (-priority, next(self.seq), url, depth))


class Scheduler:
    """Sites ordered by the time their next request is allowed, and hosts with a request in
    flight.

    A worker ``get``s the site that is ready first (waiting until it is), makes at most one
    request for it, ``put``s it back with its new ready time and ``release``s it. A site is
    never handed to two workers at once. Sites of different seeds can share a host (two
    domains on one server, ``www.acme.de`` and ``acme.de``), so a request also ``claim``s its
    host (``host:port``) and ``release_host``s it afterwards with the time the host is next
    allowed: a site whose host is taken is parked on that host and handed out again when the
    host is released (no polling), at the host's next allowed time.

    Waiting: one worker (the leader) sleeps until the first site is due; the others sleep
    until they are needed, so a due site wakes one thread, not every idle worker.
    """

    IDLE_POLL = 0.25  # seconds: the longest sleep, so ``should_stop`` is polled that often

    def __init__(self, should_stop: Callable[[], bool] | None) -> None:
        self.heap: list[tuple[float, int, SiteTask]] = []
        self.lock = threading.Lock()
        self.head = threading.Condition(self.lock)  # the leader waits here for the first site
        self.idle = threading.Condition(self.lock)  # the other workers wait here
        self.leader = False
        self.busy = 0
        self.seq = itertools.count()
        self.should_stop = should_stop or (lambda: False)
        self.stopped = False
        self.hosts_busy: set[str] = set()  # hosts with a request in flight
        self.host_ready: dict[str, float] = {}  # host -> earliest next request
        self.parked: dict[str, list[SiteTask]] = {}  # host -> sites waiting for it

    # -- sites ---------------------------------------------------------------------------------

    def _push(self, site: SiteTask, ready: float) -> None:
        heapq.heappush(self.heap, (ready, next(self.seq), site))
        if self.heap[0][2] is site:  # a new first site: whoever watches the head must know
            (self.head if self.leader else self.idle).notify()

    def put(self, site: SiteTask) -> None:
        """Back into the queue at ``site.next_time``, or parked while its host is taken."""
        with self.lock:
            host = site.waiting_for
            if host is not None and host in self.hosts_busy:
                self.parked.setdefault(host, []).append(site)
                return
            site.waiting_for = None
            ready = site.next_time if host is None else max(site.next_time, self._ready(host))
            self._push(site, ready)

    def get(self) -> SiteTask | None:
        with self.lock:
            while True:
                if self.stopped or self.should_stop():
                    self.stopped = True
                    self.head.notify_all()
                    self.idle.notify_all()
                    return None
                if self.heap:
                    wait = self.heap[0][0] - time.monotonic()
                    if wait <= 0:
                        site = heapq.heappop(self.heap)[2]
                        self.busy += 1
                        if self.heap and not self.leader:
                            self.idle.notify()  # someone must watch the next site
                        return site
                    if self.leader:
                        self.idle.wait(self.IDLE_POLL)
                    else:
                        self.leader = True
                        try:
                            self.head.wait(min(wait, self.IDLE_POLL))
                        finally:
                            self.leader = False
                elif self.busy == 0 and not self.parked:
                    self.head.notify_all()
                    self.idle.notify_all()
                    return None
                else:
                    self.idle.wait(self.IDLE_POLL)

    def release(self) -> None:
        """A worker is done with the site it got (and has put it back if it has work)."""
        with self.lock:
            self.busy -= 1
            if self.busy == 0 and not self.heap and not self.parked:
                self.head.notify_all()  # nothing left anywhere: let every worker end
                self.idle.notify_all()

    def remaining(self) -> list[SiteTask]:
        """Sites still queued or parked (after a stop)."""
        with self.lock:
            return [s for _, _, s in self.heap] + [s for v in self.parked.values() for s in v]

    # -- hosts ---------------------------------------------------------------------------------

    def _ready(self, host: str) -> float:
        return self.host_ready.get(host, 0.0)

    def claim_host(self, site: SiteTask, host: str) -> bool:
        """Take ``host`` for one request of ``site``. False when another site's request is in
        flight there or the host's delay has not passed: then ``site`` is to be ``put`` back
        unchanged, and waits (parked, or until the host's next allowed time)."""
        with self.lock:
            if host in self.hosts_busy or self._ready(host) > time.monotonic():
                site.waiting_for = host
                return False
            self.hosts_busy.add(host)
            return True

    def release_host(self, host: str, next_time: float) -> None:
        """The request on ``host`` is over; the host's next request is allowed at
        ``next_time``. Sites parked on the host queue up again from then."""
        with self.lock:
            self.hosts_busy.discard(host)
            ready = max(self._ready(host), next_time)
            self.host_ready[host] = ready
            for site in self.parked.pop(host, ()):
                site.waiting_for = None
                self._push(site, max(site.next_time, ready))
