"""One HTTP request with hard limits: streamed, size-capped, time-capped, never follows redirects.

Redirects, retries and politeness are the scheduler's business (``crawling.crawler``); this
module turns one request into a :class:`Fetched` response or a :class:`FetchFailure` with an
enumerated reason.

Address pinning (DNS rebinding): every new connection of a session from :func:`make_session`
asks the session's :class:`~crawling.guard.AddressGuard` for the host and opens its socket to
an address that verdict vetted, never to a fresh DNS answer. The URL's host name stays in the
``Host`` header and, for https, in SNI and the certificate hostname check. A refused host
raises :class:`AddressRefused` before any socket is opened.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import os
import socket
import ssl
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests.cookies
import requests.utils
import urllib3
import urllib3.connection
import urllib3.exceptions
import urllib3.util.connection
import urllib3.util.ssl_

from crawling.config import CrawlConfig
from crawling.guard import AddressGuard, GuardVerdict
from crawling.once import Once
from crawling.outcomes import SkipReason

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024
log = logging.getLogger(__name__)
DEFAULT_CA_BUNDLE = requests.utils.DEFAULT_CA_BUNDLE_PATH  # certifi's, as requests verified


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


class AddressRefused(urllib3.exceptions.NewConnectionError):
    """The address guard refused the host at connection time; no socket was opened."""

    def __init__(self, conn: urllib3.connection.HTTPConnection, verdict: GuardVerdict) -> None:
        self.verdict = verdict
        self.detail = f"{conn.host} {verdict.reason} {list(verdict.addresses)}"
        super().__init__(conn, self.detail)


def _pinned_socket(conn: urllib3.connection.HTTPConnection, guard: AddressGuard) -> socket.socket:
    """A socket to an address the guard vetted for ``conn.host`` (tried in the guard's order).

    Only IP literals reach ``create_connection``, so no second name resolution happens.
    """
    verdict = guard.check(conn.host)
    if not verdict.allowed:
        raise AddressRefused(conn, verdict)
    err: OSError | None = None
    timed_out = False
    for addr in verdict.addresses:
        try:
            sock = urllib3.util.connection.create_connection(
                (addr, conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:  # socket.timeout
            err = exc
            timed_out = True
        except OSError as exc:
            err = exc
            timed_out = False
        else:
            sys.audit("http.client.connect", conn, conn.host, conn.port)
            return sock
    if err is not None and timed_out:
        raise urllib3.exceptions.ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from err
    raise urllib3.exceptions.NewConnectionError(
        conn, f"Failed to establish a new connection to {list(verdict.addresses)}: {err}"
    ) from err


class _PinnedTracked:
    """Mixed into urllib3's connections: the socket goes to an address the guard vetted, and
    each request registers its connection so the per-response deadline can cut it off."""

    guard: AddressGuard  # set on the per-session subclass made by _pool_classes

    def _new_conn(self) -> socket.socket:
        sock = _pinned_socket(self, self.guard)  # type: ignore[arg-type]
        holder = getattr(_current, "holder", None)
        if holder is not None:
            # registered before the TLS handshake (HTTPS connects before any request owns the
            # connection), so the deadline can cut a slow handshake too; a duplicate, since
            # wrapping for TLS detaches ``sock`` (the duplicate is closed by fetch_once)
            previous = holder.get("sock")
            holder["sock"] = sock.dup()
            if previous is not None:
                previous.close()
            if holder.get("fired"):
                _shut(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        holder = getattr(_current, "holder", None)
        if holder is not None:
            holder["conn"] = self
        super().request(*args, **kwargs)  # type: ignore[misc]


class _TrackedHTTPConnection(_PinnedTracked, urllib3.connection.HTTPConnection):
    pass


class _TrackedHTTPSConnection(_PinnedTracked, urllib3.connection.HTTPSConnection):
    """``self.host`` stays the URL's name: urllib3 uses it for SNI and the certificate
    hostname check, only the socket goes to the pinned address."""


def _pool_classes(guard: AddressGuard) -> dict[str, type[urllib3.HTTPConnectionPool]]:
    """Connection pools whose connections are pinned by ``guard`` (one set per session)."""
    http_conn = type("_PinnedHTTPConnection", (_TrackedHTTPConnection,), {"guard": guard})
    https_conn = type("_PinnedHTTPSConnection", (_TrackedHTTPSConnection,), {"guard": guard})
    http_pool = type("_PinnedHTTPPool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": http_conn})
    https_pool = type(
        "_PinnedHTTPSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": https_conn}
    )
    return {"http": http_pool, "https": https_pool}


def _abort(holder: dict[str, Any]) -> None:
    """Deadline passed: shut the socket down, so a blocked read (even of headers that
    arrive one byte at a time, each within the read timeout) returns at once."""
    holder["fired"] = True
    conn = holder.get("conn")
    for sock in (getattr(conn, "sock", None), holder.get("sock")):
        if sock is not None:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Deadlines:
    """One thread that enforces the ``page_timeout`` of every request in flight.

    A ``threading.Timer`` per request started and stopped a thread for every page (about
    0.13 ms of CPU and two thread switches each). Here a request ``arm``s its deadline and
    ``disarm``s it when done; the thread sleeps until the earliest deadline, and ends after a
    second without requests (the next request starts it again). After ``disarm`` returns, the
    deadline can no longer fire (both hold the lock), so a finished request's connection,
    back in its pool, is never cut off.
    """

    IDLE_EXIT = 1.0  # seconds without armed deadlines before the thread ends

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.armed: dict[int, tuple[float, dict[str, Any]]] = {}  # id(holder) -> deadline
        self.thread: threading.Thread | None = None

    def arm(self, seconds: float, holder: dict[str, Any]) -> None:
        deadline = time.monotonic() + seconds
        with self.cond:
            earliest = min((d for d, _h in self.armed.values()), default=None)
            self.armed[id(holder)] = (deadline, holder)
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="fetch-deadlines", daemon=True
                )
                self.thread.start()
            elif earliest is None or deadline < earliest:
                self.cond.notify()  # the thread sleeps towards a later deadline

    def disarm(self, holder: dict[str, Any]) -> None:
        with self.cond:
            self.armed.pop(id(holder), None)

    def _run(self) -> None:
        with self.cond:
            idle_since: float | None = None
            while True:
                now = time.monotonic()
                for key, (deadline, holder) in list(self.armed.items()):
                    if deadline <= now:
                        del self.armed[key]
                        _abort(holder)
                if self.armed:
                    idle_since = None
                    self.cond.wait(min(d for d, _h in self.armed.values()) - now)
                    continue
                idle_since = idle_since if idle_since is not None else now
                if now - idle_since >= self.IDLE_EXIT:
                    self.thread = None
                    return
                self.cond.wait(self.IDLE_EXIT - (now - idle_since))


_deadlines = _Deadlines()


def _build_tls_context() -> ssl.SSLContext:
    ctx = urllib3.util.ssl_.create_urllib3_context()
    ctx.load_verify_locations(DEFAULT_CA_BUNDLE)
    return ctx


# urllib3's default TLS context with certifi's CA bundle, loaded once: loading the bundle for
# every new https connection would cost milliseconds of CPU each
_default_tls_context = Once(_build_tls_context)


@dataclass(slots=True)
class _CookieRequest:
    """What requests' cookie helpers read of a request."""

    url: str
    headers: dict[str, str]


class CrawlSession:
    """One site's HTTP client over urllib3: keep-alive pools whose connections are pinned by
    the crawl's address guard, our request headers, the site's cookies, TLS verification.

    ``verify`` is True (certifi's CA bundle, as requests uses), a CA file or directory, or
    False. No proxies: environment proxies would bypass the address guard. Requests used to
    sit between us and urllib3 here; its per-request preparation cost more CPU than urllib3's
    whole request (0.65 against 0.36 ms per loopback fetch).
    """

    def __init__(self, config: CrawlConfig, guard: AddressGuard) -> None:
        self.headers: dict[str, str] = {
            "User-Agent": config.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "de,en;q=0.8",
            "Connection": "keep-alive",
        }
        self.verify: bool | str = True
        self.cookies = requests.cookies.RequestsCookieJar()
        self.pools = urllib3.PoolManager(num_pools=2, maxsize=1, block=False)
        # connections register themselves, so the per-response deadline can cut them off, and
        # connect only to addresses the guard vetted
        self.pools.pool_classes_by_scheme = _pool_classes(guard)

    def _tls(self) -> dict[str, Any]:
        if self.verify is False:
            return {"cert_reqs": "CERT_NONE", "ca_certs": None, "ca_cert_dir": None}
        if self.verify is True:  # one context with the CA bundle loaded, shared (as requests)
            return {"cert_reqs": "CERT_REQUIRED", "ssl_context": _default_tls_context()}
        where = str(self.verify)
        if os.path.isdir(where):
            return {"cert_reqs": "CERT_REQUIRED", "ca_certs": None, "ca_cert_dir": where}
        return {"cert_reqs": "CERT_REQUIRED", "ca_certs": where, "ca_cert_dir": None}

    def get(
        self, url: str, headers: dict[str, str] | None, timeout: tuple[float, float]
    ) -> urllib3.BaseHTTPResponse:
        """Send one GET (no redirects followed, no retries, body not read yet). Raises
        urllib3's exceptions and ``urllib3.exceptions.LocationParseError`` for a bad URL."""
        sent = {**self.headers, **headers} if headers else dict(self.headers)
        if len(self.cookies):
            cookie = requests.cookies.get_cookie_header(self.cookies, _CookieRequest(url, sent))
            if cookie:
                sent["Cookie"] = cookie
        target = urllib3.util.parse_url(url)
        https = target.scheme == "https"
        pool = self.pools.connection_from_host(
            target.host, target.port, target.scheme, pool_kwargs=self._tls() if https else None
        )
        resp = pool.urlopen(
            "GET",
            target.request_uri,
            headers=sent,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
        )
        try:
            requests.cookies.extract_cookies_to_jar(self.cookies, _CookieRequest(url, sent), resp)
        except Exception:  # a cookie the jar cannot take is dropped, never the page
            log.debug("cookies of %s not kept", url, exc_info=True)
        return resp

    def close(self) -> None:
        self.pools.clear()

    def __enter__(self) -> CrawlSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_session(config: CrawlConfig, guard: AddressGuard | None = None) -> CrawlSession:
    """A session for one site: our User-Agent, gzip/deflate only, no proxies from the env.

    Every connection is pinned to an address ``guard`` vetted (see the module docstring);
    without a guard, one is built from ``config`` (system DNS), so no session is unguarded.
    """
    if guard is None:
        guard = AddressGuard(
            allow_private=config.allow_private, allowed_networks=config.allowed_networks
        )
    return CrawlSession(config, guard)


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
    session: CrawlSession,
    url: str,
    config: CrawlConfig,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    html_only: bool = True,
) -> Fetched:
    """Send one GET without following redirects; read the body only for a 2xx answer.

    Raises :class:`FetchFailure` for timeouts (connect, read and the total ``page_timeout``,
    enforced by a deadline thread that shuts the socket down, so slowly dripped headers are cut
    off too), connection errors, bodies over ``max_bytes`` decoded bytes, non-HTML content
    types and unknown content encodings.
    """
    holder: dict[str, Any] = {}
    _current.holder = holder
    _deadlines.arm(config.page_timeout, holder)
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
        _deadlines.disarm(holder)
        _current.holder = None
        if holder.get("sock") is not None:
            holder["sock"].close()  # our duplicate only: the connection stays open


def _refusal(exc: BaseException) -> AddressRefused | None:
    """The :class:`AddressRefused` behind an exception (also when wrapped in another one)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, AddressRefused):
            return e
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        for nxt in (getattr(e, "reason", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return None


def _failure(exc: BaseException) -> FetchFailure:
    """The :class:`FetchFailure` for an exception of sending a request (names of the error
    types as requests named them, so crawl summaries keep their keys)."""
    refused = _refusal(exc)
    if refused is not None:
        blocked = refused.verdict.reason == "blocked_address"
        return FetchFailure(
            SkipReason.BLOCKED_ADDRESS if blocked else SkipReason.DNS_ERROR,
            refused.detail,
            error_type="AddressRefused",
        )
    if isinstance(exc, urllib3.exceptions.LocationValueError):
        return FetchFailure(SkipReason.INVALID_URL, str(exc), error_type="InvalidURL")
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        kind, reason = "ConnectionError", SkipReason.CONNECTION_ERROR
    elif isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        kind, reason = "ConnectTimeout", SkipReason.TIMEOUT
    elif isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        kind, reason = "ReadTimeout", SkipReason.TIMEOUT
    elif isinstance(exc, urllib3.exceptions.SSLError):
        kind, reason = "SSLError", SkipReason.CONNECTION_ERROR
    else:
        kind, reason = "ConnectionError", SkipReason.CONNECTION_ERROR
    return FetchFailure(reason, str(exc), retryable=True, error_type=kind)


def _fetch(
    session: CrawlSession,
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
        resp = session.get(url, headers, (config.connect_timeout, config.read_timeout))
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        raise _failure(exc) from exc
    try:
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        fetched = Fetched(url=url, status=resp.status, headers=hdrs, started=started)
        if not 200 <= resp.status < 300:
            return fetched
        mime = hdrs.get("content-type", "")
        if html_only and mime and not _is_html(mime, b""):
            raise FetchFailure(SkipReason.NOT_HTML, f"content type {mime}")
        decoder = _Decoder(hdrs.get("content-encoding", "").strip().lower(), limit)
        parts: list[bytes] = []
        raw = resp
        while True:
            if time.monotonic() > deadline:
                raise FetchFailure(
                    SkipReason.TIMEOUT,
                    f"body not complete within {config.page_timeout}s",
                    error_type="PageTimeout",
                )
            try:
                chunk = raw.read1(CHUNK, decode_content=False)
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
        # as requests did: an unread body closes the connection; a read one is back in the
        # pool already (keep-alive)
        resp.close()
        resp.release_conn()
