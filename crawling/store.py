"""Page store: save and load :class:`PageRecord` rows in the application database."""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from crawling.records import PageRecord
from crawling.schema import pages


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _row(rec: PageRecord) -> dict:
    return {
        "domain": rec.domain,
        "url": rec.url,
        "url_hash": url_hash(rec.url),
        "final_url": rec.final_url,
        "status": rec.status,
        "fetched_at": rec.fetched_at or datetime.now(UTC),
        "content_type": rec.content_type,
        "charset": rec.charset,
        "etag": rec.etag,
        "last_modified": rec.last_modified,
        "content_hash": rec.content_hash,
        "raw_html": zlib.compress(rec.raw_html) if rec.raw_html is not None else None,
        "n_bytes": len(rec.raw_html) if rec.raw_html is not None else None,
        "main_text": rec.main_text,
        "title": rec.title,
        "meta_description": rec.meta_description,
        "headings": list(rec.headings),
        "language": rec.language,
        "page_kind": rec.page_kind,
        "imprint": rec.imprint,
        "source": rec.source,
    }


def save_pages(engine: sa.Engine, records: Iterable[PageRecord]) -> int:
    """Insert or replace pages (keyed by URL) in one transaction; returns the number written."""
    with engine.begin() as conn:
        return save_pages_in(conn, records)


def save_pages_in(conn: sa.Connection, records: Iterable[PageRecord]) -> int:
    """:func:`save_pages` inside the caller's transaction (the crawler writes a page and its
    frontier rows atomically)."""
    rows = [_row(r) for r in records]
    if not rows:
        return 0
    conn.execute(pages.delete().where(pages.c.url_hash.in_([r["url_hash"] for r in rows])))
    conn.execute(pages.insert(), rows)
    return len(rows)


def load_pages(
    engine: sa.Engine, domains: Sequence[str] | None = None, *, with_html: bool = False
) -> dict[str, list[PageRecord]]:
    """Stored pages grouped by domain (all domains when ``domains`` is None)."""
    cols = [c for c in pages.c if with_html or c.name != "raw_html"]
    query = sa.select(*cols).order_by(pages.c.domain, pages.c.id)
    out: dict[str, list[PageRecord]] = defaultdict(list)
    chunks: list[Sequence[str] | None] = [None]
    if domains is not None:
        uniq = list(dict.fromkeys(domains))
        chunks = [uniq[i : i + 500] for i in range(0, len(uniq), 500)]
    with engine.connect() as conn:
        for chunk in chunks:
            q = query if chunk is None else query.where(pages.c.domain.in_(chunk))
            for row in conn.execute(q).mappings():
                html = row.get("raw_html")
                out[row["domain"]].append(
                    PageRecord(
                        domain=row["domain"],
                        url=row["url"],
                        main_text=row["main_text"] or "",
                        title=row["title"],
                        meta_description=row["meta_description"],
                        headings=list(row["headings"] or []),
                        language=row["language"],
                        page_kind=row["page_kind"],
                        imprint=row["imprint"],
                        fetched_at=row["fetched_at"],
                        final_url=row["final_url"],
                        status=row["status"],
                        content_type=row["content_type"],
                        charset=row["charset"],
                        etag=row["etag"],
                        last_modified=row["last_modified"],
                        content_hash=row["content_hash"],
                        raw_html=zlib.decompress(html) if html is not None else None,
                        source=row["source"],
                    )
                )
    return dict(out)
