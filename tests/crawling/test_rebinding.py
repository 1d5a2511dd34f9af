"""DNS rebinding: connections go to the address the guard vetted, never to a second DNS answer.

A hostile DNS is simulated for both lookup paths: the injected resolver of the guard and
``socket.getaddrinfo`` (what requests/urllib3 would use to connect). Names under
``rebind.test`` exist only there. Servers on 127.0.0.1 are allowed targets; the servers on
127.0.0.2 stand for an internal address and count every TCP connection they accept.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crawling import CrawlConfig, Seed, crawl
from crawling.fetch import FetchFailure, _default_tls_context, fetch_once, make_session
from crawling.guard import AddressGuard
from crawling.outcomes import SkipReason
from crawling.schema import crawl_frontier
from crawling.store import load_pages
from tests.crawling.webserver import Site, Web, html

ALLOWED = ("127.0.0.1/32",)  # 127.0.0.2 (the "internal" server) stays refused
PAGE = "<main><h1>{0}</h1><p>Wir fertigen Getriebe und Antriebe für den Maschinenbau.</p></main>"


class HostileDNS:
    """Per name a list of answers: call n gets answer n, the last one repeats."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self.table = table
        self.calls: Counter[str] = Counter()
        self.system_lookups: list[str] = []  # names that reached socket.getaddrinfo
        self.lock = threading.Lock()

    def answer(self, host: str) -> list[str]:
        with self.lock:
            answers = self.table.get(host)
            if answers is None:
                raise OSError(f"hostile dns: unknown host {host}")
            n = self.calls[host]
            self.calls[host] += 1
        return answers[min(n, len(answers) - 1)]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> HostileDNS:
    """Also answers ``socket.getaddrinfo`` for names (IP literals go to the real function), so
    a second resolution by the HTTP stack would get the later, rebound answer."""
    dns = HostileDNS({})
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.strip("[]").split("%")[0])
        except ValueError:
            pass
        else:
            return real(host, port, *args, **kwargs)
        with dns.lock:
            dns.system_lookups.append(name)
        try:
            addrs = dns.answer(name)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        p = int(port) if port else 0
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, p)) for a in addrs]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return dns


def _pair(web: Web, site: Site) -> tuple[int, str, str]:
    """The same site on 127.0.0.1:P (allowed) and 127.0.0.2:P (internal); returns P and bases."""
    good = web.serve(site, "127.0.0.1")
    port = int(good.rstrip("/").rsplit(":", 1)[1])
    bad = web.serve(site, "127.0.0.2", port)
    return port, good, bad


def _home(*links: str) -> tuple[int, dict[str, str], bytes]:
    anchors = " ".join(f'<a href="{href}">{href.strip("/")}</a>' for href in links)
    return html(f"<nav>{anchors}</nav>" + PAGE.format("Startseite"), "Home")


def _config(**kwargs: Any) -> CrawlConfig:
    base: dict[str, Any] = dict(
        delay=0.05,
        connect_timeout=2,
        read_timeout=2,
        page_timeout=3,
        retries=0,
        allowed_networks=ALLOWED,
    )
    return CrawlConfig(**(base | kwargs))


def test_crawl_reaches_a_name_only_the_guard_can_resolve(
    web: Web, dns: HostileDNS, sqlite_engine: sa.Engine
) -> None:
    # (a) system DNS (getaddrinfo) knows no rebind.test name; only the injected resolver does
    site = Site(
        routes={
            "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
            "/": _home("/produkte", "/leistungen"),
            "/produkte": html(PAGE.format("Produkte"), "Produkte"),
            "/leistungen": html(PAGE.format("Leistungen"), "Leistungen"),
        }
    )
    base = web.serve(site)
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    asked: list[str] = []

    def resolver(host: str) -> list[str]:
        asked.append(host)
        return {"shop.rebind.test": ["127.0.0.1"]}[host]

    summary = crawl(
        [Seed("shop.rebind.test", f"http://shop.rebind.test:{port}/")],
        sqlite_engine,
        _config(allowed_networks=("127.0.0.0/8",)),
        resolver=resolver,
    )
    assert summary.pages_stored == 3, summary.as_dict()
    reqs = web.requests_to(base)
    assert sorted(r.path for r in reqs) == ["/", "/leistungen", "/produkte", "/robots.txt"]
    # the name stays in the Host header; the socket went to the vetted address
    assert {r.headers["Host"] for r in reqs} == {f"shop.rebind.test:{port}"}
    assert dns.system_lookups == []  # no second resolution of any name
    assert asked == ["shop.rebind.test"]  # one verdict per host for the crawl
    assert {p.url for p in load_pages(sqlite_engine)["shop.rebind.test"]} == {
        f"http://shop.rebind.test:{port}/",
        f"http://shop.rebind.test:{port}/produkte",
        f"http://shop.rebind.test:{port}/leistungen",
    }


@pytest.mark.parametrize("injected", [True, False], ids=["injected_resolver", "system_dns"])
def test_rebinding_answers_never_reach_a_refused_address(
    web: Web, dns: HostileDNS, sqlite_engine: sa.Engine, injected: bool
) -> None:
    # (b) first answer allowed (127.0.0.1), every later answer refused (127.0.0.2)
    site = Site(
        routes={
            "/": _home("/produkte", "/leistungen", "/referenzen"),
            "/produkte": html(PAGE.format("Produkte")),
            "/leistungen": html(PAGE.format("Leistungen")),
            "/referenzen": html(PAGE.format("Referenzen")),
        }
    )
    port, good, bad = _pair(web, site)
    dns.table["shop.rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    summary = crawl(
        [Seed("shop.rebind.test", f"http://shop.rebind.test:{port}/")],
        sqlite_engine,
        _config(),
        resolver=dns.answer if injected else None,
    )
    assert web.connections_to(bad) == 0 and web.requests_to(bad) == []
    assert summary.pages_stored == 4, summary.as_dict()
    assert len(web.requests_to(good)) == 5  # robots.txt and four pages, all to the vetted one
    assert dns.calls["shop.rebind.test"] == 1


def test_every_connection_is_checked_when_it_is_opened(web: Web, dns: HostileDNS) -> None:
    # the fetch layer itself refuses: a new connection asks the guard, whatever the caller did
    port, good, bad = _pair(web, Site(routes={"/": html(PAGE.format("Start"))}))
    dns.table["shop.rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    cfg = _config()
    url = f"http://shop.rebind.test:{port}/"
    with make_session(cfg, AddressGuard(allowed_networks=ALLOWED, resolver=dns.answer)) as s:
        assert fetch_once(s, url, cfg).status == 200
    # a fresh guard gets the rebound answer: refused before any socket is opened
    with (
        make_session(cfg, AddressGuard(allowed_networks=ALLOWED, resolver=dns.answer)) as s,
        pytest.raises(FetchFailure) as refused,
    ):
        fetch_once(s, url, cfg)
    assert refused.value.reason is SkipReason.BLOCKED_ADDRESS and not refused.value.retryable
    # a session made without a guard gets one from the config (system DNS, loopback refused)
    with make_session(CrawlConfig()) as s, pytest.raises(FetchFailure) as default:
        fetch_once(s, good, cfg)
    assert default.value.reason is SkipReason.BLOCKED_ADDRESS
    # and an unknown name is a DNS error, not a connection to anything
    with make_session(cfg) as s, pytest.raises(FetchFailure) as unknown:
        fetch_once(s, f"http://nowhere.rebind.test:{port}/", cfg)
    assert unknown.value.reason is SkipReason.DNS_ERROR
    assert web.connections_to(good) == 1 and web.connections_to(bad) == 0


def test_redirects_to_refused_addresses_stay_refused(
    web: Web, dns: HostileDNS, sqlite_engine: sa.Engine
) -> None:
    # (c) every hop is vetted and pinned: a name of a refused address, a refused literal, and a
    # home page that moves to a name whose later answers are refused
    site = Site()
    port, good, bad = _pair(web, site)  # routes filled in below, once the port is known
    site.routes.update(
        {
            "/": _home("/produkte", "/leistungen", "/referenzen"),
            "/produkte": (302, {"Location": f"http://evil.rebind.test:{port}/x"}, b""),
            "/leistungen": (302, {"Location": f"http://127.0.0.2:{port}/x"}, b""),
            "/referenzen": html(PAGE.format("Referenzen")),
            "/move": (301, {"Location": f"http://flip.rebind.test:{port}/moved"}, b""),
            "/moved": html(PAGE.format("Neue Adresse")),
        }
    )
    dns.table.update(
        {
            "shop.rebind.test": [["127.0.0.1"]],
            "www.rebind.test": [["127.0.0.1"]],
            "evil.rebind.test": [["127.0.0.2"]],
            "flip.rebind.test": [["127.0.0.1"], ["127.0.0.2"]],
        }
    )
    seeds = [
        Seed("shop.rebind.test", f"http://shop.rebind.test:{port}/"),
        Seed("www.rebind.test", f"http://www.rebind.test:{port}/move"),
    ]
    summary = crawl(seeds, sqlite_engine, _config(), resolver=dns.answer)

    assert web.connections_to(bad) == 0 and web.requests_to(bad) == []
    with sqlite_engine.connect() as conn:
        rows = conn.execute(
            sa.select(crawl_frontier.c.url, crawl_frontier.c.status, crawl_frontier.c.skip_reason)
        ).all()
    status = {r.url.split("/", 3)[3]: (r.status, r.skip_reason) for r in rows}
    assert status["produkte"] == ("skipped", "blocked_address")
    assert status["leistungen"] == ("skipped", "blocked_address")
    assert status["referenzen"] == ("done", None)
    assert status["move"] == ("done", None)  # stored under its frontier URL, fetched at /moved
    stored = load_pages(sqlite_engine)
    (moved,) = stored["www.rebind.test"]
    assert moved.final_url == f"http://flip.rebind.test:{port}/moved"
    assert summary.skipped["blocked_address"] == 2
    flip = [r for r in web.requests_to(good) if r.headers["Host"].startswith("flip.")]
    assert [r.path for r in flip] == ["/robots.txt", "/moved"]


@pytest.fixture(scope="module")
def shop_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for shop.rebind.test only (also the client's trust anchor)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not found")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=shop.rebind.test", "-addext", "subjectAltName=DNS:shop.rebind.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_keeps_sni_and_certificate_check_on_the_name(
    web: Web, dns: HostileDNS, shop_cert: tuple[Path, Path]
) -> None:
    cert, key = shop_cert
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    sni: list[str | None] = []
    tls.sni_callback = lambda _sock, name, _ctx: sni.append(name)  # type: ignore[assignment]
    base = web.serve(Site(routes={"/": html(PAGE.format("Sicher"))}), tls=tls)
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    names = {"shop.rebind.test": ["127.0.0.1"], "other.rebind.test": ["127.0.0.1"]}
    guard = AddressGuard(allowed_networks=ALLOWED, resolver=lambda h: names[h])
    cfg = _config()

    def get(url: str) -> int:
        with make_session(cfg, guard) as session:
            session.verify = str(cert)
            return fetch_once(session, url, cfg).status

    # connected to 127.0.0.1, verified as shop.rebind.test: the certificate has no IP entry
    assert get(f"https://shop.rebind.test:{port}/") == 200
    assert sni == ["shop.rebind.test"]
    (req,) = web.requests_to(base)
    assert req.headers["Host"] == f"shop.rebind.test:{port}"
    # the same address under another name: the hostname check fails, nothing is fetched
    with pytest.raises(FetchFailure) as mismatch:
        get(f"https://other.rebind.test:{port}/")
    assert mismatch.value.reason is SkipReason.CONNECTION_ERROR
    assert "certificate" in mismatch.value.detail.lower() or "hostname" in mismatch.value.detail
    assert sni[-1] == "other.rebind.test"
    assert len(web.requests_to(base)) == 1
    assert dns.system_lookups == []


def test_default_verification_refuses_an_untrusted_certificate_and_keeps_the_shared_context(
    web: Web, dns: HostileDNS, shop_cert: tuple[Path, Path]
) -> None:
    """Real handshakes over the default (certifi) context, shared by every https connection:
    a self-signed certificate is refused each time, and the context stays verifying (urllib3
    writes to the context it is given per connection)."""
    cert, key = shop_cert
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    base = web.serve(Site(routes={"/": html(PAGE.format("Sicher"))}), tls=tls)
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    guard = AddressGuard(
        allowed_networks=ALLOWED, resolver=lambda h: {"shop.rebind.test": ["127.0.0.1"]}[h]
    )
    cfg = _config()
    for _ in range(2):  # two sessions, two connections over the one shared context
        with make_session(cfg, guard) as session:
            assert session.verify is True
            shared = session._tls()["ssl_context"]
            assert shared is _default_tls_context()  # one context for every session
            with pytest.raises(FetchFailure) as refused:
                fetch_once(session, f"https://shop.rebind.test:{port}/", cfg)
        assert refused.value.reason is SkipReason.CONNECTION_ERROR
        assert "certificate" in refused.value.detail.lower()
        assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname
    assert web.requests_to(base) == []  # no request got past a handshake
    assert dns.system_lookups == []


def test_page_timeout_holds_through_a_slow_tls_handshake(shop_cert: tuple[Path, Path]) -> None:
    """The deadline fires while the TLS handshake is still running (before any request owns
    the connection): the socket is cut then, not left to dripped headers afterwards."""
    import time

    cert, key = shop_cert
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            stop.wait(1.5)  # the client waits for the ServerHello meanwhile
            with tls.wrap_socket(conn, server_side=True) as s:
                s.settimeout(5)
                s.recv(4096)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n":
                    if stop.wait(0.4):
                        return
                    s.sendall(bytes([byte]))
        except OSError:
            pass
        finally:
            conn.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    guard = AddressGuard(allowed_networks=ALLOWED, resolver=lambda h: ["127.0.0.1"])
    cfg = _config(page_timeout=1.0, read_timeout=2)
    started = time.monotonic()
    try:
        with make_session(cfg, guard) as session:
            session.verify = str(cert)
            with pytest.raises(FetchFailure) as failure:
                fetch_once(session, f"https://shop.rebind.test:{port}/", cfg)
    finally:
        stop.set()
        listener.close()
        server.join(5)
    elapsed = time.monotonic() - started
    assert failure.value.reason is SkipReason.TIMEOUT
    assert elapsed < 3.0, f"page_timeout 1 s, fetch took {elapsed:.1f} s"
