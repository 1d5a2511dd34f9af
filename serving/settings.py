"""Settings for the edges (CLI, HTTP API). The only place that reads the environment.

Library code (``crawling``, ``scoring``, ``training``) never reads settings; the edges build
config objects from :class:`Settings` and pass them down.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawling.config import CrawlConfig


class Settings(BaseSettings):
    """All operator-facing configuration, read from ``LEADSCOPE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="LEADSCOPE_", env_file=None, extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("data")
    models_dir: Path = Path("models")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/leadscope.db"
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "LEADSCOPE_MLFLOW_TRACKING_URI"),
        description="MLflow tracking/registry URI; default sqlite:///<models_dir>/mlflow.db",
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # crawling
    crawl_user_agent: str = (
        "leadscope-bot/0.1 (+https://github.com/leadscope/leadscope; B2B web scoring)"
    )
    crawl_delay: float = 1.0
    crawl_concurrency: int = 16
    crawl_max_pages_per_site: int = 8
    crawl_allow_private: bool = False
    crawl_allowed_networks: str = Field(
        default="", description="comma-separated CIDRs allowed even when private (e.g. 127.0.0.0/8)"
    )

    # HTTP API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_max_body_bytes: int = 32 * 1024 * 1024  # 10,000 feature rows of ~2.5 KB fit
    api_rate_limit_per_minute: int = 6000
    api_auth_failures_per_minute: float = Field(
        default=20.0, ge=0, description="failed logins per client address a minute (0: off)"
    )
    api_auth_failure_burst: int = Field(
        default=20, ge=1, description="failed authentications a client address may make at once"
    )
    model_reload_interval_seconds: float = 0.0
    api_models: str = Field(
        default="lifecycle,leads", description="served model families (comma-separated)"
    )
    api_model_alias: str = "champion"
    api_key_cache_seconds: float = 5.0
    api_keep_alive_seconds: float = Field(
        default=75.0, description="idle keep-alive; longer than clients' (httpx: 5 s) avoids races"
    )
    job_workers: int = Field(default=1, ge=0, description="job threads per server (0: queue only)")
    job_max_attempts: int = 2
    job_heartbeat_seconds: float = 2.0
    job_stale_seconds: float = 30.0
    job_shutdown_grace_seconds: float = 10.0

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "prod" and self.crawl_allow_private:
            raise ValueError("LEADSCOPE_CRAWL_ALLOW_PRIVATE must not be set in prod")
        return self

    @property
    def served_model_families(self) -> list[str]:
        return [f.strip() for f in self.api_models.split(",") if f.strip()]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'leadscope.db').as_posix()}"

    @property
    def resolved_mlflow_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.models_dir / 'mlflow.db').resolve().as_posix()}"

    @property
    def mlflow_artifact_root(self) -> Path:
        return (self.models_dir / "artifacts").resolve()


def get_settings() -> Settings:
    """Read settings now (lazily, at the edge). Not cached: tests change the environment."""
    return Settings()


def crawl_config_from_settings(settings: Settings, **overrides: object) -> CrawlConfig:
    """The crawl configuration for the edges (CLI, API jobs, demo) from ``LEADSCOPE_CRAWL_*``."""
    base = CrawlConfig(
        user_agent=settings.crawl_user_agent,
        delay=settings.crawl_delay,
        concurrency=settings.crawl_concurrency,
        max_pages_per_site=settings.crawl_max_pages_per_site,
        allow_private=settings.crawl_allow_private,
        allowed_networks=tuple(
            n.strip() for n in settings.crawl_allowed_networks.split(",") if n.strip()
        ),
    )
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})
