"""Loaders: row-numbered errors, quarantine, duplicates, unknown types, returns, future dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from scoring.errors import ScoringInputError
from scoring.loaders import load_events, load_lead_table, load_stages, load_transactions

NOW = datetime(2024, 7, 1, tzinfo=UTC)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_events_errors_name_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "events.csv",
        "event_id,account_id,timestamp,event_type\n"
        "e1,a,2024-06-01T00:00:00Z,web_visit\n"
        "e2,,2024-06-01T00:00:00Z,web_visit\n"
        "e3,a,yesterday,web_visit\n"
        "e4,a,2030-01-01T00:00:00Z,web_visit\n",
    )
    with pytest.raises(ScoringInputError) as info:
        load_events(path, now=NOW)
    message = str(info.value)
    assert "3 bad row(s)" in message
    assert "row 2: account_id is empty" in message
    assert "row 3: timestamp 'yesterday' is not ISO 8601" in message
    assert "row 4: timestamp is in the future" in message


def test_events_quarantine_duplicates_and_unknown_types(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "events.csv",
        "event_id,account_id,timestamp,event_type,value\n"
        "e1,a,2024-06-01T00:00:00Z,Web_Visit ,1\n"
        "e1,a,2024-06-01T00:00:00Z,web_visit,1\n"
        "e2,b,2024-06-02,fax,x\n"
        "e3,b,2024-06-02,fax,2\n"
        "e4,b,2024-06-03T10:00:00+02:00,podcast,\n",
    )
    loaded = load_events(path, now=NOW, on_error="quarantine", quarantine_dir=tmp_path / "q")
    r = loaded.report
    assert (r.rows_read, r.duplicates_removed, r.quarantined, r.rows_loaded) == (5, 1, 1, 3)
    assert r.unknown_event_types == {"fax": 1, "podcast": 1}
    assert loaded.frame["event_type"].tolist() == ["web_visit", "fax", "podcast"]
    assert loaded.frame["timestamp"].iloc[2] == pd.Timestamp("2024-06-03T08:00:00Z")
    bad = pd.read_csv(r.quarantine_path)
    assert bad["_row"].tolist() == [2] and "value is not a number" in bad["_error"].iloc[0]
    assert "1 quarantined" in r.summary()


def test_transactions_returns_and_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o2"],
            "account_id": ["a", "a", "a"],
            "timestamp": ["2024-01-01", "2024-02-01", "2024-02-01"],
            "amount": ["10.5", "-3", "-3"],
        }
    )
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path)
    loaded = load_transactions(path, now=NOW)
    assert loaded.report.returns == 1 and loaded.report.duplicates_removed == 1
    assert loaded.frame["amount"].tolist() == [10.5, -3.0]
    with pytest.raises(ScoringInputError, match="amount 'ten' is not a number"):
        load_transactions(frame.assign(amount=["ten", "1", "2"]), now=NOW)
    with pytest.raises(ScoringInputError, match="missing required column"):
        load_transactions(frame.drop(columns=["amount"]), now=NOW)
    with pytest.raises(ScoringInputError, match="no such file"):
        load_transactions(tmp_path / "missing.csv")


def test_stages_and_lead_table(tmp_path: Path) -> None:
    stages = load_stages(
        pd.DataFrame(
            {
                "account_id": ["a", "b"],
                "as_of": ["2024-05-31", "2024-05-31"],
                "stage": ["Interest", "retention"],
            }
        ),
        now=NOW,
    )
    assert stages.frame["stage"].tolist() == ["interest", "retention"]
    with pytest.raises(ScoringInputError, match="'lunch' is not one of"):
        load_stages(
            pd.DataFrame({"account_id": ["a"], "as_of": ["2024-05-31"], "stage": ["lunch"]}),
            now=NOW,
        )
    path = _write(
        tmp_path / "leads.csv",
        "id,source,visits,won,\nl1,Select,3,yes,\nl2,web,,0,\nl3,web,1,maybe,\n",
    )
    with pytest.raises(ScoringInputError, match="row 3: won 'maybe' is not 0/1"):
        load_lead_table(path, id_column="id", target_column="won")
    loaded = load_lead_table(
        path, id_column="id", target_column="won", on_error="quarantine", quarantine_dir=tmp_path
    )
    assert loaded.frame["won"].tolist() == [1, 0]
    assert loaded.frame["source"].isna().tolist() == [True, False]  # "Select" means missing
    assert "Unnamed: 4" not in loaded.frame.columns
