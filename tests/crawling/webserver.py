"""A small scriptable web for crawler tests: real HTTP servers on 127.0.0.0/8 with a request log."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A handler gets the request and returns (status, headers, body) or writes itself (returns None)
Route = Callable[["Handler"], tuple[int, dict[str, str], bytes] | None]


@dataclass
class LoggedRequest:
    time: float
    host: str  # host:port the request was sent to
    path: str
    headers: dict[str, str]


@dataclass
class Site:
    """One web site: routes by exact path, a fallback for other paths."""

    routes: dict[str, Route | tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    fallback: Route | None = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def handle(self) -> None:
        # the crawler hangs up on purpose (size or time cap)
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def do_GET(self) -> None:
        srv = self.server
        host = f"{srv.server_address[0]}:{srv.server_address[1]}"
        with srv.web.lock:
            srv.web.log.append(
                LoggedRequest(time.monotonic(), host, self.path, dict(self.headers.items()))
            )
        site = srv.site
        route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
        if route is None:
            route = site.fallback
        if route is None:
            self.respond(404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>")
            return
        result = route(self) if callable(route) else route
        if result is not None:
            self.respond(*result)

    def respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if not any(k.lower() == "content-length" for k in headers):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], site: Site, web: Web) -> None:
        super().__init__(addr, Handler)
        self.site = site
        self.web = web
        self.connections = 0  # TCP connections accepted

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.web.lock:
            self.connections += 1
        return True


class Web:
    """Start sites on loopback addresses; ``log`` holds every request any of them received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[LoggedRequest] = []
        self.servers: list[_Server] = []

    def serve(
        self, site: Site, ip: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> str:
        """Serve ``site`` on ``ip:port`` (0: any free port), over TLS when ``tls`` is given."""
        srv = _Server((ip, port), site, self)
        if tls is not None:  # the handshake runs on accept; a failed one drops the connection
            srv.socket = tls.wrap_socket(srv.socket, server_side=True)
        threading.Thread(
            target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.servers.append(srv)
        scheme = "https" if tls is not None else "http"
        return f"{scheme}://{ip}:{srv.server_address[1]}/"

    def requests_to(self, base: str) -> list[LoggedRequest]:
        netloc = base.split("//", 1)[1].rstrip("/")
        with self.lock:
            return [r for r in self.log if r.host == netloc]

    def connections_to(self, base: str) -> int:
        """TCP connections the server at ``base`` accepted (requests or not)."""
        netloc = base.split("//", 1)[1].rstrip("/")
        with self.lock:
            return sum(
                s.connections
                for s in self.servers
                if f"{s.server_address[0]}:{s.server_address[1]}" == netloc
            )

    def close(self) -> None:
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


def html(body: str, title: str = "Page", extra_head: str = "") -> tuple[int, dict[str, str], bytes]:
    doc = (
        f"<!doctype html><html><head><title>{title}</title>{extra_head}</head>"
        f"<body>{body}</body></html>"
    )
    return 200, {"Content-Type": "text/html; charset=utf-8"}, doc.encode("utf-8")
