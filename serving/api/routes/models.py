"""``GET /v1/models`` and ``POST /v1/models/reload``: what is served, and swap to new versions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from serving.api.auth import require
from serving.api.schemas import ErrorResponse, ModelsResponse
from serving.api.state import get_state
from serving.keys import KeyInfo, Scope

router = APIRouter(prefix="/v1", tags=["models"])
_ERRORS = {code: {"model": ErrorResponse} for code in (401, 403, 429)}


@router.get("/models", response_model=ModelsResponse, responses=_ERRORS)
def list_models(request: Request, _key: KeyInfo = Depends(require(Scope.ADMIN))) -> ModelsResponse:
    """The served version of each model family, when it was loaded and the last reload error."""
    return ModelsResponse.model_validate({"models": get_state(request).models.status()})


@router.post("/models/reload", response_model=ModelsResponse, responses=_ERRORS)
async def reload_models(
    request: Request, _key: KeyInfo = Depends(require(Scope.ADMIN))
) -> ModelsResponse:
    """Re-read the registry aliases and swap in new versions without dropping requests. When the
    registry is unreachable or a new version fails to load, the current one keeps serving and
    the model's `error` says why. With several workers, each one checks on its own schedule
    (LEADSCOPE_MODEL_RELOAD_INTERVAL_SECONDS); this call reaches the worker that answers it."""
    models = get_state(request).models
    changed = await run_in_threadpool(models.reload)
    return ModelsResponse.model_validate({"models": models.status(), "changed": changed})
