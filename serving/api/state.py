"""The resources of a running app, created in the lifespan and reached by routes through
:func:`get_state`."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import Request

from serving.api.limits import FailedAuthLimiter, RateLimiter
from serving.api.metrics import Metrics
from serving.api.served_models import ServedModels
from serving.jobs import JobRunner
from serving.keys import KeyVerifier
from serving.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: sa.Engine
    verifier: KeyVerifier
    limiter: RateLimiter
    models: ServedModels
    runner: JobRunner
    metrics: Metrics
    auth_failures: FailedAuthLimiter


def get_state(request: Request) -> AppState:
    return request.app.state.svc
