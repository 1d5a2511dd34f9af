"""Lifecycle and lead-model commands: train, score, evaluate, promote, rollback.

Each command parses its options, calls one library function and prints a summary. Heavy
imports (MLflow, LightGBM) happen inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from serving.cli.app import app, score_app, train_app
from serving.cli.context import mlflow_uri, settings_and_logging
from serving.errors import InputError
from serving.outputs import check_writable, write_csv

_FAMILIES = {"lifecycle": "leadscope-lifecycle", "leads": "leadscope-leads"}


def model_name(name: str) -> str:
    """``lifecycle``/``leads`` or a full registered model name."""
    return _FAMILIES.get(name, name)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _dates(value: str | None) -> list[Any] | None:
    from scoring.features import to_utc_timestamp

    dates = _split(value)
    return [to_utc_timestamp(d) for d in dates] if dates else None


def _project_run_id() -> str | None:
    """The run ``mlflow run`` created for this command (it passes it in MLFLOW_RUN_ID)."""
    import os

    return os.environ.get("MLFLOW_RUN_ID") or None


def _given(path: Path | None) -> Path | None:
    """None for an absent optional file ("" from MLproject parameters arrives as ".")."""
    return None if path is None or str(path) in ("", ".") else path


def _status(message: str) -> Any:
    from rich.console import Console

    return Console(stderr=True).status(message)


def _load_accounts_inputs(
    events: Path | None, transactions: Path, quarantine_dir: Path | None
) -> tuple[Any, Any, list[str]]:
    from scoring.loaders import load_events, load_transactions

    mode = "quarantine" if quarantine_dir else "raise"
    tx = load_transactions(transactions, on_error=mode, quarantine_dir=quarantine_dir)
    notes = [tx.report.summary()]
    ev_frame = None
    if _given(events) is not None:
        ev = load_events(events, on_error=mode, quarantine_dir=quarantine_dir)
        notes.append(ev.report.summary())
        ev_frame = ev.frame
    return ev_frame, tx.frame, notes


@train_app.command("lifecycle")
def train_lifecycle_cmd(
    transactions: Path = typer.Option(..., help="Transactions CSV/Parquet (orders, returns)."),
    events: Path | None = typer.Option(None, help="Engagement events CSV/Parquet (optional)."),
    stages: Path | None = typer.Option(None, help="Stage snapshots (account_id, as_of, stage)."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Comma-separated as-of dates (default: month starts in the data)."
    ),
    horizon: float = typer.Option(90, help="Outcome horizon in days (purchase, churn)."),
    campaigns: Path | None = typer.Option(None, help="JSON campaign rules (stage[:grade])."),
    quarantine_dir: Path | None = typer.Option(
        None, help="Quarantine bad rows into this folder instead of failing."
    ),
    promote: bool = typer.Option(True, help="Promote to @champion when the gate passes."),
) -> None:
    """Train the lifecycle stage and propensity models, log to MLflow, register, gate."""
    settings = settings_and_logging()
    from scoring.campaigns import CampaignRules
    from scoring.loaders import load_stages
    from training.lifecycle import LifecycleConfig, lifecycle_metric_lines, train_lifecycle

    ev, tx, notes = _load_accounts_inputs(events, transactions, quarantine_dir)
    snapshots = None
    if _given(stages) is not None:
        loaded = load_stages(
            stages,
            on_error="quarantine" if quarantine_dir else "raise",
            quarantine_dir=quarantine_dir,
        )
        notes.append(loaded.report.summary())
        snapshots = loaded.frame
    for note in notes:
        typer.echo(note)
    config = LifecycleConfig(
        horizon_days=int(horizon),
        campaigns=CampaignRules.from_file(campaigns) if campaigns else CampaignRules(),
    )
    uri = mlflow_uri(settings)
    with _status("training the lifecycle models"):
        fit, report = train_lifecycle(
            ev,
            tx,
            tracking_uri=uri,
            stages=snapshots,
            as_of_dates=_dates(as_of),
            config=config,
            auto_promote=promote,
            data_source=str(transactions),
            run_id=_project_run_id(),
        )
    for line in lifecycle_metric_lines(fit.metrics, fit.seconds):
        typer.echo(line)
    typer.echo(report.summary())
    typer.echo(f"MLflow run {report.run_id} at {uri}")


@train_app.command("leads")
def train_leads_cmd(
    data: Path = typer.Option(..., help="Lead table (CRM export) CSV/Parquet."),
    id_column: str = typer.Option(..., "--id", help="Id column."),
    target: str = typer.Option(..., help="Target column (0/1, yes/no, true/false)."),
    exclude: str | None = typer.Option(None, help="Comma-separated columns to ignore."),
    post_outcome: str | None = typer.Option(
        None, help="Comma-separated columns filled in after the outcome (left out, warned)."
    ),
    missing: str = typer.Option("Select", help="Comma-separated markers meaning 'missing'."),
    quarantine_dir: Path | None = typer.Option(
        None, help="Quarantine bad rows into this folder instead of failing."
    ),
    promote: bool = typer.Option(True, help="Promote to @champion when the gate passes."),
) -> None:
    """Train the generic lead model on any CRM export, log to MLflow, register, gate."""
    settings = settings_and_logging()
    from scoring.loaders import load_lead_table
    from training.leads import LeadConfig, train_leads

    loaded = load_lead_table(
        data,
        id_column=id_column,
        target_column=target,
        missing_markers=(*_split(missing), ""),
        on_error="quarantine" if quarantine_dir else "raise",
        quarantine_dir=quarantine_dir,
    )
    typer.echo(loaded.report.summary())
    config = LeadConfig(
        id_column=id_column,
        target=target,
        exclude=tuple(_split(exclude)),
        post_outcome=tuple(_split(post_outcome)),
        missing_markers=tuple(_split(missing)),
    )
    uri = mlflow_uri(settings)
    with _status("training the lead model"):
        fit, report = train_leads(
            loaded.frame,
            config,
            tracking_uri=uri,
            auto_promote=promote,
            data_source=str(data),
            run_id=_project_run_id(),
        )
    for warning in fit.warnings:
        typer.echo(f"warning: {warning}", err=True)
    m = fit.metrics
    where = "held-out" if m.get("metrics_held_out") else "validation (also used for tuning)"
    typer.echo(
        f"trained on {len(fit.features)} columns, {where} AUC "
        f"{m.get('auc', float('nan')):.3f}, lift of grade A "
        f"{m.get('lift_grade_a', float('nan')):.2f} "
        f"({int(m.get('n_test_rows') or m.get('n_valid_rows', 0))} leads)"
    )
    typer.echo(report.summary())
    typer.echo(f"MLflow run {report.run_id} at {uri}")


def _load(name: str, alias: str, uri: str) -> Any:
    from scoring.registry import load_model

    return load_model(name, alias, tracking_uri=uri)


@score_app.command("lifecycle")
def score_lifecycle_cmd(
    transactions: Path = typer.Option(..., help="Transactions CSV/Parquet."),
    out: Path = typer.Option(..., help="Output CSV (one row per account)."),
    events: Path | None = typer.Option(None, help="Engagement events CSV/Parquet (optional)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Score as of this date (default now)."),
    alias: str = typer.Option("champion", help="Registry alias to score with."),
    quarantine_dir: Path | None = typer.Option(
        None, help="Quarantine bad rows into this folder instead of failing."
    ),
) -> None:
    """Score every account as of a date: stage, score, grade, propensities, reasons, campaign."""
    check_writable(out)
    settings = settings_and_logging()
    import pandas as pd

    from scoring.features import to_utc_timestamp
    from scoring.lifecycle import score_accounts

    when = to_utc_timestamp(as_of) if as_of else pd.Timestamp.now(tz="UTC")
    ev, tx, notes = _load_accounts_inputs(events, transactions, quarantine_dir)
    for note in notes:
        typer.echo(note)
    model = _load(model_name("lifecycle"), alias, mlflow_uri(settings))
    with _status("scoring accounts"):
        table = score_accounts(model.scorer, ev, tx, when)
    table["model_version"] = model.version
    write_csv(table, out, untrusted_text=True)
    grades = table["grade"].value_counts().reindex(["A", "B", "C", "D"], fill_value=0)
    typer.echo(
        f"scored {len(table)} accounts as of {when:%Y-%m-%d %H:%M} with "
        f"{model.name} v{model.version} (@{alias}) -> {out}"
    )
    typer.echo("grades: " + ", ".join(f"{g} {n}" for g, n in grades.items()))


@score_app.command("leads")
def score_leads_cmd(
    data: Path = typer.Option(..., help="Lead table CSV/Parquet (same columns as in training)."),
    out: Path = typer.Option(..., help="Output CSV: id, score, grade, probability, reasons."),
    alias: str = typer.Option("champion", help="Registry alias to score with."),
) -> None:
    """Score a lead table with the generic lead model."""
    check_writable(out)
    settings = settings_and_logging()
    from scoring.leads import score_lead_table
    from scoring.loaders import load_lead_table

    model = _load(model_name("leads"), alias, mlflow_uri(settings))
    scorer = model.scorer
    loaded = load_lead_table(
        data, id_column=scorer.id_column, missing_markers=(*scorer.missing_markers, "")
    )
    with _status("scoring leads"):
        table = score_lead_table(scorer, loaded.frame)
    write_csv(table, out, untrusted_text=True)
    typer.echo(f"scored {len(table)} leads with {model.name} v{model.version} -> {out}")


@app.command("evaluate")
def evaluate_cmd(
    name: str = typer.Argument(..., help="lifecycle, leads or a registered model name."),
    version: str | None = typer.Option(None, help="Version to evaluate (default @challenger)."),
) -> None:
    """Compare a version with @champion on that version's validation data, with the gate."""
    settings = settings_and_logging()
    from training.promotion import evaluate_against_champion

    result = evaluate_against_champion(model_name(name), mlflow_uri(settings), version)
    typer.echo(result.table())
    typer.echo(result.verdict())


@app.command("promote")
def promote_cmd(
    name: str = typer.Argument(..., help="lifecycle, leads or a registered model name."),
    version: str | None = typer.Option(None, help="Version to promote (default @challenger)."),
    force: bool = typer.Option(False, help="Promote even when the gate fails."),
) -> None:
    """Move @champion to a version (after the gate, unless --force); keeps the previous."""
    settings = settings_and_logging()
    from training.promotion import promote_version

    target, result = promote_version(model_name(name), mlflow_uri(settings), version, force=force)
    if result is not None and not result.gate.passed:
        typer.echo(f"gate failed but forced: {'; '.join(result.gate.reasons)}", err=True)
    typer.echo(f"{model_name(name)}@champion -> version {target}")


@app.command("rollback")
def rollback_cmd(
    name: str = typer.Argument(..., help="lifecycle, leads or a registered model name."),
) -> None:
    """Point @champion back at the previous champion."""
    settings = settings_and_logging()
    from mlflow import MlflowClient

    from training.registry import rollback

    uri = mlflow_uri(settings)
    if not name:
        raise InputError("a model name is required")
    version = rollback(MlflowClient(tracking_uri=uri, registry_uri=uri), model_name(name))
    typer.echo(f"{model_name(name)}@champion -> version {version} (rolled back)")
