"""Output files: checked early, written atomically, spreadsheet formulas neutralised."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from serving.errors import InputError
from serving.outputs import atomic_open, check_writable, safe_cell, write_csv


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_open(out) as fh:
        fh.write("half of the new")
        raise RuntimeError("crash mid-way")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temp file left


def test_write_csv_neutralises_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "Acme", "-5+3", "@SUM"], "score": [1, 2, 3, 4]})
    write_csv(frame, tmp_path / "p.csv", untrusted_text=True)
    back = pd.read_csv(tmp_path / "p.csv")
    assert back["name"].tolist() == ["'=HYPERLINK(1)", "Acme", "'-5+3", "'@SUM"]
    assert back["score"].tolist() == [1, 2, 3, 4]
    assert safe_cell(-5) == -5


def test_check_writable_names_the_problem(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create"):
        check_writable(blocker / "sub" / "out.csv")
    with pytest.raises(InputError, match="is a directory"):
        check_writable(tmp_path)


def test_api_csv_is_the_cli_table_and_formula_safe() -> None:
    from serving.prospect_jobs import rows_to_csv

    rows = [
        {
            "rank": 1,
            "domain": "acme.de",
            "name": "=cmd|' /C calc'!A0",
            "score": 91.5,
            "shared_terms": [
                {"term": "antrieb", "weight": 0.42},
                {"term": "getriebe", "weight": 0.2},
            ],
            "extra_internal_key": "not exported",
        }
    ]
    table = pd.read_csv(io.StringIO("".join(rows_to_csv(rows))))
    assert table.loc[0, "shared_terms"] == "antrieb (0.42); getriebe (0.2)"
    assert table.loc[0, "name"].startswith("'=")
    assert "extra_internal_key" not in table.columns and "differentiating_terms" in table.columns
