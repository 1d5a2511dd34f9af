"""Enumerated crawl outcomes: why a page was not stored, progress and the crawl summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class SkipReason(StrEnum):
    """Why a page (or a whole site) was not stored. Stored on frontier rows and counted."""

    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNAVAILABLE = "robots_unavailable"  # robots.txt 5xx or unreachable: host not now
    BLOCKED_ADDRESS = "blocked_address"  # private/loopback/link-local/... target refused
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"  # final 4xx/5xx after retries
    RETRY_AFTER_TOO_LONG = "retry_after_too_long"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    REDIRECT_OFFSITE = "redirect_offsite"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    BINARY_CONTENT = "binary_content"
    UNSUPPORTED_ENCODING = "unsupported_encoding"
    INVALID_URL = "invalid_url"
    URL_TOO_LONG = "url_too_long"
    DUPLICATE_URL = "duplicate_url"  # a redirect landed on a page already stored
    DUPLICATE_CONTENT = "duplicate_content"  # same body hash as a stored page of the site
    PAGE_BUDGET = "page_budget"  # discovered but not fetched: the site's page budget was used


@dataclass(slots=True)
class CrawlProgress:
    """Snapshot passed to the ``progress`` callback after every finished request."""

    sites_total: int
    sites_done: int
    pages_stored: int
    pages_skipped: int
    requests: int
    bytes: int
    elapsed: float


@dataclass(slots=True)
class CrawlSummary:
    """What a crawl did; ``skipped`` and ``errors`` are counted by reason and by type."""

    sites: int = 0
    sites_done: int = 0
    sites_skipped: Counter[str] = field(default_factory=Counter)
    pages_stored: int = 0
    not_modified: int = 0  # conditional re-fetches answered 304
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    robots_requests: int = 0
    retries: int = 0
    bytes: int = 0  # decoded body bytes
    elapsed: float = 0.0
    stopped: bool = False

    @property
    def pages_per_second(self) -> float:
        return self.pages_stored / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict:
        return {
            "sites": self.sites,
            "sites_done": self.sites_done,
            "sites_skipped": dict(self.sites_skipped),
            "pages_stored": self.pages_stored,
            "not_modified": self.not_modified,
            "skipped": dict(self.skipped),
            "errors": dict(self.errors),
            "requests": self.requests,
            "robots_requests": self.robots_requests,
            "retries": self.retries,
            "bytes": self.bytes,
            "elapsed": round(self.elapsed, 3),
            "pages_per_second": round(self.pages_per_second, 2),
            "stopped": self.stopped,
        }
