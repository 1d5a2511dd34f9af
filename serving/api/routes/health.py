"""``/healthz`` (liveness), ``/readyz`` (models loaded, database reachable), ``/metrics``."""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from serving.api.schemas import HealthResponse, ReadyResponse
from serving.api.state import get_state

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is up and answering."""
    return HealthResponse(status="ok")


def _database_status(engine: sa.Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"unreachable: {reason[0] if reason else type(exc).__name__}"
    return "ok"


@router.get("/readyz", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
async def readyz(request: Request) -> Response:
    """200 when every served model is loaded and the database answers, else 503 with why."""
    state = get_state(request)
    database = await run_in_threadpool(_database_status, state.engine)
    ready = database == "ok" and state.models.ready
    body = ReadyResponse.model_validate(
        {
            "status": "ready" if ready else "not ready",
            "database": database,
            "models": state.models.status(),
        }
    )
    return Response(
        orjson.dumps(body.model_dump(mode="json")),
        status_code=200 if ready else 503,
        media_type="application/json",
    )


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: request latency by route and status, scores by model version."""
    m = get_state(request).metrics
    return Response(m.render(), media_type=m.content_type)
