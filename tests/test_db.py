"""Migrations apply from empty on SQLite and PostgreSQL and match the table definitions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from serving.db import ALL_METADATA, current_revision, head_revisions, make_engine, upgrade


def test_single_migration_head() -> None:
    assert len(head_revisions()) == 1, head_revisions()


def test_migrations_apply_from_empty_and_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        rev = upgrade(engine)
        assert rev == head_revisions()[0]
        tables = set(sa.inspect(engine).get_table_names())
        expected = {t for md in ALL_METADATA for t in md.tables}
        assert expected <= tables
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [compare_metadata(ctx, md) for md in ALL_METADATA]
        # each metadata compared alone reports the other packages' tables as removed: ignore those
        own = [
            d
            for md, ds in zip(ALL_METADATA, diffs, strict=True)
            for d in ds
            if not (d[0] == "remove_table" and d[1].name not in md.tables)
            and not (d[0] == "remove_index" and d[1].table.name not in md.tables)
        ]
        assert own == []
        # upgrading again is a no-op
        assert upgrade(engine) == rev
    finally:
        engine.dispose()


def test_sqlite_engine_uses_wal(sqlite_engine: sa.Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
