"""Settings are read lazily from LEADSCOPE_* variables; logs can be JSON lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from serving.logs import JsonFormatter, configure_logging
from serving.settings import crawl_config_from_settings, get_settings


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("LEADSCOPE_DATABASE_URL", "MLFLOW_TRACKING_URI", "LEADSCOPE_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    s = get_settings()
    assert s.resolved_database_url == "sqlite:///data/leadscope.db"
    assert s.resolved_mlflow_uri.endswith("/models/mlflow.db")
    monkeypatch.setenv("LEADSCOPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    s = get_settings()
    assert s.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/leadscope.db"
    assert s.resolved_mlflow_uri == "http://127.0.0.1:5000"


def test_crawl_config_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCOPE_CRAWL_ALLOWED_NETWORKS", " 127.0.0.0/8, ,10.0.0.0/8")
    monkeypatch.setenv("LEADSCOPE_CRAWL_DELAY", "3.5")
    s = get_settings()
    config = crawl_config_from_settings(s)
    assert config.allowed_networks == ("127.0.0.0/8", "10.0.0.0/8")
    assert config.delay == 3.5 and config.user_agent == s.crawl_user_agent
    # None means "not given" (CLI options left out): the setting stays; a value overrides it
    assert crawl_config_from_settings(s, delay=None).delay == 3.5
    assert crawl_config_from_settings(s, delay=2.0, max_pages_per_site=4).delay == 2.0
    assert crawl_config_from_settings(s, max_pages_per_site=4).max_pages_per_site == 4


def test_prod_refuses_crawling_private_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCOPE_ENVIRONMENT", "prod")
    monkeypatch.setenv("LEADSCOPE_CRAWL_ALLOW_PRIVATE", "true")
    with pytest.raises(ValidationError, match="ALLOW_PRIVATE"):
        get_settings()


def test_json_logs_carry_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO", "json")
    try:
        logging.getLogger("leadscope.test").info("scored %d rows", 3, extra={"request_id": "r1"})
        line = capsys.readouterr().err.strip().splitlines()[-1]
        payload = json.loads(line)
        assert payload["msg"] == "scored 3 rows"
        assert payload["level"] == "info"
        assert payload["request_id"] == "r1"
        assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
