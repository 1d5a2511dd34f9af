"""Company websites as static HTML files: page sets, CMS themes and boilerplate.

A site has 4 to 8 pages (home, products or services, contact, imprint, and some of about,
references, news, careers, privacy), sparse sites have 4 short pages and one-page sites carry
everything, imprint included, on ``index.html``. Pages are wrapped in one of three CMS-like
themes with navigation, a cookie banner, a sidebar or newsletter box and a footer, so the
boilerplate repeats across pages and sites as it does on the real web. Links are relative.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from training.world import pages
from training.world.companies import Company
from training.world.pages import PAGE_TITLES, Writer

DEFAULT_PORT = 8731
SITES_FILE = "sites.csv"
SITES_COLUMNS = ("domain", "address", "url", "language", "charset", "crawl_delay", "pages")
LATIN1_SHARE = 0.06  # older German sites still served as ISO-8859-1
CRAWL_DELAY_SHARE = 0.05

FILENAMES = {
    "de": {
        "home": "index.html",
        "about": "ueber-uns.html",
        "products": "produkte.html",
        "services": "leistungen.html",
        "references": "referenzen.html",
        "contact": "kontakt.html",
        "imprint": "impressum.html",
        "news": "aktuelles.html",
        "careers": "karriere.html",
        "privacy": "datenschutz.html",
    },
    "en": {
        "home": "index.html",
        "about": "about.html",
        "products": "products.html",
        "services": "services.html",
        "references": "references.html",
        "contact": "contact.html",
        "imprint": "legal-notice.html",
        "news": "news.html",
        "careers": "careers.html",
        "privacy": "privacy.html",
    },
}
OPTIONAL_PAGES = (
    ("about", 0.9),
    ("references", 0.7),
    ("news", 0.4),
    ("careers", 0.35),
    ("privacy", 0.5),
)
MAX_PAGES = 8

BOILERPLATE = {
    "de": {
        "cookie": "Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten. "
        "Mit der Nutzung unserer Website stimmen Sie der Verwendung von Cookies zu.",
        "accept": "Alle akzeptieren",
        "settings": "Einstellungen",
        "newsletter": "Newsletter abonnieren und keine Neuigkeiten mehr verpassen.",
        "cta": "Jetzt Kontakt aufnehmen",
        "more": "Mehr erfahren",
        "rights": "Alle Rechte vorbehalten.",
        "follow": "Folgen Sie uns auf LinkedIn",
        "top": "Zurück nach oben",
    },
    "en": {
        "cookie": "We use cookies to give you the best possible experience on our website. "
        "By continuing to browse you agree to our use of cookies.",
        "accept": "Accept all",
        "settings": "Settings",
        "newsletter": "Subscribe to our newsletter and never miss an update.",
        "cta": "Get in touch today",
        "more": "Learn more",
        "rights": "All rights reserved.",
        "follow": "Follow us on LinkedIn",
        "top": "Back to top",
    },
}
THEMES = ("wordpress", "typo3", "builder")
GENERATORS = {"wordpress": "WordPress 6.4.3", "typo3": "TYPO3 CMS", "builder": "SiteBuilder Pro 5"}


@dataclass(frozen=True, slots=True)
class RenderedSite:
    """The files of one site: relative path -> HTML text, plus how it is served."""

    domain: str
    files: dict[str, str]
    charset: str
    crawl_delay: float | None
    language: str


def site_address(index: int) -> str:
    """The loopback address of the ``index``-th site: 127.0.1.1, 127.0.1.2, ..., 127.0.2.1, ..."""
    if index < 0 or index >= 254 * 254:
        raise ValueError(f"site index out of range: {index}")
    return f"127.0.{1 + index // 254}.{1 + index % 254}"


def site_url(address: str, port: int = DEFAULT_PORT) -> str:
    return f"http://{address}:{port}/"


def page_plan(company: Company, rng: random.Random) -> list[str]:
    """Page kinds of the site in navigation order."""
    if company.site_kind == "one_page":
        return ["home"]
    main = "services" if rng.random() < 0.35 else "products"
    if company.site_kind == "sparse":
        return ["home", main, "contact", "imprint"]
    kinds = ["home"]
    for kind, share in OPTIONAL_PAGES:
        if rng.random() < share:
            kinds.append(kind)
    kinds.insert(1, main)
    # contact and imprint always exist; drop optional pages beyond the cap
    while len(kinds) + 2 > MAX_PAGES:
        kinds.pop()
    return [*kinds, "contact", "imprint"]


def render_site(company: Company, seed: int, year: int) -> RenderedSite:
    """All files of one company's site (deterministic for ``seed`` and the company)."""
    rng = random.Random(f"{seed}:{company.account_id}:site")
    writer = Writer(company, rng, sparse=company.site_kind == "sparse")
    lang = company.language
    kinds = page_plan(company, rng)
    names = FILENAMES[lang]
    nav = [(PAGE_TITLES[lang][k], names[k]) for k in kinds if k not in ("imprint", "privacy")]
    legal = [(PAGE_TITLES[lang][k], names[k]) for k in kinds if k in ("imprint", "privacy")]
    theme = rng.choice(THEMES)
    tagline = writer.headline()
    files: dict[str, str] = {}
    for kind in kinds:
        if company.site_kind == "one_page":
            body = _one_page_body(writer)
        else:
            body = _page_body(writer, kind, year)
        title = PAGE_TITLES[lang][kind]
        files[names[kind]] = _layout(
            company,
            writer,
            theme,
            title=title,
            body=body,
            nav=nav,
            legal=legal,
            tagline=tagline,
            year=year,
            current=names[kind],
        )
    charset = "utf-8"
    if company.home_language == "de" and lang == "de" and rng.random() < LATIN1_SHARE:
        charset = "iso-8859-1"
    crawl_delay = 0.2 if rng.random() < CRAWL_DELAY_SHARE else None
    files["robots.txt"] = _robots(crawl_delay)
    return RenderedSite(company.domain, files, charset, crawl_delay, lang)


def _page_body(writer: Writer, kind: str, year: int) -> str:
    if kind == "home":
        return pages.home_page(writer)
    if kind in ("products", "services"):
        return pages.products_page(writer, kind)
    if kind == "about":
        return pages.about_page(writer)
    if kind == "references":
        return pages.references_page(writer)
    if kind == "contact":
        return pages.contact_page(writer)
    if kind == "imprint":
        return pages.imprint_page(writer)
    if kind == "news":
        return pages.news_page(writer, year)
    if kind == "careers":
        return pages.careers_page(writer)
    return pages.privacy_page(writer)


def _one_page_body(writer: Writer) -> str:
    return "\n".join(
        [
            pages.home_page(writer),
            f'<section id="{writer.rng.choice(["angebot", "leistungen", "offer"])}">',
            pages.products_page(writer, "services")
            .replace("<h1>", "<h2>")
            .replace("</h1>", "</h2>"),
            "</section>",
            '<section id="kontakt">',
            pages.contact_page(writer).replace("<h1>", "<h2>").replace("</h1>", "</h2>"),
            "</section>",
            '<section id="impressum">',
            pages.imprint_page(writer, heading_level=2),
            "</section>",
        ]
    )


def _robots(crawl_delay: float | None) -> str:
    lines = ["User-agent: *", "Allow: /"]
    if crawl_delay is not None:
        lines.append(f"Crawl-delay: {crawl_delay}")
    return "\n".join(lines) + "\n"


def _html_lang(company: Company, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""  # missing
    if roll < 0.09:
        return ' lang="en-US"'  # CMS default left unchanged
    return f' lang="{company.language}"'


def _layout(
    company: Company,
    writer: Writer,
    theme: str,
    *,
    title: str,
    body: str,
    nav: Sequence[tuple[str, str]],
    legal: Sequence[tuple[str, str]],
    tagline: str,
    year: int,
    current: str,
) -> str:
    lang = company.language
    bp = BOILERPLATE[lang]
    rng = writer.rng
    lang_attr = _html_lang(company, rng)
    name = escape(company.name)
    active = ' class="active"'
    nav_items = "".join(
        f'<li{active if href == current else ""}><a href="{href}">{escape(label)}</a></li>'
        for label, href in nav
    )
    legal_links = " | ".join(f'<a href="{href}">{escape(label)}</a>' for label, href in legal)
    description = (
        escape(body.split("<p>", 1)[-1].split("</p>", 1)[0][:160]) if "<p>" in body else ""
    )
    head = (
        f'<!DOCTYPE html>\n<html{lang_attr}>\n<head>\n<meta charset="{{charset}}">\n'
        f"<title>{escape(title)} | {name}</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<meta name="generator" content="{GENERATORS[theme]}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{font-family:sans-serif;margin:0}.cookie{position:fixed;bottom:0}</style>\n"
        "</head>\n"
    )
    cookie = (
        f'<div class="cookie" id="cookie-notice" role="dialog"><p>{escape(bp["cookie"])}</p>'
        f"<button>{escape(bp['accept'])}</button> <button>{escape(bp['settings'])}</button></div>"
    )
    footer_text = (
        f"<p>{escape(company.legal_name)} · {escape(company.street)} · "
        f"{escape(company.city)}</p>"
        f"<p>© {year} {escape(company.legal_name)}. {escape(bp['rights'])}</p>"
        f'<p>{legal_links}</p><p>{escape(bp["follow"])} · <a href="#top">{escape(bp["top"])}</a>'
        "</p>"
    )
    script = (
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());</script>"
    )
    if theme == "wordpress":
        page = (
            f'<body class="page">\n{cookie}\n<header class="site-header" id="top">'
            f'<div class="site-branding"><a href="index.html" class="custom-logo-link">{name}</a>'
            f'<p class="site-description">{escape(tagline)}</p></div>'
            f'<nav class="main-navigation"><ul class="menu">{nav_items}</ul></nav></header>\n'
            f'<div id="content" class="site-content"><main id="main" class="site-main">'
            f'<article class="page type-page"><div class="entry-content">\n{body}\n</div>'
            "</article></main>\n"
            '<aside class="widget-area"><section class="widget">'
            '<h2 class="widget-title">Newsletter</h2>'
            f"<p>{escape(bp['newsletter'])}</p></section></aside></div>\n"
            f'<footer class="site-footer"><div class="site-info">{footer_text}'
            f"<p>Proudly powered by WordPress</p></div></footer>\n{script}\n</body>\n</html>\n"
        )
    elif theme == "typo3":
        page = (
            f'<body id="p{rng.randint(1, 99)}">\n<header id="header"><div class="logo">'
            '<a href="index.html">'
            f'{name}</a></div><nav id="mainnav"><ul class="nav">{nav_items}</ul></nav></header>\n'
            '<main id="content"><div class="frame frame-default">'
            f'<div class="ce-bodytext">\n{body}\n'
            '</div></div><div class="frame cta">'
            f'<a class="btn" href="{nav[-1][1]}">{escape(bp["cta"])}</a>'
            f"</div></main>\n"
            f'<footer id="footer"><div class="footer-columns">{footer_text}</div>'
            f"</footer>\n{cookie}\n"
            f"{script}\n</body>\n</html>\n"
        )
    else:
        page = (
            f'<body>\n{cookie}\n<div class="wrapper"><div class="topbar">{escape(company.phone)} · '
            f'{escape(company.email)}</div><div class="menu">'
            f'<a href="index.html" class="brand">{name}</a>'
            f'<ul>{nav_items}</ul></div>\n<div class="section"><div class="text-block">\n{body}\n'
            f'<p><a href="{nav[-1][1]}" class="button">{escape(bp["more"])}</a></p></div></div>\n'
            f'<div class="section newsletter"><p>{escape(bp["newsletter"])}</p></div>\n'
            f'<div class="footer">{footer_text}</div></div>\n{script}\n</body>\n</html>\n'
        )
    return head + page


def write_sites(
    web_dir: Path, sites: Sequence[RenderedSite], port: int = DEFAULT_PORT
) -> list[dict[str, str]]:
    """Write every site under ``web_dir/<domain>/`` and the index ``web_dir/sites.csv``."""
    rows: list[dict[str, str]] = []
    for index, site in enumerate(sites):
        site_dir = web_dir / site.domain
        site_dir.mkdir(parents=True, exist_ok=True)
        for rel, text in site.files.items():
            text = text.replace("{charset}", site.charset) if rel.endswith(".html") else text
            data = text.encode(site.charset, errors="xmlcharrefreplace")
            (site_dir / rel).write_bytes(data)
        address = site_address(index)
        rows.append(
            {
                "domain": site.domain,
                "address": address,
                "url": site_url(address, port),
                "language": site.language,
                "charset": site.charset,
                "crawl_delay": "" if site.crawl_delay is None else str(site.crawl_delay),
                "pages": ";".join(sorted(p for p in site.files if p.endswith(".html"))),
            }
        )
    with (web_dir / SITES_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=SITES_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows
