"""robots.txt per RFC 9309: fetch, parse (protego), decide, and read Crawl-delay.

2xx: the rules apply. 4xx: no rules, everything allowed. 5xx, 429 or unreachable: the host is
not crawled now. Up to five redirects are followed, each target checked by the address guard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawling.config import CrawlConfig
from crawling.fetch import REDIRECT_STATUSES, CrawlSession, FetchFailure, fetch_once
from crawling.guard import AddressGuard
from crawling.outcomes import SkipReason

log = logging.getLogger(__name__)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(slots=True)
class RobotsPolicy:
    """Rules for one origin (scheme, host, port)."""

    origin: str
    status: int | None  # HTTP status of robots.txt; None when unreachable
    parser: Protego | None = None
    unavailable: SkipReason | None = None  # set when the host must not be crawled now
    detail: str = ""
    requests: int = 0
    error_types: list[str] = field(default_factory=list)

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.unavailable is not None:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def allow_all(origin: str) -> RobotsPolicy:
    return RobotsPolicy(origin=origin, status=None)


def fetch_robots(
    session: CrawlSession, origin: str, config: CrawlConfig, guard: AddressGuard
) -> RobotsPolicy:
    """Fetch and parse ``<origin>/robots.txt`` (never raises)."""
    url = f"{origin}/robots.txt"
    policy = RobotsPolicy(origin=origin, status=None)
    seen: set[str] = set()
    for _hop in range(config.max_redirects + 1):
        host = urlsplit(url).hostname or ""
        verdict = guard.check(host)
        if not verdict.allowed:
            reason = (
                SkipReason.BLOCKED_ADDRESS
                if verdict.reason == "blocked_address"
                else SkipReason.DNS_ERROR
            )
            policy.unavailable, policy.detail = reason, f"{host}: {verdict.reason}"
            return policy
        seen.add(url)
        policy.requests += 1
        try:
            resp = fetch_once(
                session, url, config, max_bytes=config.max_robots_bytes, html_only=False
            )
        except FetchFailure as exc:
            policy.error_types.append(exc.error_type)
            policy.unavailable = SkipReason.ROBOTS_UNAVAILABLE
            policy.detail = f"robots.txt: {exc}"
            return policy
        policy.status = resp.status
        if resp.status in REDIRECT_STATUSES and resp.location:
            url = urljoin(url, resp.location)
            if url in seen:
                break
            continue
        if 200 <= resp.status < 300:
            text = resp.body.decode("utf-8", "replace")
            policy.parser = Protego.parse(text)
        elif resp.status == 429 or resp.status >= 500:
            policy.unavailable = SkipReason.ROBOTS_UNAVAILABLE
            policy.detail = f"robots.txt answered {resp.status}"
            policy.error_types.append(f"http_{resp.status}")
        # other statuses (4xx, 3xx without Location): no rules, everything allowed
        return policy
    # RFC 9309: after too many redirects robots.txt is treated as unavailable (4xx-like)
    log.info("robots.txt of %s: redirect limit reached; no rules", origin)
    return policy
