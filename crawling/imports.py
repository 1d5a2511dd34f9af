"""Inputs from files: seed lists (CSV), pages crawled elsewhere (JSONL), HTML files to extract."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawling.config import Seed
from crawling.errors import CrawlInputError
from crawling.extract import detect_language, extract_page
from crawling.records import PageRecord
from crawling.store import save_pages
from crawling.urls import normalize_url, page_kind, seed_from_value

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".gz")


def read_seeds(path: Path) -> list[Seed]:
    """Seeds from a CSV with a ``domain`` column (optional ``url``; other columns are kept
    as attributes). Raises :class:`CrawlInputError` naming the row of a bad value."""
    path = Path(path)
    if not path.is_file():
        raise CrawlInputError(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "domain" not in reader.fieldnames:
                raise CrawlInputError(f"{path}: needs a 'domain' column")
            seeds: list[Seed] = []
            for lineno, row in enumerate(reader, start=2):
                attrs = {k: v for k, v in row.items() if k not in ("domain", "url") and k}
                try:
                    seeds.append(
                        seed_from_value(row.get("domain") or "", attrs, row.get("url") or None)
                    )
                except CrawlInputError as exc:
                    raise CrawlInputError(f"{path}, line {lineno}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise CrawlInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    if not seeds:
        raise CrawlInputError(f"{path}: no domains")
    return seeds


@dataclass(slots=True)
class ImportSummary:
    lines: int = 0
    pages_stored: int = 0
    from_html: int = 0
    from_text: int = 0
    domains: set[str] = field(default_factory=set)


def _check_line(obj: dict[str, Any], where: str) -> None:
    domain, url = obj.get("domain"), obj.get("url")
    if not isinstance(domain, str) or not domain.strip():
        raise CrawlInputError(f"{where}: 'domain' missing or not a string")
    if not isinstance(url, str) or normalize_url(url) is None:
        raise CrawlInputError(f"{where}: 'url' missing or not an http(s) URL")
    html, text = obj.get("html"), obj.get("text")
    if not (isinstance(html, str) and html.strip()) and not isinstance(text, str):
        raise CrawlInputError(f"{where}: needs 'html' or 'text'")


def _page_from_line(obj: dict[str, Any]) -> PageRecord:
    """A record from a line that passed :func:`_check_line`."""
    domain, url = obj["domain"].strip().lower(), obj["url"]
    html, text = obj.get("html"), obj.get("text")
    if isinstance(html, str) and html.strip():
        raw = html.encode("utf-8")
        page = extract_page(html, url)
        return PageRecord(
            domain=domain,
            url=url,
            main_text=page.main_text,
            title=page.title,
            meta_description=page.meta_description,
            headings=page.headings,
            language=page.language,
            page_kind=page.page_kind,
            imprint=page.imprint or None,
            fetched_at=datetime.now(UTC),
            final_url=url,
            status=200,
            content_type="text/html; charset=utf-8",
            charset="utf-8",
            content_hash=hashlib.sha256(raw).hexdigest(),
            raw_html=raw,
            source="import",
        )
    if isinstance(text, str):
        return PageRecord(
            domain=domain,
            url=url,
            main_text=text,
            title=obj.get("title") if isinstance(obj.get("title"), str) else None,
            language=detect_language(text),
            page_kind=page_kind(url),
            fetched_at=datetime.now(UTC),
            final_url=url,
            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            source="import",
        )
    raise AssertionError("unreachable: _check_line accepted the line")


def _lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CrawlInputError(f"{where}: not JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise CrawlInputError(f"{where}: not a JSON object")
            yield where, obj


def import_pages(engine: sa.Engine, path: Path, *, batch_size: int = 200) -> ImportSummary:
    """Store pages crawled elsewhere: JSONL lines with ``domain``, ``url`` and ``html`` or
    ``text`` (used as main text as is); ``.gz`` files too. The whole file is validated before
    anything is written (a first pass), then pages are extracted and stored in batches, so
    memory stays bounded by the batch."""
    path = Path(path)
    if not path.is_file():
        raise CrawlInputError(f"{path}: no such file")
    try:
        for where, obj in _lines(path):
            _check_line(obj, where)
    except UnicodeDecodeError as exc:
        raise CrawlInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    summary = ImportSummary()
    batch: list[PageRecord] = []
    for _where, obj in _lines(path):
        rec = _page_from_line(obj)
        summary.lines += 1
        summary.from_html += rec.raw_html is not None
        summary.from_text += rec.raw_html is None
        summary.domains.add(rec.domain)
        batch.append(rec)
        if len(batch) >= batch_size:
            summary.pages_stored += save_pages(engine, batch)
            batch = []
    summary.pages_stored += save_pages(engine, batch)
    return summary


def iter_html_files(paths: Sequence[Path]) -> Iterator[Path]:
    """HTML files (also gzipped) given directly or found in the given directories, sorted."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(HTML_SUFFIXES)
            )
        elif p.is_file():
            yield p
        else:
            raise CrawlInputError(f"{p}: no such file or directory")


def extract_file(path: Path) -> dict[str, Any]:
    """One JSON-ready object for ``leadscope extract``: path, title, text, language, imprint."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    name = path.name.removesuffix(".gz")
    page = extract_page(data, f"file:///{name}")
    return {
        "path": str(path),
        "title": page.title,
        "text": page.main_text,
        "language": page.language,
        "imprint": page.imprint or parse_imprint_if_any(page),
    }


def parse_imprint_if_any(page: Any) -> dict[str, str]:
    """Imprint fields of a page not recognised as an imprint page (for files off the web)."""
    from crawling.imprint import parse_imprint

    return parse_imprint(page.main_text) if "impressum" in page.main_text.lower() else {}
