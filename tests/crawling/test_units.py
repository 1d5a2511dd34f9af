"""Unit tests of the crawler's pure parts: URLs, the address guard, decoding, fetch helpers."""

from __future__ import annotations

import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from crawling.encoding import decode_html, looks_binary
from crawling.errors import CrawlInputError
from crawling.fetch import FetchFailure, _Decoder, retry_after_seconds
from crawling.guard import AddressGuard, is_public
from crawling.outcomes import SkipReason
from crawling.urls import (
    link_priority,
    normalize_url,
    page_kind,
    registrable_domain,
    seed_from_value,
    start_urls,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.Acme.DE:80/a/../b/./c?utm_source=x&b=2&a=1#top", "http://www.acme.de/b/c?a=1&b=2"),
        ("https://acme.de:443", "https://acme.de/"),
        ("https://acme.de:8443/x?gclid=1&fbclid=2", "https://acme.de:8443/x"),
        ("https://acme.de//produkte//pumpen/", "https://acme.de/produkte/pumpen/"),
        ("https://acme.de/%C3%BCber uns", "https://acme.de/%C3%BCber%20uns"),
        ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
        ("mailto:info@acme.de", None),
        ("javascript:void(0)", None),
        ("ftp://acme.de/file", None),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("https://acme.de/index.html", "https://acme.de/"),
        ("https://acme.de/de/Index.htm#x", "https://acme.de/de/"),
        ("https://acme.de/index.php?id=3", "https://acme.de/index.php?id=3"),
    ],
)  # fmt: skip
def test_normalize_url(raw: str, expected: str | None) -> None:
    assert normalize_url(raw) == expected


def test_normalize_relative_and_idempotent() -> None:
    url = normalize_url("../ueber-uns?PHPSESSID=abc#team", base="https://acme.de/de/produkte/")
    assert url == "https://acme.de/de/ueber-uns"
    assert normalize_url(url) == url


def test_registrable_domain() -> None:
    assert registrable_domain("www.shop.acme.co.uk") == "acme.co.uk"
    assert registrable_domain("Blog.Acme.DE.") == "acme.de"
    assert registrable_domain("127.0.0.5") == "127.0.0.5"


def test_seeds() -> None:
    s = seed_from_value("http://127.0.0.5:8080/", {"name": "x"})
    assert (s.domain, s.url, s.attributes) == (
        "127.0.0.5:8080",
        "http://127.0.0.5:8080/",
        {"name": "x"},
    )
    bare = seed_from_value(" Acme.DE ")
    assert bare.domain == "acme.de" and start_urls(bare) == ["https://acme.de/", "http://acme.de/"]
    assert start_urls(seed_from_value("acme.de", url="http://127.0.1.5:8731")) == [
        "http://127.0.1.5:8731/"
    ]
    for bad in ["", "not a domain", "acme.de/path", "ftp://acme.de"]:
        with pytest.raises(CrawlInputError):
            seed_from_value(bad)


def test_link_priority_prefers_topical_german_and_english_pages() -> None:
    base = "https://acme.de"
    ranked = sorted(
        [
            (f"{base}/blog/2020/05/post", "Neuigkeiten"),
            (f"{base}/datenschutz", "Datenschutz"),
            (f"{base}/unternehmen", "Über uns"),
            (f"{base}/en/products", "Products"),
            (f"{base}/impressum", "Impressum"),
            (f"{base}/katalog.pdf", "Produkte"),
        ],
        key=lambda x: -link_priority(x[0], x[1], 1),
    )
    order = [u.rsplit("/", 1)[1] for u, _ in ranked]
    assert order[:3] == ["unternehmen", "products", "impressum"]
    assert order[-1] == "katalog.pdf" and order.index("datenschutz") > order.index("post")


@pytest.mark.parametrize(
    ("url", "kind"),
    [("https://a.de/", "home"), ("https://a.de/ueber-uns", "about"),
     ("https://a.de/impressum", "imprint"), ("https://a.de/en/solutions/x", "solutions"),
     ("https://a.de/branchen", "industries"), ("https://a.de/zufall", "other")],
)  # fmt: skip
def test_page_kind(url: str, kind: str) -> None:
    assert page_kind(url) == kind


def test_guard_refuses_private_targets_via_resolver(resolver) -> None:
    guard = AddressGuard(resolver=resolver)
    hosts = ["intranet.corp.test", "metadata.cloud.test", "mixed.test", "multicast.test",
             "v6local.test", "127.0.0.1", "10.0.0.1", "169.254.169.254", "::1",
             "0.0.0.0"]  # fmt: skip
    for host in hosts:
        verdict = guard.check(host)
        assert not verdict.allowed and verdict.reason == "blocked_address", host
    assert guard.check("public.test").allowed
    assert guard.check("unknown.test").reason.startswith("dns_error")
    # loopback only, when the operator says so
    lo = AddressGuard(resolver=resolver, allowed_networks=("127.0.0.0/8",))
    assert lo.check("127.0.0.9").allowed and not lo.check("intranet.corp.test").allowed
    assert AddressGuard(resolver=resolver, allow_private=True).check("intranet.corp.test").allowed


def test_is_public_ipv4_mapped() -> None:
    import ipaddress

    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert is_public(ipaddress.ip_address("93.184.216.34"))


def test_decode_html_order() -> None:
    text = "Größe und Qualität"
    assert decode_html(text.encode("utf-8")) == (text, "utf-8")
    assert decode_html(text.encode("latin-1"))[0] == text
    # the header wins over the meta tag; a wrong label falls through to detection
    meta = f'<meta charset="iso-8859-1"><p>{text}</p>'
    assert decode_html(meta.encode("latin-1"))[0].endswith(f"{text}</p>")
    assert decode_html(meta.encode("utf-8"), "utf-8")[1] == "utf-8"
    assert decode_html(text.encode("utf-8"), "ascii")[0] == text
    assert decode_html(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8")


def test_looks_binary() -> None:
    assert looks_binary(bytes(range(256)) * 10)
    assert not looks_binary("Größe <p>text</p>\n\t".encode())


def test_decoder_caps_decoded_bytes() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    dec = _Decoder("gzip", limit=100_000)
    with pytest.raises(FetchFailure) as exc:
        for i in range(0, len(bomb), 4096):
            dec.feed(bomb[i : i + 4096])
    assert exc.value.reason is SkipReason.TOO_LARGE and dec.total <= 100_001
    raw = zlib.compressobj(wbits=-15)
    data = raw.compress(b"<p>hallo</p>") + raw.flush()
    ok = _Decoder("deflate", limit=1000)  # raw deflate without zlib header is accepted too
    assert ok.feed(data) + ok.obj.flush() == b"<p>hallo</p>"
    with pytest.raises(FetchFailure) as exc2:
        _Decoder("br", limit=10)
    assert exc2.value.reason is SkipReason.UNSUPPORTED_ENCODING


def test_retry_after() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_one_deadline_thread_fires_due_deadlines_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from crawling import fetch

    monkeypatch.setattr(fetch._Deadlines, "IDLE_EXIT", 0.2)
    deadlines = fetch._Deadlines()
    late, early, done = {}, {}, {}
    deadlines.arm(0.3, late)
    thread = deadlines.thread
    deadlines.arm(0.05, early)  # earlier than the one the thread sleeps towards
    deadlines.arm(0.05, done)
    deadlines.disarm(done)  # finished in time: must never be cut off
    time.sleep(0.15)
    assert early.get("fired") and not late.get("fired") and not done.get("fired")
    assert deadlines.thread is thread  # one thread for all of them
    time.sleep(0.25)
    assert late.get("fired")
    thread.join(1.0)  # no deadline armed for IDLE_EXIT: the thread ends
    assert not thread.is_alive() and deadlines.thread is None
    again: dict = {}
    deadlines.arm(5.0, again)  # and starts again with the next request
    assert deadlines.thread is not None and deadlines.thread.is_alive()
    deadlines.disarm(again)


def test_sessions_verify_tls_with_one_shared_ca_context() -> None:
    import ssl

    from crawling.config import CrawlConfig
    from crawling.fetch import make_session

    with make_session(CrawlConfig()) as one, make_session(CrawlConfig()) as two:
        a, b = one._tls(), two._tls()
        assert a["cert_reqs"] == "CERT_REQUIRED" and a["ssl_context"] is b["ssl_context"]
        assert a["ssl_context"].verify_mode == ssl.CERT_REQUIRED
        assert a["ssl_context"].cert_store_stats()["x509_ca"] > 100  # certifi's bundle
        one.verify = "/some/ca.pem"
        assert one._tls() == {"cert_reqs": "CERT_REQUIRED", "ca_certs": "/some/ca.pem",
                              "ca_cert_dir": None}  # fmt: skip
        one.verify = False
        assert one._tls()["cert_reqs"] == "CERT_NONE"


def test_long_urls_bypass_the_normalisation_cache() -> None:
    from crawling.urls import _normalize_absolute, normalize_url

    before = _normalize_absolute.cache_info().currsize
    long_path = "/x" * 5000
    assert normalize_url(long_path, "https://acme.test/") == f"https://acme.test{long_path}"
    assert _normalize_absolute.cache_info().currsize == before
    normalize_url("/short-and-new-7f3a", "https://acme.test/")
    assert _normalize_absolute.cache_info().currsize == before + 1
