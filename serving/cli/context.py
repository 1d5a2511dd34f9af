"""Helpers shared by CLI commands: settings, logging, database and MLflow set-up."""

from __future__ import annotations

import sqlalchemy as sa

from serving.db import open_database
from serving.logs import configure_logging
from serving.settings import Settings, get_settings
from serving.tracking import configure_mlflow


def settings_and_logging() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def database(settings: Settings, *, migrate: bool = True) -> sa.Engine:
    """The application database, migrated to head (commands never run on an old schema)."""
    return open_database(settings.resolved_database_url, migrate=migrate)


def mlflow_uri(settings: Settings) -> str:
    """Point MLflow at the configured store (local SQLite store under models/ by default)."""
    return configure_mlflow(settings)
