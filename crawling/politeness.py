"""Politeness scheduling: per-site queues and the heap of sites by next allowed request time."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from crawling import frontier as fr
from crawling.config import Seed
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
    session: requests.Session | None = None
    seq: itertools.count = field(default_factory=itertools.count)

    def push(self, url: str, depth: int, priority: float) -> None:
        heapq.heappush(self.heap, (-priority, next(self.seq), url, depth))


class Scheduler:
    """Sites ordered by the time their next request is allowed.

    A worker ``get``s the site that is ready first (waiting until it is), makes one request,
    ``put``s it back with its new ready time and ``release``s it. A site is never handed to
    two workers at once, so a host has at most one request in flight.
    """

    def __init__(self, should_stop: Callable[[], bool] | None) -> None:
        self.heap: list[tuple[float, int, SiteTask]] = []
        self.cond = threading.Condition()
        self.busy = 0
        self.seq = itertools.count()
        self.should_stop = should_stop or (lambda: False)
        self.stopped = False

    def put(self, site: SiteTask) -> None:
        with self.cond:
            heapq.heappush(self.heap, (site.next_time, next(self.seq), site))
            self.cond.notify()

    def get(self) -> SiteTask | None:
        with self.cond:
            while True:
                if self.stopped or self.should_stop():
                    self.stopped = True
                    self.cond.notify_all()
                    return None
                if self.heap:
                    ready, _, site = self.heap[0]
                    wait = ready - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self.heap)
                        self.busy += 1
                        return site
                    self.cond.wait(min(wait, 0.25))
                elif self.busy == 0:
                    self.cond.notify_all()
                    return None
                else:
                    self.cond.wait(0.25)

    def release(self) -> None:
        """A worker is done with the site it got (and has put it back if it has work)."""
        with self.cond:
            self.busy -= 1
            if self.busy == 0 and not self.heap:
                self.cond.notify_all()  # nothing left anywhere: let every worker end
