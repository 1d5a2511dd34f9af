"""Errors raised by the scoring package."""


class ScoringError(Exception):
    """Base class for scoring errors."""


class ScoringInputError(ScoringError):
    """The caller's input (files, records, options) is unusable. Maps to exit code 2 / HTTP 4xx."""


class ModelUnavailableError(ScoringError):
    """No model could be loaded (registry unreachable, alias missing). Maps to exit 3 / HTTP 503."""
