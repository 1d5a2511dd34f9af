"""The scheduler: sites by next allowed time, one request per host across sites, and wake-ups
without polling (a parked site comes back when its host is released; a due site wakes one
worker, not all)."""

from __future__ import annotations

import threading
import time

from crawling import frontier as fr
from crawling.config import Seed
from crawling.politeness import Scheduler, SiteTask


def _site(name: str, next_time: float = 0.0) -> SiteTask:
    site = SiteTask(seed=Seed(name), state=fr.SiteState(name, "pending"), candidates=[], host=name)
    site.next_time = next_time
    return site


def test_site_waiting_for_a_busy_host_is_parked_and_woken_by_its_release() -> None:
    sched = Scheduler(None)
    a, b = _site("a.test"), _site("b.test")
    sched.put(a)
    sched.put(b)
    assert sched.get() is a and sched.claim_host(a, "shared:80")
    assert sched.get() is b
    assert not sched.claim_host(b, "shared:80")  # a's request is in flight
    sched.put(b)
    sched.release()
    assert sched.heap == [] and sched.remaining() == [b]  # parked, not queued or polled
    got: list[tuple[float, SiteTask | None]] = []

    def wait_for_site() -> None:
        site = sched.get()
        got.append((time.monotonic(), site))

    waiter = threading.Thread(target=wait_for_site)
    waiter.start()
    time.sleep(0.05)
    assert not got  # nothing to hand out while the host is taken
    released = time.monotonic()
    sched.release_host("shared:80", released + 0.1)  # a's request ended; next one in 0.1 s
    waiter.join(5)
    when, site = got[0]
    assert site is b and b.waiting_for is None
    assert when >= released + 0.1 - 0.005  # not before the host's delay has passed
    assert sched.claim_host(b, "shared:80")


def test_host_delay_holds_a_site_until_the_host_is_allowed_again() -> None:
    sched = Scheduler(None)
    a, b = _site("a.test"), _site("b.test")
    assert sched.claim_host(a, "h:80")
    sched.release_host("h:80", time.monotonic() + 0.2)
    assert not sched.claim_host(b, "h:80")  # free, but its delay has not passed
    sched.put(b)
    assert sched.heap[0][0] >= time.monotonic() + 0.1  # queued for the host's time, not parked


def test_a_due_site_wakes_one_worker_not_all() -> None:
    sched = Scheduler(None)
    waits = {"n": 0}
    for cond in (sched.head, sched.idle):
        real = cond.wait

        def counted(timeout: float | None = None, _real=real) -> bool:  # type: ignore[no-untyped-def]
            waits["n"] += 1
            return _real(timeout)

        cond.wait = counted  # type: ignore[method-assign]
    n_sites, n_workers = 20, 8
    start = time.monotonic() + 0.1
    sites = [_site(f"s{i}.test", start + 0.02 * i) for i in range(n_sites)]
    for s in sites:
        sched.put(s)
    handed: list[SiteTask] = []

    def worker() -> None:
        while (site := sched.get()) is not None:
            handed.append(site)
            sched.release()

    threads = [threading.Thread(target=worker) for _ in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(s.seed.domain for s in handed) == sorted(s.seed.domain for s in sites)
    # every worker polling the head would sleep about n_workers times per site (160 here)
    assert waits["n"] <= 3 * n_sites + 2 * n_workers, waits["n"]
