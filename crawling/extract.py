"""Page extraction: main text, title, meta description, headings, language, page kind, imprint.

Main text comes from trafilatura (boilerplate removal: navigation, cookie banners, footers);
metadata and the line-preserving imprint text come from the same lxml tree, read before
trafilatura prunes it. Pure functions of the HTML: no I/O.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from crawling.encoding import charset_from_content_type, decode_html
from crawling.imprint import parse_imprint
from crawling.urls import page_kind

log = logging.getLogger(__name__)

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head"})
BOILERPLATE_TAGS = frozenset({"nav", "footer", "header", "aside", "form", "button"})
_WS = re.compile(r"[ \t\u00a0\u200b]+")
_IMPRINT_HINT = re.compile(r"impressum|imprint|legal notice|anbieterkennzeichnung", re.I)


@dataclass(slots=True)
class ExtractedPage:
    """What extraction found on one page (empty strings and lists, never None, for text)."""

    url: str
    main_text: str = ""
    title: str | None = None
    meta_description: str | None = None
    headings: list[str] = field(default_factory=list)
    language: str = "other"  # "de", "en" or "other"
    page_kind: str = "other"
    imprint: dict[str, Any] = field(default_factory=dict)
    charset: str | None = None
    html_lang: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, link text)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _parse(html: str) -> lxml.html.HtmlElement | None:
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        # e.g. an XML declaration with an encoding in a str: parse the bytes instead
        try:
            return lxml.html.document_fromstring(html.encode("utf-8", "replace"))
        except (lxml.etree.ParserError, ValueError):
            return None


def _meta(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or "").strip().lower()
        if key in names:
            value = _clean(el.get("content"))
            if value:
                return value
    return None


def text_with_lines(root: lxml.html.HtmlElement, *, skip_boilerplate: bool = False) -> str:
    """Visible text with a line break at every block element and ``<br>``."""
    skip = SKIP_TAGS | BOILERPLATE_TAGS if skip_boilerplate else SKIP_TAGS
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in skip or not tag:
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    lines = (_WS.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_LANGID_LOCK = threading.Lock()
_LANGID: list[Any] = []  # the loaded identifier, once


def _language_identifier():  # type: ignore[no-untyped-def]
    # py3langid loads its model lazily without a lock; many crawler threads would load it at
    # once (seconds of CPU and hundreds of MB), so load it exactly once here
    if not _LANGID:
        with _LANGID_LOCK:
            if not _LANGID:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _LANGID.append(LanguageIdentifier.from_model_file(MODEL_FILE))
    return _LANGID[0]


def detect_language(text: str, html_lang: str | None = None) -> str:
    """``de``, ``en`` or ``other`` from the text (py3langid); the ``lang`` attribute decides
    only when there is too little text."""
    sample = text[:1500]
    if len(sample.strip()) >= 40:
        lang, _score = _language_identifier().classify(sample)
        return lang if lang in ("de", "en") else "other"
    code = (html_lang or "").split("-")[0].strip().lower()
    return code if code in ("de", "en") else "other"


def _main_text(tree: lxml.html.HtmlElement, url: str | None) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(
            tree, url=url, include_comments=False, include_tables=True, deduplicate=False
        )
    except Exception:  # trafilatura is robust, but a crash must not lose the page
        log.warning("trafilatura failed on %s; using the visible text", url, exc_info=True)
        text = None
    return text or ""


def _links(tree: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    base = next((b.get("href") for b in tree.iter("base") if b.get("href")), None)
    out = []
    for a in tree.iter("a", "area"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        if base:
            href = urljoin(base, href)
        text = _clean(a.text_content() if a.tag == "a" else a.get("alt"))
        out.append((href, text or _clean(a.get("title"))))
    return out


def extract_page(
    html: bytes | str,
    url: str,
    *,
    content_type: str | None = None,
    with_links: bool = False,
) -> ExtractedPage:
    """Extract one page. ``html`` may be bytes (decoded by header, meta or detection).

    With ``with_links`` the page's links (href as written, link text) are collected too.
    """
    charset = None
    if isinstance(html, bytes):
        html, charset = decode_html(html, charset_from_content_type(content_type))
    page = ExtractedPage(url=url, charset=charset)
    tree = _parse(html)
    if tree is None:
        page.page_kind = page_kind(url)
        return page
    title_el = tree.find(".//title")
    page.title = _clean(title_el.text_content()) if title_el is not None else None
    page.title = page.title or _meta(tree, "og:title")
    page.meta_description = _meta(tree, "description", "og:description")
    headings: list[str] = []
    for el in tree.iter("h1", "h2", "h3"):
        text = _clean(el.text_content())
        if text and text not in headings and len(text) < 300:
            headings.append(text)
        if len(headings) >= 40:
            break
    page.headings = headings
    page.html_lang = tree.get("lang") or None
    if with_links:
        page.links = _links(tree)
    page.page_kind = page_kind(url, page.title or "")
    is_imprint = page.page_kind == "imprint" or bool(
        _IMPRINT_HINT.search(" ".join([page.title or "", *headings[:3]]))
    )
    if is_imprint:
        page.page_kind = "imprint"
        page.imprint = parse_imprint(text_with_lines(tree))
    page.main_text = _main_text(tree, url) or text_with_lines(tree, skip_boilerplate=True)
    page.language = detect_language(
        page.main_text or " ".join([page.title or "", *headings]), page.html_lang
    )
    return page


_WARM_UP_HTML = (
    "<html><body><main><p>" + "Warm-up text for the extractor. " * 4 + "</p></main></body></html>"
)


def warm_up() -> None:
    """Import trafilatura and load the language model now (about a second), so the first
    pages of a crawl do not wait for them. Safe to call from any thread, any number of times."""
    extract_page(_WARM_UP_HTML, "http://warm-up.invalid/")
