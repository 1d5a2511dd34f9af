"""The crawl frontier and site table: what a crawl must still fetch, kept in the database.

A stored page is written in the same transaction as its frontier row and the links it
discovered, so a crawl killed at any moment resumes without refetching a stored page and
without losing a discovered one. The write functions take the caller's connection (the
crawler batches them in one writer thread).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from crawling.config import Seed
from crawling.records import PageRecord
from crawling.schema import crawl_frontier, pages, sites
from crawling.store import save_pages_in, url_hash


def _now() -> datetime:
    return datetime.now(UTC)


def _insert_ignore(engine_or_conn: sa.Engine | sa.Connection, table: sa.Table):  # type: ignore[no-untyped-def]
    if engine_or_conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


@dataclass(slots=True)
class QueuedUrl:
    url: str
    depth: int
    priority: float


@dataclass(slots=True)
class StoredPage:
    url: str
    final_url: str | None
    content_hash: str | None
    etag: str | None
    last_modified: str | None


@dataclass(slots=True)
class SiteState:
    """What the database knows about one site when the crawl starts."""

    domain: str
    status: str
    queued: list[QueuedUrl] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # every frontier URL
    stored: dict[str, StoredPage] = field(default_factory=dict)  # by URL


def load_site_states(
    engine: sa.Engine, seeds: Sequence[Seed], *, recrawl: bool
) -> dict[str, SiteState]:
    """Register seeds as sites and read back their frontier and stored pages.

    A site already ``done`` is returned as such (the crawler skips it) unless ``recrawl``,
    which clears its frontier so it starts again from the home page with conditional requests.
    """
    states: dict[str, SiteState] = {}
    domains = [s.domain for s in seeds]
    with engine.begin() as conn:
        for i in range(0, len(seeds), 500):
            chunk = seeds[i : i + 500]
            conn.execute(
                _insert_ignore(conn, sites),
                [
                    {
                        "domain": s.domain,
                        "seed_url": s.url,
                        "status": "pending",
                        "attributes": s.attributes or None,
                        "pages_stored": 0,
                    }
                    for s in chunk
                ],
            )
        for i in range(0, len(domains), 500):
            chunk_d = domains[i : i + 500]
            for row in conn.execute(
                sa.select(sites.c.domain, sites.c.status).where(sites.c.domain.in_(chunk_d))
            ):
                states[row.domain] = SiteState(domain=row.domain, status=row.status)
        if recrawl:
            again = [d for d, st in states.items() if st.status != "running"]
            for i in range(0, len(again), 500):
                chunk_d = again[i : i + 500]
                conn.execute(crawl_frontier.delete().where(crawl_frontier.c.domain.in_(chunk_d)))
                conn.execute(
                    sites.update()
                    .where(sites.c.domain.in_(chunk_d))
                    .values(status="pending", skip_reason=None, finished_at=None)
                )
            for d in again:
                states[d].status = "pending"
        for i in range(0, len(domains), 500):
            chunk_d = domains[i : i + 500]
            q = sa.select(
                crawl_frontier.c.domain,
                crawl_frontier.c.url,
                crawl_frontier.c.depth,
                crawl_frontier.c.priority,
                crawl_frontier.c.status,
            ).where(crawl_frontier.c.domain.in_(chunk_d))
            for row in conn.execute(q):
                st = states[row.domain]
                st.known.add(row.url)
                if row.status == "queued":
                    st.queued.append(QueuedUrl(row.url, row.depth, row.priority))
            q2 = sa.select(
                pages.c.domain,
                pages.c.url,
                pages.c.final_url,
                pages.c.content_hash,
                pages.c.etag,
                pages.c.last_modified,
            ).where(pages.c.domain.in_(chunk_d))
            for row in conn.execute(q2):
                st = states[row.domain]
                st.stored[row.url] = StoredPage(
                    row.url, row.final_url, row.content_hash, row.etag, row.last_modified
                )
    return states


def start_sites(
    engine: sa.Engine, base_urls: dict[str, str], home_pages: dict[str, QueuedUrl]
) -> None:
    """Mark sites running and queue the home pages of new sites, in one transaction."""
    now = _now()
    with engine.begin() as conn:
        for domain, home in home_pages.items():
            enqueue(conn, domain, [home], now=now)
        if base_urls:
            conn.execute(
                sites.update()
                .where(sites.c.domain == sa.bindparam("d"))
                .values(status="running", base_url=sa.bindparam("b"), started_at=now),
                [{"d": d, "b": b} for d, b in base_urls.items()],
            )


def _queued_row(domain: str, q: QueuedUrl, now: datetime) -> dict[str, Any]:
    """A new frontier row for ``q`` (queued, no attempts yet)."""
    return {
        "domain": domain,
        "url": q.url,
        "url_hash": url_hash(q.url),
        "depth": q.depth,
        "priority": q.priority,
        "status": "queued",
        "attempts": 0,
        "discovered_at": now,
    }


def enqueue(
    conn: sa.Connection, domain: str, urls: Iterable[QueuedUrl], *, now: datetime | None = None
) -> None:
    when = now or _now()
    rows = [_queued_row(domain, q, when) for q in urls]
    if rows:
        conn.execute(_insert_ignore(conn, crawl_frontier), rows)


def _mark(
    conn: sa.Connection,
    domain: str,
    url: str,
    status: str,
    reason: str | None,
    error: str | None,
    attempts: int,
) -> None:
    conn.execute(
        crawl_frontier.update()
        .where(crawl_frontier.c.domain == domain, crawl_frontier.c.url_hash == url_hash(url))
        .values(
            status=status,
            skip_reason=reason,
            error=error[:500] if error else None,
            attempts=attempts,
            updated_at=_now(),
        )
    )


@dataclass(slots=True, eq=False)
class PageWrite:
    """A stored page as one write for the crawl's :class:`~crawling.writer.BatchWriter`, which
    runs consecutive page writes together through :meth:`run_many`."""

    record: PageRecord
    links: Sequence[QueuedUrl]
    attempts: int

    def __call__(self, conn: sa.Connection) -> None:
        record_pages(conn, [self])

    @staticmethod
    def run_many(conn: sa.Connection, writes: Sequence[PageWrite]) -> None:
        record_pages(conn, writes)


def record_pages(conn: sa.Connection, writes: Sequence[PageWrite]) -> None:
    """Store pages, mark their frontier rows done and queue their links, in four statements
    whatever their number (run it in one transaction).

    The same end state as storing the pages one after the other: a page's frontier row ends
    ``done`` even when another page of the batch queued its URL (links are queued before rows
    are marked, and queueing never touches an existing row); for a URL stored twice, the last
    record wins. Pages are keyed by URL, frontier rows by (domain, URL): two sites of one
    registrable domain may both store the same page, and both their rows end ``done``.
    """
    if not writes:
        return
    last = {w.record.url: w for w in writes}  # a URL stored twice: the later record wins
    save_pages_in(conn, [w.record for w in last.values()])
    rows = {(w.record.domain, w.record.url): w for w in writes}
    now = _now()
    links = [_queued_row(w.record.domain, q, now) for w in writes for q in w.links]
    if links:
        conn.execute(_insert_ignore(conn, crawl_frontier), links)
    conn.execute(
        crawl_frontier.update()
        .where(
            crawl_frontier.c.domain == sa.bindparam("d"),
            crawl_frontier.c.url_hash == sa.bindparam("h"),
        )
        .values(
            status="done",
            skip_reason=None,
            error=None,
            attempts=sa.bindparam("a"),
            updated_at=now,
        ),
        [{"d": d, "h": url_hash(u), "a": w.attempts} for (d, u), w in rows.items()],
    )


def record_not_modified(
    conn: sa.Connection, domain: str, url: str, links: Sequence[QueuedUrl], *, attempts: int
) -> None:
    """A conditional re-fetch answered 304: keep the stored page, refresh its fetch time."""
    conn.execute(pages.update().where(pages.c.url_hash == url_hash(url)).values(fetched_at=_now()))
    _mark(conn, domain, url, "done", None, None, attempts)
    enqueue(conn, domain, links)


def record_skip(
    conn: sa.Connection,
    domain: str,
    url: str,
    reason: str,
    error: str | None = None,
    *,
    attempts: int = 0,
) -> None:
    _mark(conn, domain, url, "skipped", reason, error, attempts)


def replace_start(conn: sa.Connection, domain: str, old: str, new: QueuedUrl, reason: str) -> None:
    """Swap the home-page URL (https failed, try http)."""
    _mark(conn, domain, old, "skipped", reason, None, 1)
    enqueue(conn, domain, [new])


def finish_site(
    conn: sa.Connection,
    domain: str,
    *,
    status: str,
    skip_reason: str | None,
    robots_status: int | None,
    crawl_delay: float | None,
    leftover_reason: str | None = None,
) -> int:
    """Close a site: count its stored pages; queued leftovers get ``leftover_reason``."""
    if leftover_reason:
        conn.execute(
            crawl_frontier.update()
            .where(crawl_frontier.c.domain == domain, crawl_frontier.c.status == "queued")
            .values(status="skipped", skip_reason=leftover_reason, updated_at=_now())
        )
    n = conn.execute(
        sa.select(sa.func.count()).select_from(pages).where(pages.c.domain == domain)
    ).scalar_one()
    conn.execute(
        sites.update()
        .where(sites.c.domain == domain)
        .values(
            status=status,
            skip_reason=skip_reason,
            robots_status=robots_status,
            crawl_delay=crawl_delay,
            pages_stored=n,
            finished_at=_now(),
        )
    )
    return int(n)


def stored_html(engine: sa.Engine, url: str) -> bytes | None:
    """Raw HTML of a stored page (to follow its links after a 304)."""
    with engine.connect() as conn:
        blob = conn.execute(
            sa.select(pages.c.raw_html).where(pages.c.url_hash == url_hash(url))
        ).scalar_one_or_none()
    return zlib.decompress(blob) if blob is not None else None


def frontier_counts(engine: sa.Engine, domains: Sequence[str] | None = None) -> dict[str, Any]:
    """Frontier rows by status and skip reason (for reports and tests)."""
    q = sa.select(crawl_frontier.c.status, crawl_frontier.c.skip_reason, sa.func.count()).group_by(
        crawl_frontier.c.status, crawl_frontier.c.skip_reason
    )
    if domains is not None:
        q = q.where(crawl_frontier.c.domain.in_(list(domains)))
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for status, reason, n in conn.execute(q):
            key = status if reason is None else f"{status}:{reason}"
            out[key] = out.get(key, 0) + n
    return out
