"""The one place where errors become HTTP answers: JSON bodies, never a traceback.

Body: ``{"error": {"status", "code", "message", "request_id", "fields"?}}``. Input errors of every
package map to 400 (a missing job to 404), validation errors to 422 with a message naming the row
and field (``events[3].timestamp: ...``), unavailable models or databases to 503, anything else
to 500 with only the request id (the traceback goes to the server log). A lost database
connection is a 503.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from serving.errors import INPUT_ERRORS, UNAVAILABLE_ERRORS
from serving.jobs import JobNotFoundError

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with its HTTP status, raised by routes and dependencies."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.headers = headers or {}


def error_response(
    request_id: str | None,
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    fields: list[dict[str, Any]] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "status": status,
        "code": code or _CODES.get(status, "error"),
        "message": message,
        "request_id": request_id,
    }
    if fields is not None:
        body["fields"] = fields
    return Response(
        orjson.dumps({"error": body}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _rid(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def location(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "events", 3, "timestamp")`` -> ``events[3].timestamp``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if len(parts) > 1 else parts
    text = ""
    for p in parts:
        if isinstance(p, int):
            text += f"[{p}]"
        else:
            text += ("." if text else "") + str(p)
    return text or "body"


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(
        _rid(request), exc.status, exc.message, code=exc.code, headers=exc.headers
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid"))
        fields.append({"field": location(err.get("loc", ())), "message": msg})
    first = fields[0] if fields else {"field": "body", "message": "invalid request"}
    more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
    message = f"{first['field']}: {first['message']}{more}"
    return error_response(_rid(request), 422, message, fields=fields[:100])


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(_rid(request), exc.status_code, str(exc.detail), headers=headers)


async def _input_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, JobNotFoundError) else 400
    return error_response(_rid(request), status, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return error_response(_rid(request), 503, str(exc), headers={"Retry-After": "5"})


async def _database_down(request: Request, exc: Exception) -> Response:
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        _rid(request), 503, "database unavailable; retry later", headers={"Retry-After": "5"}
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled error on %s %s (request %s)",
        request.method,
        request.url.path,
        _rid(request),
        exc_info=exc,
    )
    return error_response(_rid(request), 500, "internal error; quote the request id to support")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for exc_type in INPUT_ERRORS:
        app.add_exception_handler(exc_type, _input_error)
    for exc_type in UNAVAILABLE_ERRORS:
        app.add_exception_handler(exc_type, _unavailable)
    app.add_exception_handler(sa.exc.OperationalError, _database_down)
    app.add_exception_handler(Exception, _unexpected)
