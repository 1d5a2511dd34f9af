"""``DemoWeb``: serve the generated websites over real HTTP on loopback addresses.

Every site listens on its own address ``127.0.A.B`` (Linux routes all of 127.0.0.0/8 to the
loopback interface), all on one port, so a crawler sees one distinct host per company and its
per-host politeness applies. A request whose ``Host`` header names a known domain is served
that domain's site whatever address it arrived on (handy behind a proxy); an unknown host
name gets 404. One selector thread accepts on all listening sockets and hands each connection
to its own thread (``ThreadingMixIn``). Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from types import TracebackType
from urllib.parse import unquote, urlsplit

from training.errors import TrainingInputError
from training.world.sites import SITES_FILE, site_url

logger = logging.getLogger(__name__)

BIND_ATTEMPTS = 5
IDLE_TIMEOUT = 30.0
NOT_FOUND = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1></body></html>"
)


@dataclass(frozen=True, slots=True)
class RequestLogEntry:
    """One served request."""

    method: str
    host: str  # the Host header (or the address when it was missing)
    address: str  # the loopback address the request arrived on
    path: str
    time: float  # time.time() when it was answered
    status: int


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    content_type: str
    etag: str
    mtime: int
    last_modified: str


@dataclass(frozen=True, slots=True)
class _Site:
    domain: str
    address: str
    files: dict[str, _File]


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: str, port: int, web: DemoWeb) -> None:
        self.web = web
        super().__init__((address, port), _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        self.web._track(request, add=True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        self.web._track(request, add=False)
        super().shutdown_request(request)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (a DNS lookup per site): skip it
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT  # idle keep-alive connections are closed after this many seconds
    server_version = "DemoWeb/1.0"
    server: _SiteServer

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)

    def _respond(self, *, head: bool) -> None:
        web = self.server.web
        address = str(self.server.server_address[0])
        host_header = self.headers.get("Host", "")
        host = host_header.rsplit(":", 1)[0].strip().lower().rstrip(".") if host_header else address
        site = web._site_for(host, address)
        path = unquote(urlsplit(self.path).path)
        file = site.files.get(_file_key(path)) if site is not None else None
        status = 404 if file is None else 304 if self._not_modified(file) else 200
        # logged before answering: a client that has its answer finds the request in the log
        web._log(
            RequestLogEntry(
                self.command, host_header or address, address, self.path, time.time(), status
            )
        )
        if file is None:
            self._send(404, NOT_FOUND, "text/html; charset=utf-8", head=head, extra={})
        elif status == 304:
            self.send_response(304)
            self.send_header("ETag", file.etag)
            self.send_header("Last-Modified", file.last_modified)
            self.end_headers()
        else:
            extra = {
                "ETag": file.etag,
                "Last-Modified": file.last_modified,
                "Cache-Control": "max-age=0",
            }
            self._send(200, file.body, file.content_type, head=head, extra=extra)

    def _not_modified(self, file: _File) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip() for t in inm.split(",")}
            return "*" in tags or file.etag in tags or f"W/{file.etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            return since is not None and file.mtime <= int(since.timestamp())
        return False

    def _send(
        self, status: int, body: bytes, ctype: str, *, head: bool, extra: dict[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _file_key(path: str) -> str:
    key = path.lstrip("/")
    if key == "" or key.endswith("/"):
        key += "index.html"
    if ".." in key.split("/"):
        return ""
    return key


class DemoWeb:
    """Serve ``web_dir`` (written by ``generate_world``) on 127.0.A.B, one address per site.

    Use as a context manager or call ``start()`` / ``stop()``. With ``port=0`` a free port is
    chosen when starting; ``port`` then holds it.
    """

    def __init__(self, web_dir: Path, port: int = 0) -> None:
        self.web_dir = Path(web_dir)
        self.port = port
        self._sites: dict[str, _Site] = {}
        self._by_address: dict[str, _Site] = {}
        self._servers: list[_SiteServer] = []
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._requests: list[RequestLogEntry] = []
        self._connections: set[socket.socket] = set()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> DemoWeb:
        if self._thread is not None:
            return self
        self._load()
        self._bind()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="demo-web", daemon=True)
        self._thread.start()
        logger.info("demo web serving %d sites on port %d", len(self._sites), self.port)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for server in self._servers:
            server.server_close()
        self._servers = []
        with self._log_lock:
            open_connections = list(self._connections)
        for conn in open_connections:  # keep-alive clients must not be served after stop()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- queries
    @property
    def domains(self) -> list[str]:
        return list(self._sites)

    def url_for(self, domain: str) -> str:
        """Where ``domain`` is served, e.g. ``http://127.0.1.5:8731/``."""
        if not self._sites:
            self._load()
        site = self._sites.get(domain.lower())
        if site is None:
            raise TrainingInputError(f"unknown demo domain: {domain}")
        if self.port == 0:
            raise TrainingInputError("the demo web is not started yet (port 0 is chosen at start)")
        return site_url(site.address, self.port)

    def write_seed_csv(self, domains: Iterable[str] | None, path: Path) -> Path:
        """Write ``domain,url`` rows (all sites when ``domains`` is None) for the crawler."""
        chosen = self.domains if domains is None else list(domains)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["domain", "url"])
            for domain in chosen:
                writer.writerow([domain, self.url_for(domain)])
        return path

    @property
    def requests(self) -> list[RequestLogEntry]:
        """A copy of the request log."""
        with self._log_lock:
            return list(self._requests)

    def clear_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    # ----------------------------------------------------------------- internals
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._log_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _log(self, entry: RequestLogEntry) -> None:
        with self._log_lock:
            self._requests.append(entry)

    def _site_for(self, host: str, address: str) -> _Site | None:
        site = self._sites.get(host)
        if site is not None:
            return site
        if host == address:
            return self._by_address.get(address)
        return None

    def _load(self) -> None:
        index = self.web_dir / SITES_FILE
        if not index.is_file():
            raise TrainingInputError(
                f"not a generated web directory (no {SITES_FILE}): {self.web_dir}"
            )
        with index.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        sites: dict[str, _Site] = {}
        for row in rows:
            site_dir = self.web_dir / row["domain"]
            charset = row.get("charset") or "utf-8"
            files: dict[str, _File] = {}
            for file in sorted(site_dir.rglob("*")):
                if file.is_file():
                    rel = file.relative_to(site_dir).as_posix()
                    ctype = "text/plain" if rel.endswith(".txt") else "text/html"
                    files[rel] = _read_file(file, f"{ctype}; charset={charset}")
            sites[row["domain"].lower()] = _Site(row["domain"], row["address"], files)
        self._sites = sites
        self._by_address = {site.address: site for site in sites.values()}

    def _bind(self) -> None:
        addresses = list(self._by_address)
        for attempt in range(BIND_ATTEMPTS):
            servers: list[_SiteServer] = []
            port = self.port
            try:
                for address in addresses:
                    server = _SiteServer(address, port, self)
                    port = int(server.server_address[1])
                    servers.append(server)
            except OSError as exc:
                for server in servers:
                    server.server_close()
                if self.port != 0 or attempt == BIND_ATTEMPTS - 1:
                    raise TrainingInputError(
                        f"cannot listen on port {self.port or port}: {exc.strerror}"
                    ) from exc
                continue
            self._servers = servers
            self.port = port
            return

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.2):
                    server = key.fileobj
                    assert isinstance(server, _SiteServer)
                    server._handle_request_noblock()


def _read_file(path: Path, content_type: str) -> _File:
    body = path.read_bytes()
    mtime = int(path.stat().st_mtime)
    return _File(
        body=body,
        content_type=content_type,
        etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
        mtime=mtime,
        last_modified=formatdate(mtime, usegmt=True),
    )
