"""Crawl configuration and seeds: every crawl default lives here (polite by default).

The edges build a :class:`CrawlConfig` from ``serving/settings.py``; library code never reads the
environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_USER_AGENT = "leadscope-bot/0.1 (+https://github.com/leadscope/leadscope; B2B web scoring)"


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """All knobs of a crawl. Frozen: pass a modified copy with ``dataclasses.replace``."""

    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0  # seconds between two requests to one host (start to start)
    concurrency: int = 16  # worker threads = requests in flight over all hosts
    max_pages_per_site: int = 8  # internal pages beyond the home page
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # per socket read
    page_timeout: float = 30.0  # total time cap for one response (headers and body)
    max_bytes: int = 2 * 1024 * 1024  # cap on decoded body bytes
    max_robots_bytes: int = 512 * 1024  # RFC 9309 asks to parse at least 500 KiB
    max_redirects: int = 5
    max_url_length: int = 512
    max_depth: int = 3  # link hops from the home page
    max_links_per_page: int = 60  # links taken into the frontier per page (best first)
    retries: int = 2  # extra attempts on connection errors, 429 and 5xx
    backoff: float = 1.0  # first back-off; doubles per attempt
    max_retry_after: float = 120.0  # a longer Retry-After gives up on the page
    max_crawl_delay: float = 60.0  # a longer robots Crawl-delay is capped to this
    allow_private: bool = False  # allow private/loopback/link-local targets (tests, demos)
    allowed_networks: tuple[str, ...] = ()  # CIDRs allowed even when allow_private is False
    respect_robots: bool = True
    recrawl: bool = False  # refetch sites already crawled, with conditional requests
    store_html: bool = True  # keep compressed raw HTML in the page store


@dataclass(frozen=True, slots=True)
class Seed:
    """One site to crawl. ``url`` says where to fetch it (scheme, host, port); pages are stored
    under ``domain``. A ``domain`` that is itself a URL is both."""

    domain: str
    url: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
