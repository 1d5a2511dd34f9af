"""Alembic environment: the engine comes from ``serving.db.alembic_config``."""

from __future__ import annotations

from alembic import context

from serving.db import ALL_METADATA

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=list(ALL_METADATA),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
