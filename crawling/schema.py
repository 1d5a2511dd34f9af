"""Tables of the page store and crawl frontier (SQLAlchemy Core, own MetaData).

Migrations live in ``serving/migrations`` (revision ``0002_crawling``).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False, unique=True),
    sa.Column("seed_url", sa.Text, nullable=True),
    sa.Column("base_url", sa.Text, nullable=True),
    sa.Column("status", sa.String(32), nullable=False, server_default="pending"),
    sa.Column("skip_reason", sa.String(64), nullable=True),
    sa.Column("robots_status", sa.Integer, nullable=True),
    sa.Column("crawl_delay", sa.Float, nullable=True),
    sa.Column("pages_stored", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attributes", sa.JSON, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)

crawl_frontier = sa.Table(
    "crawl_frontier",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("url_hash", sa.String(64), nullable=False),
    sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
    sa.Column("priority", sa.Float, nullable=False, server_default="0"),
    sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
    sa.Column("skip_reason", sa.String(64), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("domain", "url_hash", name="uq_frontier_domain_url"),
)

pages = sa.Table(
    "pages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("url_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("final_url", sa.Text, nullable=True),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("content_type", sa.String(128), nullable=True),
    sa.Column("charset", sa.String(64), nullable=True),
    sa.Column("etag", sa.String(255), nullable=True),
    sa.Column("last_modified", sa.String(64), nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=True, index=True),
    sa.Column("raw_html", sa.LargeBinary, nullable=True),
    sa.Column("n_bytes", sa.Integer, nullable=True),
    sa.Column("main_text", sa.Text, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("meta_description", sa.Text, nullable=True),
    sa.Column("headings", sa.JSON, nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("page_kind", sa.String(32), nullable=True),
    sa.Column("imprint", sa.JSON, nullable=True),
    sa.Column("skip_reason", sa.String(64), nullable=True),
    sa.Column("source", sa.String(16), nullable=False, server_default="crawl"),
)
