"""The crawl's batch writer retries transient database errors and isolates a bad write."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from crawling import frontier as fr
from crawling.records import PageRecord
from crawling.schema import crawl_frontier, pages
from crawling.writer import BatchWriter


def test_transient_failures_are_retried_and_bad_writes_isolated(
    sqlite_engine: sa.Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("crawling.writer.time.sleep", lambda _s: None)
    meta = sa.MetaData()
    t = sa.Table("w", meta, sa.Column("v", sa.Integer, primary_key=True))
    meta.create_all(sqlite_engine)
    flaky = {"left": 2}

    def sometimes_locked(conn: sa.Connection) -> None:
        if flaky["left"]:
            flaky["left"] -= 1
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        conn.execute(t.insert().values(v=2))

    def always_bad(conn: sa.Connection) -> None:
        conn.execute(t.insert().values(v=1))  # duplicate key: never succeeds

    writer = BatchWriter(sqlite_engine)
    writer.submit(lambda c: c.execute(t.insert().values(v=1)))
    writer.flush()
    writer.submit(sometimes_locked)
    writer.submit(always_bad)
    writer.submit(lambda c: c.execute(t.insert().values(v=3)))
    writer.close()
    with sqlite_engine.connect() as conn:
        assert sorted(conn.execute(sa.select(t.c.v)).scalars()) == [1, 2, 3]
    assert writer.failures == 1  # only the write that can never succeed


def _page(host: str, path: str, title: str = "") -> PageRecord:
    return PageRecord(
        domain=host, url=f"https://{host}{path}", main_text=f"text {path}", title=title or path
    )


def _links(host: str, *paths: str) -> list[fr.QueuedUrl]:
    return [fr.QueuedUrl(f"https://{host}{p}", 1, 5.0) for p in paths]


def _scenario(host: str) -> list[fr.PageWrite]:
    """Pages as one crawl writes them; "/a" is queued and stored within the same batch, "/"
    is linked back to after it was stored, "/a" is stored twice (a later record replaces)."""
    return [
        fr.PageWrite(_page(host, "/"), _links(host, "/a", "/b"), 1),
        fr.PageWrite(_page(host, "/a"), _links(host, "/", "/c"), 1),
        fr.PageWrite(_page(host, "/b"), [], 2),
        fr.PageWrite(_page(host, "/a", "again"), _links(host, "/d"), 3),
    ]


def _end_state(engine: sa.Engine, host: str) -> tuple[list, list]:
    with engine.connect() as conn:
        front = conn.execute(
            sa.select(
                crawl_frontier.c.url, crawl_frontier.c.status, crawl_frontier.c.attempts
            ).where(crawl_frontier.c.domain == host)
        ).all()
        stored = conn.execute(
            sa.select(pages.c.url, pages.c.title, pages.c.main_text).where(pages.c.domain == host)
        ).all()
    strip = len(f"https://{host}")
    return (
        sorted((u[strip:], s, a) for u, s, a in front),
        sorted((u[strip:], t, m) for u, t, m in stored),
    )


def test_batched_page_writes_end_like_one_by_one(db_engine: sa.Engine) -> None:
    """record_pages (the writer's bulk path) leaves the frontier and page store exactly as
    one call per page does, so a resumed crawl sees the same state."""
    for host in ("one.test", "two.test"):
        fr.start_sites(db_engine, {host: f"https://{host}/"}, {host: _links(host, "/")[0]})
    with db_engine.begin() as conn:
        for w in _scenario("one.test"):
            fr.record_pages(conn, [w])
    with db_engine.begin() as conn:
        fr.record_pages(conn, _scenario("two.test"))
    one, two = _end_state(db_engine, "one.test"), _end_state(db_engine, "two.test")
    assert one == two
    assert one[0] == [
        ("/", "done", 1), ("/a", "done", 3), ("/b", "done", 2), ("/c", "queued", 0),
        ("/d", "queued", 0),
    ]  # fmt: skip
    assert [(u, t) for u, t, _m in one[1]] == [("/", "/"), ("/a", "again"), ("/b", "/b")]


def test_two_sites_storing_one_page_in_a_batch_both_end_done(db_engine: sa.Engine) -> None:
    """Seeds acme.test and www.acme.test both queue www.acme.test/kontakt (links are kept by
    registrable domain); stored by both in one writer batch, both frontier rows end done."""
    page = "https://www.acme.test/kontakt"
    fr.start_sites(
        db_engine,
        {"acme.test": "https://acme.test/", "www.acme.test": "https://www.acme.test/"},
        {
            "acme.test": fr.QueuedUrl("https://acme.test/", 0, 10.0),
            "www.acme.test": fr.QueuedUrl("https://www.acme.test/", 0, 10.0),
        },
    )
    with db_engine.begin() as conn:
        for domain in ("acme.test", "www.acme.test"):
            fr.enqueue(conn, domain, [fr.QueuedUrl(page, 1, 5.0)])
    with db_engine.begin() as conn:
        fr.record_pages(
            conn,
            [
                fr.PageWrite(PageRecord(domain=d, url=page, main_text="kontakt"), [], 1)
                for d in ("acme.test", "www.acme.test")
            ],
        )
    with db_engine.connect() as conn:
        status = conn.execute(
            sa.select(crawl_frontier.c.domain, crawl_frontier.c.status).where(
                crawl_frontier.c.url == page
            )
        ).all()
    assert sorted(status) == [("acme.test", "done"), ("www.acme.test", "done")]


def test_writer_runs_consecutive_page_writes_in_bulk(sqlite_engine: sa.Engine) -> None:
    host = "bulk.test"
    fr.start_sites(sqlite_engine, {host: f"https://{host}/"}, {host: _links(host, "/")[0]})
    paths = [f"/p{i}" for i in range(30)]
    with sqlite_engine.begin() as conn:  # queued, as links of earlier pages
        fr.enqueue(conn, host, _links(host, *paths))
    statements: list[str] = []
    release = threading.Event()

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0])

    writer = BatchWriter(sqlite_engine)
    writer.submit(lambda _c: release.wait(10))  # holds the writer while the batch queues up
    for i, path in enumerate(paths):
        writer.submit(fr.PageWrite(_page(host, path), _links(host, f"/q{i}"), 1))
    counted: list[int] = []
    writer.submit(
        lambda c: counted.append(
            fr.finish_site(
                c, host, status="done", skip_reason=None, robots_status=None, crawl_delay=None
            )
        )
    )
    sa.event.listen(sqlite_engine, "before_cursor_execute", count)
    release.set()
    writer.close()
    sa.event.remove(sqlite_engine, "before_cursor_execute", count)
    # 30 pages: one DELETE, one INSERT of pages, one of links, one UPDATE (was 4 per page);
    # the closing write still runs after them and counts all 30
    page_statements = [s for s in statements if s in ("DELETE", "INSERT", "UPDATE")]
    assert len(page_statements) <= 4 + 2, statements
    assert counted == [30] and writer.failures == 0
    front, stored = _end_state(sqlite_engine, host)
    assert {u for u, _t, _m in stored} == set(paths)
    assert {u for u, s, _a in front if s == "done"} == set(paths)
