"""One HTTP request with hard limits: streamed, size-capped, time-capped, never follows redirects.

Redirects, retries and politeness are the scheduler's business (``crawling.crawler``); this
module turns one request into a :class:`Fetched` response or a :class:`FetchFailure` with an
enumerated reason.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3
import urllib3.connection

from crawling.config import CrawlConfig
from crawling.outcomes import SkipReason

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024


@dataclass(slots=True)
class Fetched:
    url: str
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    started: float = 0.0  # time.monotonic() when the request was sent

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


class FetchFailure(Exception):
    """A request that produced no usable response."""

    def __init__(
        self, reason: SkipReason, detail: str, *, retryable: bool = False, error_type: str = ""
    ) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.error_type = error_type or reason.value


_current = threading.local()  # the deadline holder of the request this thread is making


class _TrackedHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        holder = getattr(_current, "holder", None)
        if holder is not None:
            holder["conn"] = self
        super().request(*args, **kwargs)


class _TrackedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        holder = getattr(_current, "holder", None)
        if holder is not None:
            holder["conn"] = self
        super().request(*args, **kwargs)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


def _abort(holder: dict[str, Any]) -> None:
    """Deadline passed: shut the socket down, so a blocked read (even of headers that
    arrive one byte at a time, each within the read timeout) returns at once."""
    holder["fired"] = True
    conn = holder.get("conn")
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def make_session(config: CrawlConfig) -> requests.Session:
    """A session for one site: our User-Agent, gzip/deflate only, no proxies from the env."""
    session = requests.Session()
    session.trust_env = False  # env proxies would bypass the address guard
    session.headers.update(
        {
            "User-Agent": config.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "de,en;q=0.8",
        }
    )
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=1, max_retries=0)
    # connections register themselves, so the per-response deadline can cut them off
    adapter.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or HTTP date), None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _is_html(content_type: str, body_head: bytes) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    if mime:
        return mime in HTML_TYPES
    head = body_head[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _Decoder:
    """Content-Encoding decoder that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.raw_deflate = False
        if encoding in ("", "identity"):
            self.obj = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self.obj = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header
            self.raw_deflate = encoding == "deflate"
        else:
            raise FetchFailure(SkipReason.UNSUPPORTED_ENCODING, f"content-encoding {encoding}")

    def feed(self, data: bytes) -> bytes:
        out = data if self.obj is None else self._inflate(data)
        self.total += len(out)
        if self.total > self.limit:
            raise FetchFailure(SkipReason.TOO_LARGE, f"more than {self.limit} decoded bytes")
        return out

    def _inflate(self, data: bytes) -> bytes:
        assert self.obj is not None
        room = self.limit - self.total + 1  # one byte more than allowed detects the overflow
        try:
            out = self.obj.decompress(data, room)
        except zlib.error as exc:
            if not (self.raw_deflate and self.total == 0):
                raise FetchFailure(
                    SkipReason.UNSUPPORTED_ENCODING, "corrupt compressed body"
                ) from exc
            self.obj = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate without header
            self.raw_deflate = False
            return self._inflate(data)
        # output is capped at one byte over the limit, so a bomb never inflates further;
        # feed() sees the overflow and raises TOO_LARGE
        return out


def fetch_once(
    session: requests.Session,
    url: str,
    config: CrawlConfig,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    html_only: bool = True,
) -> Fetched:
    """Send one GET without following redirects; read the body only for a 2xx answer.

    Raises :class:`FetchFailure` for timeouts (connect, read and the total ``page_timeout``,
    enforced by a timer that shuts the socket down, so slowly dripped headers are cut off too),
    connection errors, bodies over ``max_bytes`` decoded bytes, non-HTML content types and
    unknown content encodings.
    """
    holder: dict[str, Any] = {}
    _current.holder = holder
    timer = threading.Timer(config.page_timeout, _abort, args=(holder,))
    timer.daemon = True
    timer.start()
    try:
        return _fetch(session, url, config, headers, max_bytes, html_only)
    except FetchFailure as exc:
        if holder.get("fired") and exc.reason is not SkipReason.TIMEOUT:
            raise FetchFailure(
                SkipReason.TIMEOUT,
                f"no complete response within {config.page_timeout}s",
                error_type="PageTimeout",
            ) from exc
        raise
    finally:
        timer.cancel()
        _current.holder = None


def _fetch(
    session: requests.Session,
    url: str,
    config: CrawlConfig,
    headers: dict[str, str] | None,
    max_bytes: int | None,
    html_only: bool,
) -> Fetched:
    limit = max_bytes if max_bytes is not None else config.max_bytes
    started = time.monotonic()
    deadline = started + config.page_timeout
    try:
        resp = session.get(
            url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=(config.connect_timeout, config.read_timeout),
        )
    except requests.exceptions.Timeout as exc:
        raise FetchFailure(
            SkipReason.TIMEOUT, str(exc), retryable=True, error_type=type(exc).__name__
        ) from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
        raise FetchFailure(SkipReason.INVALID_URL, str(exc), error_type=type(exc).__name__) from exc
    except (requests.exceptions.RequestException, OSError) as exc:
        raise FetchFailure(
            SkipReason.CONNECTION_ERROR, str(exc), retryable=True, error_type=type(exc).__name__
        ) from exc
    try:
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        fetched = Fetched(url=url, status=resp.status_code, headers=hdrs, started=started)
        if not 200 <= resp.status_code < 300:
            return fetched
        mime = hdrs.get("content-type", "")
        if html_only and mime and not _is_html(mime, b""):
            raise FetchFailure(SkipReason.NOT_HTML, f"content type {mime}")
        decoder = _Decoder(hdrs.get("content-encoding", "").strip().lower(), limit)
        parts: list[bytes] = []
        raw = resp.raw
        while True:
            if time.monotonic() > deadline:
                raise FetchFailure(
                    SkipReason.TIMEOUT,
                    f"body not complete within {config.page_timeout}s",
                    error_type="PageTimeout",
                )
            try:
                chunk = raw.read1(CHUNK, decode_content=False)
            except requests.exceptions.RequestException as exc:
                raise FetchFailure(
                    SkipReason.CONNECTION_ERROR, str(exc), error_type=type(exc).__name__
                ) from exc
            except Exception as exc:  # urllib3 ReadTimeoutError, ProtocolError, socket errors
                timeout = "timeout" in type(exc).__name__.lower() or "timed out" in str(exc)
                raise FetchFailure(
                    SkipReason.TIMEOUT if timeout else SkipReason.CONNECTION_ERROR,
                    str(exc),
                    retryable=True,
                    error_type=type(exc).__name__,
                ) from exc
            if not chunk:
                break
            parts.append(decoder.feed(chunk))
        if decoder.obj is not None:
            parts.append(decoder.feed(decoder.obj.flush()))
        fetched.body = b"".join(parts)
        if html_only and not mime and not _is_html("", fetched.body):
            raise FetchFailure(SkipReason.NOT_HTML, "no content type and no HTML start")
        return fetched
    finally:
        resp.close()
