"""Page extraction: main text, title, meta description, headings, language, page kind, imprint.

Main text comes from trafilatura (boilerplate removal: navigation, cookie banners, footers);
metadata and the line-preserving imprint text come from the same lxml tree, read before
trafilatura prunes it. Pure functions of the HTML: no I/O.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from crawling.encoding import charset_from_content_type, decode_html
from crawling.imprint import parse_imprint
from crawling.once import Once
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


def _load_language_identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)


# py3langid loads its model lazily without a lock; many crawler threads would load it at once
# (seconds of CPU and hundreds of MB), so it is loaded exactly once here
_language_identifier = Once(_load_language_identifier)


# Frequent function words of one language that are rare as words of the other and of the
# languages nearest to it (French "des", Dutch "als" / "wie" / "is" / "we" are left out); the
# declared-language shortcut below only trusts a page's ``lang`` when these agree with it.
_FUNCTION_WORDS = {
    "de": frozenset({
        "der", "die", "das", "und", "ist", "nicht", "mit", "für", "auf", "den", "dem", "sich",
        "von", "zu", "ein", "eine", "einer", "eines", "einem", "wir", "sie", "auch", "im", "bei",
        "aus", "nach", "über", "unsere", "unser", "unseren", "werden", "wird", "sind", "oder",
        "noch", "nur", "durch", "sowie", "zur", "zum", "vom", "ihre", "ihr", "ihren", "können",
        "kann", "mehr", "sehr",
    }),
    "en": frozenset({
        "the", "and", "of", "to", "for", "with", "are", "our", "you", "your", "that", "this",
        "from", "by", "at", "be", "it", "not", "can", "has", "have", "more", "their", "they",
        "which", "about", "what", "were", "been", "would", "there", "into",
    }),
}  # fmt: skip
_WORDS = re.compile(r"[^\W\d_]+")
# the shortcut needs this many function words of the declared language in the sample, at least
# this share of its words, and this many times the other language's function words
SHORTCUT_MIN_HITS = 5
SHORTCUT_MIN_SHARE = 0.10
SHORTCUT_RATIO = 4.0


def declared_language_holds(sample: str, declared: str) -> bool:
    """True when the text clearly reads as the declared ``de`` / ``en``: many function words
    of that language, next to none of the other. Cheap (a word split and set look-ups)."""
    other = "en" if declared == "de" else "de"
    words = _WORDS.findall(sample.lower())
    own = sum(1 for w in words if w in _FUNCTION_WORDS[declared])
    theirs = sum(1 for w in words if w in _FUNCTION_WORDS[other])
    return (
        own >= SHORTCUT_MIN_HITS
        and own >= SHORTCUT_MIN_SHARE * len(words)
        and own >= SHORTCUT_RATIO * theirs
    )


def _declared(html_lang: str | None) -> str:
    return (html_lang or "").split("-")[0].split("_")[0].strip().lower()


def detect_language(text: str, html_lang: str | None = None) -> str:
    """``de``, ``en`` or ``other``.

    With enough text (40 characters): a declared ``lang`` of ``de`` or ``en`` is taken when the
    text's function words agree with it (:func:`declared_language_holds`); otherwise (no
    ``lang``, another language, or text that contradicts it) py3langid decides from the text.
    With too little text, the ``lang`` attribute decides alone.
    """
    sample = text[:1500]
    code = _declared(html_lang)
    if len(sample.strip()) >= 40:
        if code in ("de", "en") and declared_language_holds(sample, code):
            return code
        return identify_language(sample)
    return code if code in ("de", "en") else "other"


def identify_language(sample: str) -> str:
    """``de``, ``en`` or ``other`` by py3langid alone (no shortcut)."""
    lang, _score = _language_identifier().classify(sample)
    return lang if lang in ("de", "en") else "other"


_TRAFILATURA_OPTIONS: list[Any] = []  # one trafilatura Extractor, built once


def _trafilatura_options(url: str | None) -> Any:
    """trafilatura's options for our call, built once and copied per page (building them reads
    the config file's values each time: about 5 % of trafilatura's time on a small page)."""
    if not _TRAFILATURA_OPTIONS:
        from trafilatura.settings import Extractor

        # the same options trafilatura.extract builds from these keyword arguments
        _TRAFILATURA_OPTIONS.append(
            Extractor(output_format="txt", comments=False, tables=True, dedup=False)
        )
    opts = copy.copy(_TRAFILATURA_OPTIONS[0])
    opts.url = url
    opts.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return opts


def _main_text(tree: lxml.html.HtmlElement, url: str | None) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(tree, options=_trafilatura_options(url))
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
