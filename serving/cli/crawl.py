"""``leadscope crawl``, ``import-pages`` and ``extract``: thin edges over ``crawling``."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from crawling import (
    CrawlInputError,
    CrawlProgress,
    CrawlSummary,
    crawl,
    extract_file,
    import_pages,
    read_seeds,
)
from crawling.imports import iter_html_files
from serving.cli.app import app
from serving.cli.context import database, settings_and_logging
from serving.outputs import atomic_open
from serving.settings import crawl_config_from_settings


@contextmanager
def _progress_bar(total: int, label: str, enabled: bool):  # type: ignore[no-untyped-def]
    """A rich progress bar on a terminal (stderr); a no-op callback otherwise."""
    if not enabled:
        yield lambda done, desc="": None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),  # stdout keeps the summary (and --json) clean
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, desc: str = "") -> None:
            bar.update(task, completed=done, description=f"{label} {desc}".strip())

        yield update


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1])) or "-"


def format_summary(s: CrawlSummary) -> str:
    mb = s.bytes / 1e6
    return "\n".join(
        [
            f"sites: {s.sites} (finished {s.sites_done}; skipped: {_counts(s.sites_skipped)})",
            f"pages stored: {s.pages_stored}; not modified (304): {s.not_modified}",
            f"pages skipped: {sum(s.skipped.values())} ({_counts(s.skipped)})",
            f"errors: {_counts(s.errors)}",
            f"requests: {s.requests} (robots.txt {s.robots_requests}, retries {s.retries}); "
            f"{mb:.1f} MB; {s.pages_per_second:.1f} pages/s in {s.elapsed:.1f} s"
            + ("; stopped early, run again to resume" if s.stopped else ""),
        ]
    )


@app.command("crawl")
def crawl_cmd(
    domains_csv: Annotated[
        Path, typer.Argument(help="CSV with a 'domain' column (optional 'url'; others kept).")
    ],
    max_pages: Annotated[
        int | None, typer.Option(help="Internal pages per site besides the home page.", min=0)
    ] = None,
    delay: Annotated[
        float | None, typer.Option(help="Seconds between requests to one host.", min=0.0)
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Requests in flight over all hosts.", min=1)
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private", help="Allow private, loopback and link-local targets (local webs)."
        ),
    ] = False,
    recrawl: Annotated[
        bool,
        typer.Option(
            "--recrawl", help="Fetch crawled sites again with conditional requests (ETag)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Crawl company websites politely into the page store (resumes an interrupted crawl)."""
    seeds = read_seeds(domains_csv)
    settings = settings_and_logging()
    if allow_private and settings.environment == "prod":
        raise CrawlInputError("--allow-private is refused in the prod environment")
    config = crawl_config_from_settings(
        settings,
        max_pages_per_site=max_pages,
        delay=delay,
        concurrency=concurrency,
        allow_private=True if allow_private else None,
        recrawl=recrawl,
    )
    engine = database(settings)
    with _progress_bar(len(seeds), "crawling", sys.stderr.isatty()) as update:

        def progress(p: CrawlProgress) -> None:
            update(p.sites_done, f"{p.pages_stored} pages")

        summary = crawl(seeds, engine, config, progress=progress)
    typer.echo(json.dumps(summary.as_dict()) if as_json else format_summary(summary))


@app.command("import-pages")
def import_pages_cmd(
    pages_jsonl: Annotated[
        Path,
        typer.Argument(help="JSONL: one object per line with domain, url and html or text."),
    ],
) -> None:
    """Store pages crawled elsewhere in the page store (html is extracted; text kept as is)."""
    settings = settings_and_logging()
    engine = database(settings)
    summary = import_pages(engine, pages_jsonl)
    typer.echo(
        f"pages stored: {summary.pages_stored} for {len(summary.domains)} domains "
        f"({summary.from_html} from HTML, {summary.from_text} from text)"
    )


@app.command("extract")
def extract_cmd(
    inputs: Annotated[
        list[Path], typer.Argument(help="HTML files (.html, .html.gz) or directories of them.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output JSONL file ('-' for stdout).")
    ] = Path("-"),
) -> None:
    """Extract main text, title, language and imprint fields from HTML files into JSONL."""
    settings_and_logging()
    files = list(iter_html_files(inputs))
    if not files:
        raise CrawlInputError("no HTML files found in the given paths")
    to_stdout = str(out) == "-"
    with (
        nullcontext(sys.stdout) if to_stdout else atomic_open(out) as sink,
        _progress_bar(len(files), "extracting", sys.stderr.isatty()) as update,
    ):
        for i, path in enumerate(files, start=1):
            sink.write(json.dumps(extract_file(path), ensure_ascii=False) + "\n")
            update(i)
    if not to_stdout:
        typer.echo(f"extracted {len(files)} files into {out}")
