"""The CLI end to end on files: train, score, evaluate, promote, rollback; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from serving.cli import main
from training.synthetic import generate_history


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


@pytest.fixture
def files(tmp_path: Path, mlflow_uri: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("LEADSCOPE_MODELS_DIR", str(tmp_path / "models"))
    h = generate_history(160, days=480, seed=5)
    paths = {"events": tmp_path / "events.csv", "transactions": tmp_path / "tx.parquet"}
    h.events.assign(timestamp=h.events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(
        paths["events"], index=False
    )
    h.transactions.to_parquet(paths["transactions"])
    return paths


def test_train_score_evaluate_promote_rollback(files, tmp_path: Path, capsys) -> None:
    tx, ev = str(files["transactions"]), str(files["events"])
    assert _run(["train", "lifecycle", "--events", ev, "--transactions", tx]) == 0
    out = capsys.readouterr().out
    assert "promoted to @champion" in out and "purchase_auc" in out
    assert "held-out rows (accounts not used for tuning)" in out
    assert _run(["train", "lifecycle", "--transactions", tx, "--no-promote"]) == 0
    assert "@champion stays at version 1" in capsys.readouterr().out

    scores = tmp_path / "scores.csv"
    args = ["score", "lifecycle", "--events", ev, "--transactions", tx]
    assert _run([*args, "--as-of", "2024-05-01", "--out", str(scores)]) == 0
    table = pd.read_csv(scores)
    assert table["account_id"].is_unique and (table["model_version"] == 1).all()
    assert {"stage", "score", "grade", "p_purchase", "p_churn", "campaign"} <= set(table.columns)
    assert isinstance(json.loads(table["reasons"].iloc[0]), list)
    assert "grades: A" in capsys.readouterr().out

    assert _run(["evaluate", "lifecycle"]) == 0
    assert "gate:" in capsys.readouterr().out
    assert _run(["promote", "lifecycle", "--force"]) == 0
    assert "-> version 2" in capsys.readouterr().out
    assert _run(["rollback", "lifecycle"]) == 0
    assert "-> version 1 (rolled back)" in capsys.readouterr().out


def test_bad_input_is_one_line_exit_2(files, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,timestamp,amount\na,2024-01-01,12\nb,soon,3\n", encoding="utf-8")
    assert _run(["train", "lifecycle", "--transactions", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "row 2: timestamp 'soon' is not ISO 8601" in err[0]
    q = tmp_path / "q"
    code = _run(
        [
            "score",
            "lifecycle",
            "--transactions",
            str(bad),
            "--out",
            str(tmp_path / "s.csv"),
            "--quarantine-dir",
            str(q),
        ]
    )
    assert code == 3  # no champion in this store: the model is unavailable
    assert (q / "bad.quarantine.csv").exists()
    assert _run(["rollback", "lifecycle"]) == 2
    assert _run(["train", "leads", "--data", str(bad), "--id", "account_id", "--target", "x"]) == 2
    assert "missing required column(s) x" in capsys.readouterr().err


def test_train_and_score_leads(files, tmp_path: Path, capsys) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    n = 600
    visits = rng.poisson(3, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(visits - 3)))).astype(int)
    data = tmp_path / "leads.csv"
    pd.DataFrame(
        {"id": range(n), "visits": visits, "kind": rng.choice(["a", "b", "Select"], n), "won": y}
    ).to_csv(data, index=False)
    assert _run(["train", "leads", "--data", str(data), "--id", "id", "--target", "won"]) == 0
    assert "held-out AUC" in capsys.readouterr().out
    out = tmp_path / "lead_scores.csv"
    assert _run(["score", "leads", "--data", str(data), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "score", "grade", "probability", "reasons"]
    assert len(table) == n


def test_training_summary_says_where_each_metric_comes_from() -> None:
    from training.lifecycle import lifecycle_metric_lines

    base = {"n_train_rows": 900, "n_valid_rows": 300, "n_as_of_dates": 6, "purchase_auc": 0.8}
    held = {**base, "metrics_held_out": 1.0, "n_test_rows": 140, "churn_auc": 0.7}
    lines = lifecycle_metric_lines(held, 2.0)
    assert "metrics on 140 held-out rows" in lines[0]
    assert lines[1:] == ["  purchase_auc: 0.800", "  churn_auc: 0.700"]
    churn_fallback = lifecycle_metric_lines({**held, "churn_metrics_held_out": 0.0}, 2.0)
    assert churn_fallback[1] == "  purchase_auc: 0.800"
    assert churn_fallback[2].endswith("(in-sample: churn tuned on all validation accounts)")
    in_sample = lifecycle_metric_lines({**base, "metrics_held_out": 0.0}, 2.0)
    assert "too few to hold some out" in in_sample[0]
