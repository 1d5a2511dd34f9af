"""Parse a ``POST /v1/score`` body without a pydantic model per feature row.

Validating 100 feature rows of ~100 values through :class:`~serving.api.schemas.ScoreRequest`
costs about 2 ms, more than the response and the routing together. The common body (``records``
only, or with ``model``; every row an object of scalars) is checked here in a few C-level passes
over the rows. Anything else (``account_ids``, ``as_of``, wrong types, too many rows, extra keys)
goes through :class:`ScoreRequest` itself, so errors are exactly pydantic's: 422 naming the
row and field (``records[3].visits``). Both paths accept the same bodies and hand the scorer the
same values.

The body is decoded with orjson; a body orjson refuses is decoded again with the standard
library, which also takes the ``NaN`` / ``Infinity`` literals that Python clients emit (a NaN
feature is a missing value, as before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from serving.api.schemas import MAX_RECORDS, ModelFamily, ScoreRequest

_FAMILIES = {f.value: f for f in ModelFamily}
_FAST_KEYS = frozenset({"model", "records"})
_SCALARS = frozenset({float, int, str, bool, type(None)})


@dataclass(frozen=True)
class ScoreInput:
    """A valid score request: exactly one of ``records`` and ``account_ids`` is set."""

    model: ModelFamily
    records: list[dict[str, Any]] | None = None
    account_ids: list[str] | None = None
    as_of: datetime | None = None


def _invalid(message: str, error: str = "") -> RequestValidationError:
    return RequestValidationError(
        [{"type": "json_invalid", "loc": ("body",), "msg": message, "ctx": {"error": error}}]
    )


def decode_json(body: bytes) -> Any:
    """The JSON value of ``body``; 422 (``body: ...``) when it is empty or not JSON."""
    if not body.strip():
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:  # NaN / Infinity literals and integers wider than 64 bits
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise _invalid(f"JSON decode error: {exc}", str(exc)) from None


def _fast(data: Any) -> ScoreInput | None:
    """The request when ``data`` is a plain records body, else ``None`` (validate fully)."""
    if type(data) is not dict or not _FAST_KEYS.issuperset(data):
        return None
    records = data.get("records")
    if type(records) is not list or not 0 < len(records) <= MAX_RECORDS:
        return None
    model = data.get("model", ModelFamily.LIFECYCLE.value)
    if type(model) is not str or model not in _FAMILIES:
        return None
    scalars = _SCALARS
    for rec in records:
        if type(rec) is not dict or not scalars.issuperset(map(type, rec.values())):
            return None
    return ScoreInput(model=_FAMILIES[model], records=records)


def parse_score_body(body: bytes) -> ScoreInput:
    """Decode and validate a score request; :class:`RequestValidationError` (422) when bad."""
    data = decode_json(body)
    fast = _fast(data)
    if fast is not None:
        return fast
    try:
        req = ScoreRequest.model_validate(data)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err.get("loc", ()))} for err in exc.errors()]
        raise RequestValidationError(errors) from None
    return ScoreInput(
        model=req.model, records=req.records, account_ids=req.account_ids, as_of=req.as_of
    )


def score_request_openapi() -> dict[str, Any]:
    """The ``openapi_extra`` of the route: the body is :class:`ScoreRequest` (its schema is
    added to the components by :func:`add_score_request_schema`)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ScoreRequest"}}
            },
        }
    }


def add_score_request_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put :class:`ScoreRequest` and the models it refers to into the schema's components."""
    schema = ScoreRequest.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="validation"
    )
    defs = schema.pop("$defs", {})
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, sub in defs.items():
        components.setdefault(name, sub)
    components["ScoreRequest"] = schema
    return openapi
