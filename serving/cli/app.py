"""The Typer application and its command groups, shared by the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="leadscope",
    help="ML lead scoring and B2B web scoring: crawl, profile, train, score, serve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(
    help="Train a model family and register it in MLflow.", no_args_is_help=True
)
score_app = typer.Typer(
    help="Score records from files with the @champion model.", no_args_is_help=True
)
keys_app = typer.Typer(help="Manage API keys (stored hashed).", no_args_is_help=True)
db_app = typer.Typer(help="Application database.", no_args_is_help=True)

app.add_typer(train_app, name="train")
app.add_typer(score_app, name="score")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
