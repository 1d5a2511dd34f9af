"""``leadscope demo``: the main job end to end on embedded defaults.

It grows with the product: generate the world, serve the demo web, crawl, build the prospect
list, train and register the models, start the API, score and request a prospect list over HTTP.
"""

from __future__ import annotations

import typer

from serving.cli.app import app
from serving.cli.context import database, settings_and_logging
from serving.db import current_revision


@app.command("demo")
def demo_cmd() -> None:
    """Run the end-to-end demo on SQLite, the local MLflow store and a generated world."""
    settings = settings_and_logging()
    engine = database(settings)
    typer.echo(f"database ready at revision {current_revision(engine)}")
