"""The ``leadscope`` command line: a thin edge over the library.

Every command parses input, calls one library function and formats the result. User mistakes
end with one line on stderr and exit code 2 (3 when a service is unreachable), never a
traceback. Each area registers its commands in its own module (see ``_register``).
"""

from __future__ import annotations

import sys
import warnings

import click
import typer
from typer.main import get_command

from serving.cli.app import app
from serving.errors import exit_code_for


def _register() -> None:
    # Importing a module registers its commands on ``app`` or on its groups.
    from serving.cli import (  # noqa: F401
        api,
        crawl,
        db,
        demo,
        lifecycle,
        web,
        world,
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``leadscope`` console script."""
    _register()
    # library warnings meant for developers (e.g. MLflow's schema hints) are not the user's
    warnings.filterwarnings("ignore", category=UserWarning, module=r"mlflow(\..*)?")
    command = get_command(app)
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = command.main(args=args, prog_name="leadscope", standalone_mode=False)
    except (typer.Exit, click.exceptions.Exit) as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, click.exceptions.Abort):
        print("leadscope: aborted", file=sys.stderr)
        sys.exit(130)
    except (typer.TyperException, click.ClickException) as exc:
        # usage errors (unknown option, missing argument, bad value): one line, exit 2
        ctx = getattr(exc, "ctx", None)
        cmd = ctx.command_path if ctx is not None else "leadscope"
        message = " ".join(exc.format_message().split())
        if message:  # a group called without a command has printed its help already
            print(f"{cmd}: error: {message}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        if exc.filename is None:
            raise
        # a file the user named cannot be read or written: one line, nothing half-written
        print(f"leadscope: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        code = exit_code_for(exc)
        if code is None:
            raise
        print(f"leadscope: error: {exc}", file=sys.stderr)
        sys.exit(code)
    sys.exit(rv if isinstance(rv, int) else 0)


__all__ = ["app", "main", "typer"]
