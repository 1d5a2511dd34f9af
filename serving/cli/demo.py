"""``leadscope demo``: the main job end to end on embedded defaults."""

from __future__ import annotations

import logging
import os
import time

import typer

from serving.cli.app import app
from serving.cli.context import settings_and_logging
from serving.demo import DemoConfig, run_demo


@app.command("demo")
def demo_cmd(
    seed: int = typer.Option(7, help="seed of the generated world"),
    companies: int = typer.Option(420, min=60, help="companies in the generated world"),
    top: int = typer.Option(25, min=1, help="prospects to show"),
) -> None:
    """Generate a world, crawl it, build prospects, train models, serve and call the API."""
    settings = settings_and_logging()
    if "LEADSCOPE_LOG_LEVEL" not in os.environ:
        # the demo narrates on stdout; logs show warnings only unless a level is asked for
        logging.getLogger().setLevel(logging.WARNING)
    started = time.perf_counter()
    report = run_demo(
        settings, DemoConfig(seed=seed, n_companies=companies, top=top), echo=typer.echo
    )
    uri = settings.resolved_mlflow_uri
    typer.echo("\n== summary")
    for name, seconds in report.timings.items():
        typer.echo(f"   {seconds:6.1f} s  {name}")
    typer.echo(f"   {time.perf_counter() - started:6.1f} s  total")
    typer.echo("\nNext:")
    typer.echo(
        f"   MLflow UI:  .venv/bin/mlflow ui --backend-store-uri {uri}  (http://127.0.0.1:5000)"
    )
    typer.echo("   API + docs: .venv/bin/leadscope serve  then open http://127.0.0.1:8000/docs")
    typer.echo("   API key:    .venv/bin/leadscope keys create --scopes crm,sales,admin")
