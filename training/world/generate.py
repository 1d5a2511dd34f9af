"""``generate_world``: write a whole synthetic B2B world into a directory.

Outputs (input formats of ARCHITECTURE.md): companies.csv, customers.csv, candidates.csv,
contacts.csv, events.csv, transactions.csv, stages.csv, leads.csv (a CRM lead export, see
``training.world.leads``) and the websites under web/ with
web/sites.csv. The same seed gives byte-identical files.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.accounts_store import EVENT_COLUMNS, TRANSACTION_COLUMNS
from training.errors import TrainingInputError
from training.world.companies import Company, generate_companies
from training.world.journeys import (
    CUSTOMER_STAGES,
    STAGES,
    generate_contacts,
    generate_events,
    generate_transactions,
    make_calendar,
    net_value_eur,
    simulate_stages,
    stage_frame,
    transition_counts,
)
from training.world.leads import lead_table
from training.world.sites import SITES_FILE, render_site, write_sites

logger = logging.getLogger(__name__)

DEFAULT_END_DATE = date(2026, 10, 31)  # fixed, so that a seed alone fixes the world
MIN_COMPANIES = 20
MAX_COMPANIES = 20_000
MIN_MONTHS = 3
MAX_MONTHS = 120

COMPANY_COLUMNS = (
    "domain",
    "name",
    "account_id",
    "country",
    "is_customer",
    "customer_value",
    "industry",
    "language",
    "legal_name",
    "legal_form",
    "street",
    "postal_code",
    "city",
    "register_court",
    "register_number",
    "vat_id",
    "employees",
    "site_kind",
    "true_fit",
)
STAGE_COLUMNS = ("account_id", "as_of", "stage")
OUTPUT_FILES = (
    "companies.csv",
    "customers.csv",
    "candidates.csv",
    "contacts.csv",
    "events.csv",
    "transactions.csv",
    "stages.csv",
    "leads.csv",
)


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """What ``generate_world`` wrote: counts, distributions and paths."""

    out_dir: Path
    seed: int
    n_companies: int
    n_customers: int
    n_candidates: int
    n_contacts: int
    n_events: int
    n_transactions: int
    n_pages: int
    months: int
    start_date: date
    end_date: date
    seconds: float
    industries: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    customers_by_industry: dict[str, int] = field(default_factory=dict)
    final_stages: dict[str, int] = field(default_factory=dict)
    event_types: dict[str, int] = field(default_factory=dict)
    transitions: dict[tuple[str, str], int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def web_dir(self) -> Path:
        return self.out_dir / "web"


def _check_options(out_dir: Path, n_companies: int, months: int) -> None:
    if not MIN_COMPANIES <= n_companies <= MAX_COMPANIES:
        raise TrainingInputError(
            f"--companies must be between {MIN_COMPANIES} and {MAX_COMPANIES}, got {n_companies}"
        )
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise TrainingInputError(
            f"--months must be between {MIN_MONTHS} and {MAX_MONTHS}, got {months}"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise TrainingInputError(f"output path is not a directory: {out_dir}")
    web = out_dir / "web"
    if web.exists() and any(web.iterdir()) and not (web / SITES_FILE).exists():
        raise TrainingInputError(
            f"{web} exists and was not written by the generator; choose another --out"
        )


def _prepare(out_dir: Path) -> Path:
    web = out_dir / "web"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if web.exists():
            shutil.rmtree(web)  # a previous world: replace it, do not mix sites
        web.mkdir()
        probe = out_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise TrainingInputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    return web


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write beside the target, then rename: an interrupted run never leaves a half file."""
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.2f")
    tmp.replace(path)


def generate_world(
    out_dir: Path,
    *,
    seed: int = 7,
    n_companies: int = 420,
    months: int = 24,
    end_date: date | None = None,
) -> WorldSummary:
    """Generate the synthetic world into ``out_dir`` (see the module docstring)."""
    out_dir = Path(out_dir)
    _check_options(out_dir, n_companies, months)
    started = time.perf_counter()
    end = end_date or DEFAULT_END_DATE
    web = _prepare(out_dir)
    rng = np.random.default_rng(seed)

    companies = generate_companies(rng, n_companies)
    calendar = make_calendar(end, months)
    fit = np.array([c.fit for c in companies])
    stages = simulate_stages(rng, fit, months)
    contacts, contact_roles = generate_contacts(rng, companies, seed)
    events = generate_events(rng, companies, stages, calendar, contact_roles, seed)
    transactions = generate_transactions(rng, companies, stages, calendar, seed)
    account_ids = [c.account_id for c in companies]
    snapshots = stage_frame(account_ids, stages, calendar)

    final = [STAGES[s] for s in stages[:, -1]]
    is_customer = np.array([s in CUSTOMER_STAGES for s in final])
    value = net_value_eur(transactions, account_ids)
    rendered = [render_site(c, seed, end.year) for c in companies]
    site_rows = write_sites(web, rendered)
    urls = {row["domain"]: row["url"] for row in site_rows}

    company_frame = _company_frame(companies, is_customer, value)
    paths = {name: out_dir / name for name in OUTPUT_FILES}
    _write_csv(company_frame, paths["companies.csv"])
    for name, mask in (("customers.csv", is_customer), ("candidates.csv", ~is_customer)):
        domains = company_frame.loc[mask, "domain"]
        _write_csv(pd.DataFrame({"domain": domains, "url": domains.map(urls)}), paths[name])
    _write_csv(contacts, paths["contacts.csv"])
    _write_csv(events.loc[:, list(EVENT_COLUMNS)], paths["events.csv"])
    _write_csv(transactions.loc[:, list(TRANSACTION_COLUMNS)], paths["transactions.csv"])
    _write_csv(snapshots.loc[:, list(STAGE_COLUMNS)], paths["stages.csv"])
    leads = lead_table(
        company_frame, contacts, events.loc[:, list(EVENT_COLUMNS)], transactions, seed=seed
    )
    _write_csv(leads, paths["leads.csv"])
    paths["sites.csv"] = web / SITES_FILE

    summary = WorldSummary(
        out_dir=out_dir,
        seed=seed,
        n_companies=len(companies),
        n_customers=int(is_customer.sum()),
        n_candidates=int((~is_customer).sum()),
        n_contacts=len(contacts),
        n_events=len(events),
        n_transactions=len(transactions),
        n_pages=sum(len(row["pages"].split(";")) for row in site_rows),
        months=months,
        start_date=calendar.starts[0].astype("datetime64[D]").astype(object),
        end_date=calendar.month_ends[-1],
        seconds=round(time.perf_counter() - started, 2),
        industries=dict(Counter(c.industry for c in companies).most_common()),
        languages=dict(Counter(c.language for c in companies).most_common()),
        customers_by_industry=dict(
            Counter(
                c.industry for c, cust in zip(companies, is_customer, strict=True) if cust
            ).most_common()
        ),
        final_stages={s: final.count(s) for s in STAGES},
        event_types=events["event_type"].value_counts().to_dict(),
        transitions=transition_counts(stages),
        paths=paths,
    )
    logger.info(
        "generated world seed=%d companies=%d customers=%d events=%d transactions=%d in %.1fs",
        seed,
        summary.n_companies,
        summary.n_customers,
        summary.n_events,
        summary.n_transactions,
        summary.seconds,
    )
    return summary


def _company_frame(
    companies: list[Company], is_customer: np.ndarray, value: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "domain": [c.domain for c in companies],
            "name": [c.name for c in companies],
            "account_id": [c.account_id for c in companies],
            "country": [c.country for c in companies],
            "is_customer": is_customer.astype(int),
            "customer_value": value,
            "industry": [c.industry for c in companies],
            "language": [c.language for c in companies],
            "legal_name": [c.legal_name for c in companies],
            "legal_form": [c.legal_form for c in companies],
            "street": [c.street for c in companies],
            "postal_code": [c.postal_code for c in companies],
            "city": [c.city for c in companies],
            "register_court": [c.register_court for c in companies],
            "register_number": [c.register_number for c in companies],
            "vat_id": [c.vat_id for c in companies],
            "employees": [c.employees for c in companies],
            "site_kind": [c.site_kind for c in companies],
            # hidden ground truth: a non-customer that genuinely resembles the customer base
            "true_fit": [
                int(c.in_customer_industry and not cust)
                for c, cust in zip(companies, is_customer, strict=True)
            ],
        }
    )
    return frame.loc[:, list(COMPANY_COLUMNS)]
