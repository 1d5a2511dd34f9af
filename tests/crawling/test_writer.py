"""The crawl's batch writer retries transient database errors and isolates a bad write."""

from __future__ import annotations

import sqlalchemy as sa

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
