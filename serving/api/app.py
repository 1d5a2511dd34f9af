"""The FastAPI application: :func:`create_app` wires routes, errors, limits and metrics; the
lifespan creates the resources (database engine, models, job runner) and releases them.

Nothing happens at import: ``uvicorn --factory serving.api.app:app_from_env`` (what
``leadscope serve`` runs) reads the settings when the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from serving.api import errors
from serving.api.limits import BodyLimitMiddleware, FailedAuthLimiter, RateLimiter
from serving.api.metrics import Metrics, ObservabilityMiddleware
from serving.api.routes import events, health, models, prospect_lists, score
from serving.api.score_body import add_score_request_schema
from serving.api.served_models import (
    DEFAULT_FAMILIES,
    MlflowModelSource,
    ModelSlot,
    ModelSource,
    ServedModels,
)
from serving.api.state import AppState
from serving.db import check_reachable, make_engine
from serving.jobs import JobHandler, JobRunner
from serving.keys import KeyVerifier
from serving.logs import configure_logging
from serving.prospect_jobs import PROSPECT_LIST_KIND, make_prospect_list_handler
from serving.settings import Settings, crawl_config_from_settings, get_settings

log = logging.getLogger(__name__)


async def _periodic_reload(models: ServedModels, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(models.reload)
        except Exception:  # never let the checker die
            log.exception("periodic model reload failed")


def create_app(
    settings: Settings,
    *,
    model_source: ModelSource | None = None,
    job_handlers: Mapping[str, JobHandler] | None = None,
) -> FastAPI:
    """Build the app. ``model_source`` and ``job_handlers`` replace the defaults (MLflow
    registry; the prospect-list job) where a caller needs to."""
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.resolved_database_url)
        await run_in_threadpool(check_reachable, engine)

        def on_swap(slot: ModelSlot, old: object) -> None:
            assert slot.model is not None
            old_version = getattr(old, "version", None)
            metrics.set_model(slot.name, slot.alias, slot.model.version, old_version)

        families = {
            f: DEFAULT_FAMILIES.get(f, f"leadscope-{f}") for f in settings.served_model_families
        }
        served = ServedModels(
            model_source or MlflowModelSource(settings.resolved_mlflow_uri),
            families,
            alias=settings.api_model_alias,
            on_swap=on_swap,
        )
        await run_in_threadpool(served.reload)
        handlers: dict[str, JobHandler] = {
            PROSPECT_LIST_KIND: make_prospect_list_handler(
                engine, crawl_config_from_settings(settings), settings.resolved_mlflow_uri
            )
        }
        handlers.update(job_handlers or {})
        runner = JobRunner(
            engine,
            handlers,
            workers=settings.job_workers,
            max_attempts=settings.job_max_attempts,
            heartbeat_seconds=settings.job_heartbeat_seconds,
            stale_seconds=settings.job_stale_seconds,
        )
        recovered = await run_in_threadpool(runner.start)
        for job in recovered:
            log.warning("job %s left by a stopped server is now %s", job.id, job.status.value)
        app.state.svc = AppState(
            settings=settings,
            engine=engine,
            verifier=KeyVerifier(engine, ttl=settings.api_key_cache_seconds),
            limiter=RateLimiter(settings.api_rate_limit_per_minute),
            models=served,
            runner=runner,
            metrics=metrics,
            auth_failures=FailedAuthLimiter(
                settings.api_auth_failures_per_minute,
                settings.api_auth_failure_burst,
            ),
        )
        checker = None
        if settings.model_reload_interval_seconds > 0:
            checker = asyncio.create_task(
                _periodic_reload(served, settings.model_reload_interval_seconds)
            )
        log.info(
            "API ready: models %s",
            ", ".join(f"{s['name']}={s['version']}" for s in served.status()),
        )
        try:
            yield
        finally:
            if checker is not None:
                checker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await checker
            await run_in_threadpool(runner.stop, settings.job_shutdown_grace_seconds)
            engine.dispose()

    app = FastAPI(
        title="leadscope",
        version="1",
        summary="Lead and lifecycle scoring, event ingest and prospect lists",
        lifespan=lifespan,
    )
    errors.install(app)
    for module in (score, events, prospect_lists, models, health):
        app.include_router(module.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    default_openapi = app.openapi

    def openapi() -> dict:
        # /v1/score parses its body itself: its request model goes into the schema here
        if app.openapi_schema is None:
            app.openapi_schema = add_score_request_schema(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings and logging from the environment, read now."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
