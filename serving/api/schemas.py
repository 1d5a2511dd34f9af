"""Request and response models of the HTTP API (version 1). Pydantic lives only here."""

from __future__ import annotations

import enum
import math
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_RECORDS = 10_000
MAX_EVENTS = 10_000
MAX_DOMAINS = 10_000
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

FeatureValue = float | int | str | bool | None


class ModelFamily(enum.StrEnum):
    """Which served model scores: the lifecycle model or the generic lead model."""

    LIFECYCLE = "lifecycle"
    LEADS = "leads"


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    request_id: str | None = None
    fields: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


# -- scoring ---------------------------------------------------------------------------------


class ScoreRequest(BaseModel):
    """Score feature rows (``records``) or stored accounts (``account_ids``), not both."""

    model_config = ConfigDict(extra="forbid")

    model: ModelFamily = ModelFamily.LIFECYCLE
    records: list[dict[str, FeatureValue]] | None = Field(
        default=None,
        max_length=MAX_RECORDS,
        description="feature rows; an optional `id` key is echoed back, unknown keys are ignored",
    )
    account_ids: list[str] | None = Field(
        default=None,
        max_length=MAX_RECORDS,
        description="accounts scored from the stored events and transactions",
    )
    as_of: datetime | None = Field(
        default=None, description="history cut-off for `account_ids` (default: now)"
    )

    @model_validator(mode="after")
    def _one_input(self) -> ScoreRequest:
        if (self.records is None) == (self.account_ids is None):
            raise ValueError("give exactly one of `records` or `account_ids`")
        if self.records is not None and not self.records:
            raise ValueError("`records` is empty")
        if self.account_ids is not None and not self.account_ids:
            raise ValueError("`account_ids` is empty")
        return self


class ModelRef(BaseModel):
    name: str
    version: str
    alias: str


class Reason(BaseModel):
    feature: str
    value: Any = None
    contribution: float


class ScoreResult(BaseModel):
    id: str | int | float | None = None
    score: float = Field(ge=0, le=100)
    grade: str
    stage: str | None = None
    stage_probabilities: dict[str, float] | None = None
    p_purchase: float | None = None
    p_churn: float | None = None
    reasons: list[Reason] = []
    campaign: Any = None
    model: ModelRef


class ScoreResponse(BaseModel):
    model: ModelRef
    results: list[ScoreResult]
    missing_account_ids: list[str] = Field(
        default=[], description="requested accounts without any stored history"
    )


# -- events ----------------------------------------------------------------------------------


class EventIn(BaseModel):
    """One engagement event; extra keys are stored as attributes."""

    model_config = ConfigDict(extra="allow")

    event_id: str | None = Field(default=None, min_length=1, max_length=128)
    account_id: str = Field(min_length=1, max_length=128)
    timestamp: datetime
    event_type: str = Field(min_length=1, max_length=64)
    contact_id: str | None = Field(default=None, max_length=128)
    channel: str | None = Field(default=None, max_length=64)
    value: float | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class EventsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventsResponse(BaseModel):
    inserted: int
    duplicates: int


# -- prospect lists --------------------------------------------------------------------------


def _clean_domains(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    cleaned: list[str] = []
    for i, raw in enumerate(values):
        d = raw.strip().lower().removeprefix("http://").removeprefix("https://")
        d = d.split("/", 1)[0].removeprefix("www.")
        if not _DOMAIN_RE.match(d):
            raise ValueError(f"item {i}: {raw!r} is not a domain name")
        cleaned.append(d)
    return list(dict.fromkeys(cleaned))


class ProspectFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: list[str] | None = Field(default=None, max_length=300)
    languages: list[str] | None = Field(default=None, max_length=50)
    min_score: float | None = Field(default=None, ge=0, le=100)
    segments: list[str] | None = Field(default=None, max_length=1000)


class ProspectListRequest(BaseModel):
    """Customers and candidates as domains, or ``null`` for the stored sets."""

    model_config = ConfigDict(extra="forbid")

    customers: list[str] | None = Field(
        default=None, max_length=MAX_DOMAINS, description="customer domains (default: stored)"
    )
    candidates: list[str] | None = Field(
        default=None, max_length=MAX_DOMAINS, description="candidate domains (default: pool)"
    )
    filters: ProspectFilters = ProspectFilters()
    limit: int = Field(default=100, ge=1, le=10_000)

    @field_validator("customers", "candidates")
    @classmethod
    def _domains(cls, v: list[str] | None) -> list[str] | None:
        return _clean_domains(v)


class JobStatusName(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProspectListAccepted(BaseModel):
    id: str
    status: JobStatusName
    url: str


class ProspectListStatus(BaseModel):
    id: str
    status: JobStatusName
    progress: float
    message: str | None = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    attempts: int
    list_id: str | None = None
    total_rows: int = 0
    page: int = 1
    per_page: int = 100
    next: str | None = None
    rows: list[dict[str, Any]] = []


# -- models and health -----------------------------------------------------------------------


class ServedModel(BaseModel):
    family: str
    name: str
    alias: str
    version: str | None
    loaded: bool
    loaded_at: datetime | None = None
    checked_at: datetime | None = None
    error: str | None = None


class ModelsResponse(BaseModel):
    models: list[ServedModel]
    changed: list[str] = Field(default=[], description="families swapped by this reload")


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    database: str
    models: list[ServedModel]
