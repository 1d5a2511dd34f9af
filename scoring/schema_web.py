"""Tables for web scoring: stored term profiles and prospect lists with their rows.

Migrations live in ``serving/migrations`` (revision ``0004_webscoring``).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

term_profiles = sa.Table(
    "term_profiles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("model_ref", sa.String(255), nullable=False, server_default=""),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("n_pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("domain", "model_ref", name="uq_term_profile"),
)

prospect_lists = sa.Table(
    "prospect_lists",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(255), nullable=True),
    sa.Column("model_version", sa.String(64), nullable=True),
    sa.Column("params", sa.JSON, nullable=True),
    sa.Column("n_rows", sa.Integer, nullable=False, server_default="0"),
)

prospect_rows = sa.Table(
    "prospect_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "list_id",
        sa.String(36),
        sa.ForeignKey("prospect_lists.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("rank", sa.Integer, nullable=True),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("row", sa.JSON, nullable=False),
)
