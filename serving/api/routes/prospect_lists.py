"""``POST /v1/prospect-lists`` starts a job; ``GET /v1/prospect-lists/{id}`` reports it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from serving.api.auth import require
from serving.api.errors import ApiError
from serving.api.schemas import (
    ErrorResponse,
    ProspectListAccepted,
    ProspectListRequest,
    ProspectListStatus,
)
from serving.api.state import get_state
from serving.jobs import JobInfo, JobNotFoundError
from serving.keys import KeyInfo, Scope
from serving.prospect_jobs import PROSPECT_LIST_KIND, read_rows, rows_to_csv

router = APIRouter(prefix="/v1", tags=["prospect lists"])
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429)}


def _url(request: Request, job_id: str) -> str:
    return str(request.url_for("get_prospect_list", job_id=job_id).path)


@router.post(
    "/prospect-lists", status_code=202, response_model=ProspectListAccepted, responses=_ERRORS
)
def start_prospect_list(
    body: ProspectListRequest,
    request: Request,
    response: Response,
    _key: KeyInfo = Depends(require(Scope.SALES)),
) -> ProspectListAccepted:
    """Start a prospect-list job: customers and candidates as domains (or `null` for the stored
    customer set and candidate pool), filters and a limit. The job crawls what is missing, fits
    on the customers and scores the candidates in the background; poll the returned URL."""
    info = get_state(request).runner.submit(PROSPECT_LIST_KIND, body.model_dump(mode="json"))
    url = _url(request, info.id)
    response.headers["Location"] = url
    return ProspectListAccepted(id=info.id, status=info.status.value, url=url)


def _job(request: Request, job_id: str) -> JobInfo:
    info = get_state(request).runner.get(job_id)
    if info.kind != PROSPECT_LIST_KIND:
        raise JobNotFoundError(f"prospect list {job_id!r} not found")
    return info


@router.get(
    "/prospect-lists/{job_id}",
    response_model=ProspectListStatus,
    responses={**_ERRORS, 200: {"content": {"text/csv": {}}}},
)
def get_prospect_list(
    job_id: str,
    request: Request,
    page: int = Query(1, ge=1, le=1_000_000),
    per_page: int = Query(100, ge=1, le=1000),
    _key: KeyInfo = Depends(require(Scope.SALES)),
) -> Response | ProspectListStatus:
    """Status, progress and rows of a prospect list (paginated). Ask for CSV with
    `Accept: text/csv` or by appending `.csv` to the id; CSV carries all rows."""
    want_csv = job_id.endswith(".csv") or "text/csv" in request.headers.get("accept", "")
    job_id = job_id.removesuffix(".csv")
    info = _job(request, job_id)
    engine = get_state(request).engine
    if want_csv:
        if info.status.value != "succeeded" or not info.result_ref:
            raise ApiError(
                409, f"prospect list {job_id} is {info.status.value}; no CSV yet", code="not_ready"
            )
        _, rows = read_rows(engine, info.result_ref)
        return StreamingResponse(
            rows_to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="prospects-{job_id}.csv"'},
        )
    total, rows = 0, []
    if info.result_ref:
        total, rows = read_rows(
            engine, info.result_ref, offset=(page - 1) * per_page, limit=per_page
        )
    nxt = None
    if page * per_page < total:
        nxt = f"{_url(request, job_id)}?page={page + 1}&per_page={per_page}"
    return ProspectListStatus(
        id=info.id,
        status=info.status.value,
        progress=info.progress,
        message=info.message,
        error=info.error,
        created_at=info.created_at,
        updated_at=info.updated_at,
        attempts=info.attempts,
        list_id=info.result_ref,
        total_rows=total,
        page=page,
        per_page=per_page,
        next=nxt,
        rows=rows,
    )
