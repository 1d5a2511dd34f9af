"""Tables for companies, engagement events, transactions and stage snapshots.

Migrations live in ``serving/migrations`` (revision ``0003_accounts``).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("account_id", sa.String(128), nullable=True, index=True),
    sa.Column("country", sa.String(64), nullable=True),
    sa.Column("is_customer", sa.Boolean, nullable=True),
    sa.Column("customer_value", sa.Float, nullable=True),
    sa.Column("attributes", sa.JSON, nullable=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(128), nullable=True, unique=True),
    sa.Column("account_id", sa.String(128), nullable=False),
    sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("contact_id", sa.String(128), nullable=True),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("attributes", sa.JSON, nullable=True),
    sa.Index("ix_events_account_ts", "account_id", "timestamp"),
)

transactions = sa.Table(
    "transactions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.String(128), nullable=True, unique=True),
    sa.Column("account_id", sa.String(128), nullable=False),
    sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("amount", sa.Float, nullable=False),
    sa.Column("currency", sa.String(8), nullable=True),
    sa.Column("product", sa.Text, nullable=True),
    sa.Column("attributes", sa.JSON, nullable=True),
    sa.Index("ix_transactions_account_ts", "account_id", "timestamp"),
)

stage_snapshots = sa.Table(
    "stage_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.String(128), nullable=False),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.UniqueConstraint("account_id", "as_of", name="uq_stage_snapshot"),
)
