"""``leadscope prospects``, ``leadscope segments`` and ``leadscope train lookalike``."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer

from serving.cli.app import app, train_app
from serving.cli.context import database, mlflow_uri, settings_and_logging
from serving.errors import InputError
from serving.outputs import check_writable, write_csv, write_text


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


def _read_domains(path: Path | None, what: str) -> list[str] | None:
    """The ``domain`` column of a CSV/Parquet file (None: use the stored set)."""
    if path is None:
        return None
    from scoring.loaders import read_table

    frame, name = read_table(path)
    if "domain" not in frame.columns:
        raise InputError(
            f"{what} file {name}: missing required column 'domain' "
            f"(found: {', '.join(map(str, frame.columns[:12]))})"
        )
    domains = [str(d).strip() for d in frame["domain"].dropna() if str(d).strip()]
    if not domains:
        raise InputError(f"{what} file {name}: no domains in column 'domain'")
    return domains


@contextmanager
def _progress(label: str):  # type: ignore[no-untyped-def]
    """A rich progress bar on a terminal (stderr); a no-op callback otherwise."""
    if not sys.stderr.isatty():
        yield lambda share, message="": None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "{task.percentage:>3.0f}%",
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(label, total=1.0)

        def update(share: float, message: str = "") -> None:
            bar.update(task, completed=share, description=f"{label}: {message}")

        yield update


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


@app.command("prospects")
def prospects_cmd(
    customers: Path | None = typer.Option(
        None, "--customers", help="CSV/Parquet with a 'domain' column (default: stored customers)"
    ),
    candidates: Path | None = typer.Option(
        None,
        "--candidates",
        help="CSV/Parquet with a 'domain' column (default: every other stored domain)",
    ),
    top: int = typer.Option(100, "--top", min=1, help="prospects to rank"),
    out: Path | None = typer.Option(None, "--out", help="output file (default: stdout)"),
    fmt: OutputFormat = typer.Option(OutputFormat.csv, "--format", help="csv or json"),
    min_score: float | None = typer.Option(
        None, "--min-score", min=0, max=100, help="only prospects scoring at least this"
    ),
    language: list[str] | None = typer.Option(
        None, "--language", help="only sites in these languages (de, en); repeatable"
    ),
    country: list[str] | None = typer.Option(
        None, "--country", help="only companies of these countries (companies table)"
    ),
    segment: list[str] | None = typer.Option(
        None, "--segment", help="only these segments (id or label); repeatable"
    ),
) -> None:
    """Fit the lookalike model on the customers' stored pages, register it, rank candidates.

    Pages must be in the store (``leadscope crawl`` or ``leadscope import-pages``). Customers
    without usable pages are reported and left out; candidates without pages are listed with
    a reason and no score. The list is also stored in the database.
    """
    from serving.prospect_jobs import rows_to_csv
    from training.lookalike import evaluation_summary
    from training.prospect_lists import ProspectConfig, run_prospect_list

    cust = _read_domains(customers, "customers")
    cands = _read_domains(candidates, "candidates")
    if out is not None:
        check_writable(out)  # before the fit, not after it
    settings = settings_and_logging()
    engine = database(settings)
    uri = mlflow_uri(settings)
    config = ProspectConfig(
        promote=True,  # an operator at the CLI: the gate decides
        top=top,
        min_score=min_score,
        languages=_split(language),
        countries=_split(country),
        segments=_split(segment),
    )
    with _progress("prospects") as update:
        result = run_prospect_list(
            engine, cust, cands, config=config, tracking_uri=uri, progress=update
        )
    if fmt is OutputFormat.json:
        text = json.dumps(
            {
                "list_id": result.list_id,
                "model": {"name": result.model_name, "version": result.model_version},
                "skipped_customers": result.skipped_customers,
                "rows": result.rows,
            },
            ensure_ascii=False,
            indent=1,
            default=str,
        )
    else:  # crawled text is untrusted: no spreadsheet formulas in the CSV
        text = "".join(rows_to_csv(result.rows))  # the API's CSV, the same table
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text(out, text)
    scored = sum(1 for r in result.rows if r.get("score") is not None)
    unscored = sum(1 for r in result.rows if r.get("reason"))
    promoted = " (now @champion)" if result.promoted else ""
    for domain, reason in result.skipped_customers.items():
        typer.echo(f"customer {domain} left out: {reason}", err=True)
    typer.echo(
        f"list {result.list_id}: {scored} prospects ranked, {unscored} candidates without a "
        f"score; model {result.model_name} v{result.model_version}{promoted}; "
        f"{evaluation_summary(result.metrics)}" + (f"; written to {out}" if out else ""),
        err=True,
    )


@app.command("segments")
def segments_cmd(
    alias: str = typer.Option("champion", "--alias", help="registry alias of the model"),
    out: Path | None = typer.Option(None, "--out", help="also write the report as CSV"),
) -> None:
    """Print the segment report of the registered lookalike model (top, similar and
    differentiating terms per customer segment)."""
    from scoring.registry import load_model
    from training.lookalike import MODEL_NAME

    if out is not None:
        check_writable(out)
    settings = settings_and_logging()
    uri = mlflow_uri(settings)
    loaded = load_model(MODEL_NAME, alias, tracking_uri=uri)
    report = loaded.scorer.segment_report()
    typer.echo(f"{loaded.name} version {loaded.version} (@{alias}): {len(report)} segment(s)")
    for row in report.itertuples(index=False):
        typer.echo(f"\nsegment {row.segment}: {row.label} ({row.n_customers} customers)")
        typer.echo(f"  customers:       {row.customers}")
        typer.echo(f"  top terms:       {row.top_terms}")
        typer.echo(f"  similar:         {row.similar_terms}")
        typer.echo(f"  differentiating: {row.differentiating_terms}")
    if out is not None:
        write_csv(report, out, untrusted_text=True)


@train_app.command("lookalike")
def train_lookalike_cmd(
    customers: Path | None = typer.Option(
        None, "--customers", help="CSV/Parquet with a 'domain' column (default: stored customers)"
    ),
) -> None:
    """Fit, evaluate (hidden customers), log and register the lookalike model from stored
    pages; non-customer sites in the store are the background."""
    from training.lookalike import evaluation_summary, train_lookalike
    from training.prospect_lists import ProspectConfig, training_documents

    cust = _read_domains(customers, "customers")
    settings = settings_and_logging()
    engine = database(settings)
    uri = mlflow_uri(settings)
    config = ProspectConfig()
    with _progress("train lookalike") as update:
        customer_docs, background_docs, skipped = training_documents(
            engine, cust, config=config, progress=lambda s, m: update(0.3 * s, m)
        )
        result = train_lookalike(
            customer_docs,
            background_docs,
            config=config.lookalike,
            tracking_uri=uri,
            progress=lambda s, m: update(0.3 + 0.7 * s, m),
        )
    for domain, reason in skipped.items():
        typer.echo(f"customer {domain} left out: {reason}", err=True)
    m = result.metrics
    typer.echo(
        f"{result.model_name} version {result.version} registered as @challenger"
        + (" and @champion" if result.promoted else f" (gate: {'; '.join(result.gate_reasons)})")
        + f"; {len(customer_docs)} customers, {len(background_docs)} background sites, "
        f"{int(m.get('n_segments', 0))} segment(s); {evaluation_summary(m)}"
    )
