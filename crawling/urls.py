"""URL handling: normalisation, registrable domains, seeds, link priority and page kinds."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from crawling.config import Seed
from crawling.errors import CrawlInputError
from crawling.once import Once

TRACKING_PARAMS = frozenset(
    {
        "gclid", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "wickedid", "ref_src", "sessionid", "phpsessid", "jsessionid",
        "sid", "cid", "zanpid", "s_kwcid", "ef_id", "trk", "si",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "matomo_", "piwik_")
DEFAULT_PORTS = {"http": 80, "https": 443}
DIRECTORY_INDEXES = frozenset({"index.html", "index.htm", "index.php"})

# (page kind, weight, words in link text or URL path; German and English)
PAGE_KINDS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("about", 10.0, ("about", "über uns", "ueber-uns", "uber-uns", "ueber_uns", "unternehmen",
                     "company", "who we are", "wir über uns", "profil", "firmenprofil")),
    ("products", 9.0, ("products", "produkte", "product", "produkt", "sortiment")),
    ("services", 9.0, ("services", "leistungen", "service", "leistung", "dienstleistungen")),
    ("solutions", 8.0, ("solutions", "lösungen", "loesungen", "losungen", "solution", "lösung")),
    ("industries", 7.0, ("industries", "branchen", "industry", "branche", "märkte", "markets")),
    ("references", 6.0, ("references", "referenzen", "referenz", "case studies", "case-studies",
                         "kunden", "customers", "projekte", "projects")),
    ("imprint", 8.5, ("impressum", "imprint", "legal notice", "legal-notice", "site notice",
                      "anbieterkennzeichnung")),
    ("contact", 2.0, ("kontakt", "contact")),
    ("careers", -2.0, ("karriere", "careers", "jobs", "stellenangebote")),
    ("privacy", -4.0, ("datenschutz", "privacy", "cookie", "agb", "terms")),
)  # fmt: skip
NEGATIVE_PATH = re.compile(
    r"(login|logout|signin|sign-in|register|cart|warenkorb|checkout|/tag/|/tags/|/feed|"
    r"\.(pdf|jpe?g|png|gif|svg|webp|zip|gz|mp4|mp3|docx?|xlsx?|pptx?|css|js|xml|ico)$)",
    re.I,
)
_SLASHES = re.compile(r"/{2,}")


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute, normalised http(s) URL, or None when ``url`` is not a crawlable web URL.

    Lower-cases scheme and host, drops default ports, fragments, tracking parameters, dot
    segments and a directory index file name (``index.html``, ``index.htm``, ``index.php``
    without a query), sorts the query and percent-encodes consistently.
    """
    url = url.strip()
    if base is not None:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    if len(url) > _CACHED_URL_LENGTH:  # hostile pages: never let long links fill the cache
        return _normalize_absolute.__wrapped__(url)
    return _normalize_absolute(url)


_CACHED_URL_LENGTH = 2048


@lru_cache(maxsize=32768)
def _normalize_absolute(url: str) -> str | None:
    """:func:`normalize_url` of a joined URL; cached, since a site's navigation links recur on
    every one of its pages (a pure function of a short string, so the cache is safe; URLs over
    ``_CACHED_URL_LENGTH`` characters bypass it, so its memory stays bounded)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _SLASHES.sub("/", parts.path or "/")
    path = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    path = "/" if path in (".", "//") else path
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    tail = path.rsplit("/", 1)[1].lower()
    if tail in DIRECTORY_INDEXES and not parts.query:
        path = path[: -len(tail)]  # "/de/index.html" is the page "/de/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _build_extractor():  # type: ignore[no-untyped-def]
    import tldextract

    # the bundled public-suffix snapshot: never fetched over the network
    ext = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    ext("warm-up.example.com")
    return ext


# tldextract loads its suffix list lazily on the first call, and crawler threads starting
# together would each build it (about 0.2 s of CPU each)
_extractor = Once(_build_extractor)


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """``www.shop.acme.co.uk`` -> ``acme.co.uk``; IP addresses and single labels stay as is."""
    host = host.lower().rstrip(".").strip("[]")
    ext = _extractor()(host)
    if not ext.suffix or not ext.domain:
        return host
    return f"{ext.domain}.{ext.suffix}"


def same_site(url: str, site_host: str) -> bool:
    """True when ``url`` is on the same registrable domain as ``site_host``."""
    host = urlsplit(url).hostname or ""
    return registrable_domain(host) == registrable_domain(site_host)


def seed_from_value(value: str, attributes: dict | None = None, url: str | None = None) -> Seed:
    """A seed from a ``domain`` cell (bare domain or URL) and an optional ``url`` cell."""
    raw = (value or "").strip()
    if not raw:
        raise CrawlInputError("empty domain value")
    if "://" in raw:
        norm = normalize_url(raw)
        if norm is None:
            raise CrawlInputError(f"domain {raw!r} is not an http(s) URL")
        domain = urlsplit(norm).netloc
        url = url or norm
    else:
        domain = raw.lower().rstrip("/").rstrip(".")
        if "/" in domain or " " in domain or ("." not in domain and domain != "localhost"):
            raise CrawlInputError(f"domain {raw!r} is not a host name")
    if url:
        norm_url = normalize_url(url)
        if norm_url is None:
            raise CrawlInputError(f"url {url!r} for domain {raw!r} is not an http(s) URL")
        url = norm_url
    return Seed(domain=domain, url=url, attributes=dict(attributes or {}))


def start_urls(seed: Seed) -> list[str]:
    """Home-page URLs to try in order: the seed's URL, else https then http."""
    if seed.url:
        return [seed.url]
    return [f"https://{seed.domain}/", f"http://{seed.domain}/"]


def page_kind(url: str, text: str = "") -> str:
    """Kind of page from its URL path and link text or title (home, about, imprint, ...)."""
    path = unquote(urlsplit(url).path).lower()
    if path in ("", "/", "/index.html", "/index.php", "/de/", "/en/", "/home", "/start"):
        return "home"
    hay = f"{path} {text.lower()}"
    for kind, _weight, words in PAGE_KINDS:
        if any(w in hay for w in words):
            return kind
    return "other"


def link_priority(url: str, text: str, depth: int) -> float:
    """Higher is fetched first: topical German/English words in link text (x2) or path."""
    path = unquote(urlsplit(url).path).lower()
    text = " ".join(text.lower().split())
    if NEGATIVE_PATH.search(path):
        return -10.0
    score = 0.0
    for _kind, weight, words in PAGE_KINDS:
        if any(w in text for w in words):
            score += 2 * weight
        elif any(w in path for w in words):
            score += weight
    return score - 0.5 * depth - 0.01 * path.count("/") - 0.001 * len(url)
