"""Application database: engine creation, migrations (Alembic) and reachability checks."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from crawling.schema import metadata as crawling_metadata
from scoring.schema_accounts import metadata as accounts_metadata
from scoring.schema_web import metadata as web_metadata
from serving.errors import InputError, ServiceUnavailableError
from serving.schema import metadata as serving_metadata

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
ALL_METADATA: tuple[sa.MetaData, ...] = (
    serving_metadata,
    crawling_metadata,
    accounts_metadata,
    web_metadata,
)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, **kwargs: object) -> sa.Engine:
    """Create an engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys.

    Raises :class:`InputError` for a malformed URL or unknown driver.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError
        raise InputError(f"database URL {url!r} is malformed: {exc}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = sa.create_engine(
                parsed, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
            )
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = sa.create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise InputError(f"database URL {parsed!r}: {exc}") from exc
    return engine


def check_reachable(engine: sa.Engine) -> None:
    """Open one connection; raise :class:`ServiceUnavailableError` naming the database."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ServiceUnavailableError(
            f"database {engine.url.render_as_string(hide_password=True)} unreachable: {reason}"
        ) from exc


def alembic_config(engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision``; return the revision the database is at afterwards."""
    check_reachable(engine)
    command.upgrade(alembic_config(engine), revision)
    return current_revision(engine)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revisions() -> tuple[str, ...]:
    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    return tuple(script.get_heads())


def open_database(url: str, *, migrate: bool = True) -> sa.Engine:
    """Engine for ``url``, reachable and (by default) migrated to head. Used by the edges."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    else:
        check_reachable(engine)
    return engine
