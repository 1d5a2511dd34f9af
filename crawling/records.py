"""Plain record types shared with ``scoring`` (no ORM objects cross package borders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class PageRecord:
    """One stored page of a company website, as the scoring side sees it."""

    domain: str
    url: str
    main_text: str = ""
    title: str | None = None
    meta_description: str | None = None
    headings: list[str] = field(default_factory=list)
    language: str | None = None
    page_kind: str | None = None
    imprint: dict[str, Any] | None = None
    fetched_at: datetime | None = None
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    raw_html: bytes | None = None  # uncompressed; the store compresses it
    source: str = "crawl"
