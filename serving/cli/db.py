"""``leadscope db``: database commands."""

from __future__ import annotations

import typer

from serving.cli.app import db_app
from serving.cli.context import database, settings_and_logging
from serving.db import current_revision


@db_app.command("upgrade")
def upgrade_cmd() -> None:
    """Apply all migrations to the configured database (LEADSCOPE_DATABASE_URL)."""
    settings = settings_and_logging()
    engine = database(settings, migrate=True)
    typer.echo(
        f"database {engine.url.render_as_string(hide_password=True)} "
        f"at revision {current_revision(engine)}"
    )
