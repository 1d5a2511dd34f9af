"""``POST /v1/score``: score feature rows or stored accounts with the served model."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from serving.api.auth import require
from serving.api.schemas import ErrorResponse, ScoreResponse
from serving.api.score_body import parse_score_body, score_request_openapi
from serving.api.scoring import score_accounts, score_records
from serving.api.state import get_state
from serving.keys import KeyInfo, Scope

router = APIRouter(prefix="/v1", tags=["scoring"])

# Up to this many records are scored on the event loop (about 0.1 ms a row): cheaper than a
# thread hand-off. Bigger batches go to a worker thread so other requests keep flowing.
INLINE_MAX_RECORDS = 64
# Bodies over this size (about 150 feature rows) are decoded in a worker thread too, so a
# 10,000-row request does not hold the event loop while it is parsed.
INLINE_MAX_BODY_BYTES = 256 * 1024
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 413, 422, 429, 503)}


@router.post(
    "/score", response_model=ScoreResponse, responses=_ERRORS, openapi_extra=score_request_openapi()
)
async def score(request: Request, _key: KeyInfo = Depends(require(Scope.CRM))) -> Response:
    """Score up to 10,000 feature rows, or accounts from their stored history (as of now).

    `"model": "leads"` scores with the lead model instead of the lifecycle model. The body is
    a `ScoreRequest`; it is validated without per-row models (see `serving.api.score_body`).
    """
    raw = await request.body()
    if len(raw) <= INLINE_MAX_BODY_BYTES:
        body = parse_score_body(raw)
    else:
        body = await run_in_threadpool(parse_score_body, raw)
    state = get_state(request)
    loaded = state.models.get(body.model.value)
    if body.records is not None:
        if len(body.records) <= INLINE_MAX_RECORDS:
            payload = score_records(loaded, body.records)
        else:
            payload = await run_in_threadpool(score_records, loaded, body.records)
    else:
        assert body.account_ids is not None
        payload = await run_in_threadpool(
            score_accounts, state.engine, loaded, body.account_ids, body.as_of
        )
    payload.setdefault("missing_account_ids", [])
    state.metrics.observe_scores(loaded.name, loaded.version, payload["results"])
    return Response(
        orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY),
        media_type="application/json",
    )
