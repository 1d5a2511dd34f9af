"""The company store: the stored customer set and candidate pool (``companies`` table).

Rows follow the companies input contract (``domain`` required; ``name``, ``account_id``,
``country``, ``is_customer``, ``customer_value`` optional); unknown extra columns are kept in
``attributes``. Upserts are keyed by domain, so importing a newer export updates in place.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from scoring.errors import ScoringInputError
from scoring.schema_accounts import companies

log = logging.getLogger(__name__)

_KNOWN = ("domain", "name", "account_id", "country", "is_customer", "customer_value")
_TRUE = {"1", "true", "yes", "y", "t", "ja", "x"}
_FALSE = {"0", "false", "no", "n", "f", "nein", ""}


@dataclass(frozen=True)
class CompanyImport:
    inserted: int
    updated: int


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _bool(value: Any, row: int) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ScoringInputError(f"row {row}: is_customer: {value!r} is not a yes/no value")


def _float(value: Any, row: int, field: str) -> float | None:
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScoringInputError(f"row {row}: {field}: {value!r} is not a number") from None


def _text(value: Any) -> str | None:
    return None if _missing(value) or str(value).strip() == "" else str(value).strip()


def normalise_companies(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Validate a companies frame into table rows; errors name the (1-based data) row."""
    if "domain" not in frame.columns:
        raise ScoringInputError("companies: required column 'domain' is missing")
    extras = [c for c in frame.columns if c not in _KNOWN]
    rows: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        domain = _text(rec.get("domain"))
        if domain is None:
            raise ScoringInputError(f"row {i}: domain is empty")
        attrs = {k: rec[k] for k in extras if not _missing(rec[k])}
        rows[domain.lower()] = {
            "domain": domain.lower(),
            "name": _text(rec.get("name")),
            "account_id": _text(rec.get("account_id")),
            "country": _text(rec.get("country")),
            "is_customer": _bool(rec.get("is_customer"), i),
            "customer_value": _float(rec.get("customer_value"), i, "customer_value"),
            "attributes": {k: (v.item() if hasattr(v, "item") else v) for k, v in attrs.items()}
            or None,
        }
    return list(rows.values())


def upsert_companies(engine: sa.Engine, frame: pd.DataFrame) -> CompanyImport:
    """Insert or update companies by domain in one transaction (all rows validated first)."""
    rows = normalise_companies(frame)
    with engine.begin() as conn:
        existing = set()
        domains = [r["domain"] for r in rows]
        for i in range(0, len(domains), 1000):
            chunk = domains[i : i + 1000]
            existing |= set(
                conn.execute(sa.select(companies.c.domain).where(companies.c.domain.in_(chunk)))
                .scalars()
                .all()
            )
        new = [r for r in rows if r["domain"] not in existing]
        old = [r for r in rows if r["domain"] in existing]
        if new:
            conn.execute(companies.insert(), new)
        # an update sets only the columns the input has: a partial export never wipes fields
        present = [c for c in _KNOWN if c in frame.columns and c != "domain"]
        if any(c not in _KNOWN for c in frame.columns):
            present.append("attributes")
        for r in old:
            values = {c: r[c] for c in present}
            if values:
                stmt = companies.update().where(companies.c.domain == r["domain"])
                conn.execute(stmt.values(**values))
    log.info("companies: %d inserted, %d updated", len(new), len(old))
    return CompanyImport(inserted=len(new), updated=len(old))


def load_companies(
    engine: sa.Engine, *, is_customer: bool | None = None, domains: Sequence[str] | None = None
) -> pd.DataFrame:
    """Stored companies (optionally only customers / non-customers, or given domains)."""
    query = sa.select(*[companies.c[c] for c in (*_KNOWN, "attributes")]).order_by(
        companies.c.domain
    )
    if is_customer is True:
        query = query.where(companies.c.is_customer.is_(True))
    elif is_customer is False:
        query = query.where(
            sa.or_(companies.c.is_customer.is_(False), companies.c.is_customer.is_(None))
        )
    if domains is not None:
        query = query.where(companies.c.domain.in_([d.lower() for d in domains]))
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=[*_KNOWN, "attributes"])
