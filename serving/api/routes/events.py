"""``POST /v1/events``: batch ingest of engagement events, idempotent by ``event_id``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from scoring.accounts_store import insert_events
from serving.api.auth import require
from serving.api.schemas import ErrorResponse, EventsRequest, EventsResponse
from serving.api.state import get_state
from serving.keys import KeyInfo, Scope

router = APIRouter(prefix="/v1", tags=["events"])
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 413, 422, 429, 503)}


@router.post("/events", response_model=EventsResponse, responses=_ERRORS)
def post_events(
    body: EventsRequest, request: Request, _key: KeyInfo = Depends(require(Scope.CRM))
) -> EventsResponse:
    """Store up to 10,000 events. Events whose `event_id` is already stored are counted as
    duplicates and not stored again, so a retried batch is safe. Extra keys are kept as
    attributes. Naive timestamps are UTC."""
    state = get_state(request)
    result = insert_events(state.engine, [e.model_dump() for e in body.events])
    state.metrics.events.labels("inserted").inc(result.inserted)
    state.metrics.events.labels("duplicate").inc(result.duplicates)
    return EventsResponse(inserted=result.inserted, duplicates=result.duplicates)
