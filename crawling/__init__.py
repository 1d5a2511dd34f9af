"""Polite, resumable crawling of company websites into clean text and firmographics.

Public entry points: :func:`crawl`, :func:`extract_page`, :func:`parse_imprint`,
:func:`import_pages`, :func:`read_seeds`. Importing the package does no I/O.
"""

from crawling.config import CrawlConfig, Seed
from crawling.crawler import crawl
from crawling.errors import CrawlError, CrawlInputError
from crawling.extract import ExtractedPage, extract_page
from crawling.imports import ImportSummary, extract_file, import_pages, read_seeds
from crawling.imprint import parse_imprint
from crawling.outcomes import CrawlProgress, CrawlSummary, SkipReason

__all__ = [
    "CrawlConfig",
    "CrawlError",
    "CrawlInputError",
    "CrawlProgress",
    "CrawlSummary",
    "ExtractedPage",
    "ImportSummary",
    "Seed",
    "SkipReason",
    "crawl",
    "extract_file",
    "extract_page",
    "import_pages",
    "parse_imprint",
    "read_seeds",
]
