"""The prospect-list job: crawl what is missing, fit on the customers, score the candidates.

:func:`make_prospect_list_handler` builds the :class:`serving.jobs.JobRunner` handler;
:func:`read_rows` and :func:`rows_to_csv` serve the stored rows (``prospect_rows``).
The handler is restartable: the crawl skips domains already in the page store and the fit is
deterministic, so a job resumed after a crash gives the same list.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from scoring.schema_web import prospect_rows
from serving.jobs import JobContext, JobHandler

log = logging.getLogger(__name__)

PROSPECT_LIST_KIND = "prospect_list"


def read_rows(
    engine: sa.Engine, list_id: str, *, offset: int = 0, limit: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, rows)`` of a stored prospect list, ordered by rank."""
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count())
            .select_from(prospect_rows)
            .where(prospect_rows.c.list_id == list_id)
        ).scalar_one()
        stmt = (
            sa.select(
                prospect_rows.c.rank,
                prospect_rows.c.domain,
                prospect_rows.c.score,
                prospect_rows.c.row,
            )
            .where(prospect_rows.c.list_id == list_id)
            .order_by(prospect_rows.c.rank.is_(None), prospect_rows.c.rank, prospect_rows.c.id)
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = []
        for r in conn.execute(stmt):
            row = dict(r.row or {})
            row.setdefault("rank", r.rank)
            row.setdefault("domain", r.domain)
            row.setdefault("score", r.score)
            rows.append(row)
    return int(total), rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) if not isinstance(v, dict) else json.dumps(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def rows_to_csv(rows: list[dict[str, Any]]) -> Iterator[str]:
    """CSV text (header first); list cells are joined with ``; ``, dicts become JSON."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    yield buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_cell(row.get(c)) for c in columns])
        yield buf.getvalue()


def make_prospect_list_handler(
    engine: sa.Engine, run: Callable[[JobContext], str | None] | None = None
) -> JobHandler:
    """The job handler; ``run`` is the work (crawl + fit + score) returning the list id."""

    def handler(ctx: JobContext) -> str | None:
        if run is None:
            raise RuntimeError("prospect lists are not available in this build")
        return run(ctx)

    return handler
