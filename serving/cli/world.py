"""``leadscope generate`` and ``leadscope demo-web``: the synthetic world and its websites."""

from __future__ import annotations

import sys
import threading
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from serving.cli.app import app
from serving.cli.context import settings_and_logging
from serving.errors import InputError
from training.world import DEFAULT_END_DATE, DemoWeb, WorldSummary, generate_world
from training.world.sites import DEFAULT_PORT, SITES_FILE

BACKWARD_MOVES = (
    ("retention", "at_risk"),
    ("advocacy", "at_risk"),
    ("at_risk", "churned"),
    ("churned", "interest"),
    ("churned", "purchase"),
    ("interest", "awareness"),
)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counts.items())


def format_summary(summary: WorldSummary) -> list[str]:
    """The lines ``leadscope generate`` prints."""
    backward = {pair: summary.transitions.get(pair, 0) for pair in BACKWARD_MOVES}
    return [
        f"world written to {summary.out_dir} (seed {summary.seed}, {summary.seconds:.1f} s)",
        f"companies     {summary.n_companies:,} (customers {summary.n_customers:,}, "
        f"candidates {summary.n_candidates:,}), pages {summary.n_pages:,}, "
        f"contacts {summary.n_contacts:,}",
        f"industries    {_counts(summary.industries)}",
        f"languages     {_counts(summary.languages)}",
        f"customers in  {_counts(summary.customers_by_industry)}",
        f"events        {summary.n_events:,} over {summary.months} months "
        f"({summary.start_date} to {summary.end_date}): {_counts(summary.event_types)}",
        f"transactions  {summary.n_transactions:,}",
        f"stages at end {_counts(summary.final_stages)}",
        "backward moves " + ", ".join(f"{a}->{b} {n:,}" for (a, b), n in backward.items()),
        f"serve the sites: leadscope demo-web --dir {summary.web_dir} "
        f"(the url columns assume port {DEFAULT_PORT})",
    ]


@app.command("generate")
def generate_cmd(
    out: Path = typer.Option(..., "--out", help="Directory to write the world into."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives the same files."),
    companies: int = typer.Option(420, "--companies", help="Number of companies (20 to 20000)."),
    months: int = typer.Option(24, "--months", help="Months of journeys, events and orders."),
    end_date: datetime | None = typer.Option(
        None,
        "--end-date",
        formats=["%Y-%m-%d"],
        help="Last day of the window (YYYY-MM-DD; it ends at the last month end on or before it). "
        f"Default {DEFAULT_END_DATE}, so that the seed alone fixes the world.",
    ),
) -> None:
    """Generate the synthetic B2B world: companies, websites, contacts, events, orders, stages."""
    settings_and_logging()
    status = (
        Console(stderr=True).status("generating the world")
        if sys.stderr.isatty()
        else nullcontext()
    )
    with status:
        summary = generate_world(
            out,
            seed=seed,
            n_companies=companies,
            months=months,
            end_date=end_date.date() if end_date else None,
        )
    for line in format_summary(summary):
        typer.echo(line)


def _web_dir(directory: Path) -> Path:
    if (directory / SITES_FILE).is_file():
        return directory
    if (directory / "web" / SITES_FILE).is_file():
        return directory / "web"
    raise InputError(f"no generated websites in {directory} (run leadscope generate first)")


@app.command("demo-web")
def demo_web_cmd(
    directory: Path = typer.Option(
        ..., "--dir", help="World directory (or its web/ folder) written by leadscope generate."
    ),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port on every site address (0: any)."),
    urls: Path | None = typer.Option(
        None, "--urls", help="Where to write the domain,url file (default: <dir>/urls.csv)."
    ),
) -> None:
    """Serve every generated site on its own loopback address until Ctrl-C."""
    settings_and_logging()
    web_dir = _web_dir(directory)
    urls_path = urls or web_dir.parent / "urls.csv"
    stop = threading.Event()
    with DemoWeb(web_dir, port=port) as web:
        web.write_seed_csv(None, urls_path)
        first = web.domains[0]
        typer.echo(
            f"serving {len(web.domains):,} sites on port {web.port}, e.g. {web.url_for(first)}"
        )
        typer.echo(f"urls file: {urls_path}")
        try:  # before the prompt: a Ctrl-C right after it must still stop cleanly
            typer.echo("press Ctrl-C to stop")
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            typer.echo("stopped")
