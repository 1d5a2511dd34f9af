"""Errors of the edges, and the one place that maps every package's errors to exit codes."""

from __future__ import annotations

from crawling.errors import CrawlInputError
from scoring.errors import ModelUnavailableError, ScoringInputError
from training.errors import TrainingInputError


class ServingError(Exception):
    """Base class for serving errors."""


class InputError(ServingError):
    """Bad user input at an edge (file, option, request). Exit code 2 / HTTP 4xx."""


class ServiceUnavailableError(ServingError):
    """A service (database, MLflow) cannot be reached. Exit code 3 / HTTP 503."""


INPUT_ERRORS: tuple[type[Exception], ...] = (
    InputError,
    CrawlInputError,
    ScoringInputError,
    TrainingInputError,
)
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (ServiceUnavailableError, ModelUnavailableError)


def exit_code_for(exc: BaseException) -> int | None:
    """Exit code for a user-facing error, or None when it is a bug (let it raise)."""
    if isinstance(exc, INPUT_ERRORS):
        return 2
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return 3
    return None
