"""Errors raised by the crawling package."""


class CrawlError(Exception):
    """Base class for crawling errors."""


class CrawlInputError(CrawlError):
    """The caller's input (domains file, pages file, options) is unusable. Maps to exit code 2."""
