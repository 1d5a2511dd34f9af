"""Properties of the generated world: counts, languages, sites, journeys, determinism."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from scoring.accounts_store import EVENT_COLUMNS, TRANSACTION_COLUMNS
from training.errors import TrainingInputError
from training.world import EVENT_TYPES, STAGES, WorldSummary, generate_world
from training.world.industries import CUSTOMER_INDUSTRIES
from training.world.journeys import CUSTOMER_STAGES

ARCH_COMPANY = ["domain", "name", "account_id", "country", "is_customer", "customer_value"]
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def frames(world: WorldSummary) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(world.out_dir / f"{name}.csv", keep_default_na=False)
        for name in (
            "companies",
            "customers",
            "candidates",
            "contacts",
            "events",
            "transactions",
            "stages",
        )
    }


def site_pages(world: WorldSummary) -> dict[str, list[str]]:
    with (world.web_dir / "sites.csv").open(encoding="utf-8") as fh:
        return {row["domain"]: row["pages"].split(";") for row in csv.DictReader(fh)}


# ----------------------------------------------------------------- default size
def test_default_world_counts_languages_and_speed(default_world: WorldSummary) -> None:
    w = default_world
    assert w.n_companies >= 400
    assert len(w.industries) >= 8
    assert set(w.languages) == {"de", "en"} and min(w.languages.values()) >= 40
    assert w.months >= 24
    assert 50_000 <= w.n_events <= 400_000  # "low hundreds of thousands"
    assert w.seconds < 60
    companies = pd.read_csv(w.out_dir / "companies.csv")
    # some German companies have English sites and some British/US ones German sites
    home_de = companies["country"].isin(["DE", "AT", "CH"])
    assert ((companies["language"] == "en") & home_de).sum() >= 5
    assert ((companies["language"] == "de") & ~home_de).sum() >= 2


def test_default_world_has_backward_stage_moves(default_world: WorldSummary) -> None:
    stages = pd.read_csv(default_world.out_dir / "stages.csv")
    stages = stages.sort_values(["account_id", "as_of"])
    prev = stages.groupby("account_id")["stage"].shift()
    pairs = set(zip(prev[prev.notna()], stages["stage"][prev.notna()], strict=True))
    for move in [
        ("retention", "at_risk"),
        ("at_risk", "churned"),
        ("interest", "awareness"),
        ("consideration", "interest"),
    ]:
        assert move in pairs, move
    assert ("churned", "interest") in pairs or ("churned", "purchase") in pairs
    # the summary counts the same transitions
    assert default_world.transitions[("retention", "at_risk")] > 0


def test_default_world_customers_form_several_segments(default_world: WorldSummary) -> None:
    companies = pd.read_csv(default_world.out_dir / "companies.csv")
    customers = companies[companies["is_customer"] == 1]
    by_industry = customers["industry"].value_counts()
    assert (by_industry >= 10).sum() >= 3  # at least three real segments
    # companies that become customers are mostly from the customer industries
    assert customers["industry"].isin(CUSTOMER_INDUSTRIES).mean() >= 0.6
    # but not only: there are customers from elsewhere too
    assert (~customers["industry"].isin(CUSTOMER_INDUSTRIES)).sum() >= 5
    # non-customers that do and do not resemble the customers
    pool = companies[companies["is_customer"] == 0]
    assert pool["true_fit"].sum() >= 20
    assert (pool["true_fit"] == 0).sum() >= 100
    assert set(pool.loc[pool["true_fit"] == 1, "industry"]) <= set(CUSTOMER_INDUSTRIES)


# ----------------------------------------------------------------- contracts
def test_output_columns_match_the_contracts(small_world: WorldSummary) -> None:
    f = frames(small_world)
    assert list(f["companies"].columns[:6]) == ARCH_COMPANY
    assert {"industry", "language", "legal_name", "city", "true_fit"} <= set(f["companies"].columns)
    # imprint ground truth for extraction checks
    imprint = {"legal_form", "street", "postal_code", "register_court", "register_number", "vat_id"}
    assert imprint <= set(f["companies"].columns)
    # the required columns of ARCHITECTURE.md, in exactly the layout the account store ingests
    assert {"account_id", "timestamp", "event_type"} <= set(f["events"].columns)
    assert {"account_id", "timestamp", "amount"} <= set(f["transactions"].columns)
    assert tuple(f["events"].columns) == EVENT_COLUMNS
    assert tuple(f["transactions"].columns) == TRANSACTION_COLUMNS
    assert list(f["stages"].columns) == ["account_id", "as_of", "stage"]
    assert {"contact_id", "account_id", "role"} <= set(f["contacts"].columns)
    assert list(f["customers"].columns) == ["domain", "url"]
    assert list(f["candidates"].columns) == ["domain", "url"]
    assert f["events"]["timestamp"].map(lambda t: bool(ISO_UTC.match(t))).all()
    assert f["transactions"]["timestamp"].map(lambda t: bool(ISO_UTC.match(t))).all()
    assert f["events"]["event_id"].is_unique and f["transactions"]["order_id"].is_unique
    assert set(f["stages"]["stage"]) <= set(STAGES)
    assert set(f["events"]["event_type"]) <= set(EVENT_TYPES)
    # customers + candidates partition the companies; urls point at loopback site addresses
    companies = f["companies"]
    customers = set(companies.loc[companies["is_customer"] == 1, "domain"])
    assert set(f["customers"]["domain"]) == customers
    assert set(f["candidates"]["domain"]) == set(companies["domain"]) - customers
    urls = pd.concat([f["customers"], f["candidates"]])["url"]
    assert urls.str.match(r"^http://127\.0\.\d+\.\d+:8731/$").all() and urls.is_unique
    # every referenced account and contact exists
    accounts = set(companies["account_id"])
    assert set(f["events"]["account_id"]) <= accounts
    contacts = set(f["contacts"]["contact_id"])
    assert set(f["events"]["contact_id"]) - {""} <= contacts


def test_stage_snapshots_cover_every_account_each_month_end(small_world: WorldSummary) -> None:
    stages = pd.read_csv(small_world.out_dir / "stages.csv")
    months = sorted(stages["as_of"].unique())
    assert len(months) == 24
    assert months[-1] == "2026-10-31" and months[0] == "2024-11-30"
    assert len(stages) == 24 * small_world.n_companies
    # is_customer is the ground-truth stage at the last month end
    last = stages[stages["as_of"] == months[-1]].set_index("account_id")["stage"]
    companies = pd.read_csv(small_world.out_dir / "companies.csv").set_index("account_id")
    expected = last.isin(list(CUSTOMER_STAGES)).astype(int)
    assert (companies["is_customer"] == expected.reindex(companies.index)).all()


def test_buying_centres_have_two_to_six_contacts(small_world: WorldSummary) -> None:
    contacts = pd.read_csv(small_world.out_dir / "contacts.csv")
    sizes = contacts.groupby("account_id").size()
    assert len(sizes) == small_world.n_companies
    assert sizes.min() >= 2 and sizes.max() <= 6 and sizes.nunique() >= 3
    assert (contacts.groupby("account_id")["role"].first() == "decision_maker").all()


def test_events_come_from_typical_roles(default_world: WorldSummary) -> None:
    events = pd.read_csv(default_world.out_dir / "events.csv", keep_default_na=False)
    contacts = pd.read_csv(default_world.out_dir / "contacts.csv")
    known = events[events["contact_id"] != ""].merge(contacts, on=["contact_id", "account_id"])
    assert len(known) == (events["contact_id"] != "").sum()  # every contact_id exists
    share = pd.crosstab(known["event_type"], known["role"], normalize="index")
    assert share.loc["login", "user"] > 5 * share.loc["login", "decision_maker"]
    assert share.loc["meeting", "decision_maker"] > share.loc["meeting", "user"]
    web = events[events["event_type"].isin(["web_visit", "page_view"])]
    assert 0.25 < (web["contact_id"] != "").mean() < 0.45  # most web traffic is anonymous


# ----------------------------------------------------------------- journeys
def test_events_cover_24_months_and_all_types(small_world: WorldSummary) -> None:
    events = pd.read_csv(small_world.out_dir / "events.csv")
    assert set(events["event_type"]) == set(EVENT_TYPES)
    months = pd.to_datetime(events["timestamp"]).dt.strftime("%Y-%m").unique()
    assert len(months) == 24
    assert events["timestamp"].is_monotonic_increasing


def test_behaviour_depends_on_the_hidden_stage(default_world: WorldSummary) -> None:
    out = default_world.out_dir
    events = pd.read_csv(out / "events.csv", usecols=["account_id", "timestamp", "event_type"])
    events["month"] = events["timestamp"].str[:7]
    stages = pd.read_csv(out / "stages.csv")
    stages["month"] = stages["as_of"].str[:7]
    counts = events.groupby(["account_id", "month"]).size().rename("n")
    logins = events[events["event_type"] == "login"].groupby(["account_id", "month"]).size()
    joined = stages.set_index(["account_id", "month"])
    joined["n"] = counts.reindex(joined.index).fillna(0)
    joined["logins"] = logins.reindex(joined.index).fillna(0)
    mean = joined.groupby("stage")["n"].mean()
    assert mean["consideration"] > 2 * mean["awareness"]
    assert mean["churned"] < 0.3 * mean["retention"]  # churn is silence
    login_mean = joined.groupby("stage")["logins"].mean()
    assert login_mean["retention"] > 5 * max(login_mean["awareness"], 0.1)
    # but not perfectly: stages overlap in activity (noise, lag, account propensity)
    aw = joined.loc[joined["stage"] == "awareness", "n"]
    co = joined.loc[joined["stage"] == "consideration", "n"]
    assert (aw > co.median()).mean() > 0.01


def test_transactions_follow_the_buying_stages(default_world: WorldSummary) -> None:
    out = default_world.out_dir
    tx = pd.read_csv(out / "transactions.csv")
    stages = pd.read_csv(out / "stages.csv")
    tx["month"] = tx["timestamp"].str[:7]
    stages["month"] = stages["as_of"].str[:7]
    orders = tx[tx["amount"] > 0].merge(stages, on=["account_id", "month"])
    assert set(orders["stage"]) <= {"purchase", "retention", "advocacy", "at_risk"}
    assert (tx["amount"] < 0).sum() > 0  # returns
    assert tx.loc[tx["amount"] < 0, "order_id"].str.endswith("-R").all()
    assert {"EUR", "GBP", "USD"} <= set(tx["currency"])
    # every purchase month has an order
    buy = stages[stages["stage"] == "purchase"].set_index(["account_id", "month"]).index
    ordered = orders.set_index(["account_id", "month"]).index
    assert buy.isin(ordered).all()
    companies = pd.read_csv(out / "companies.csv")
    never = companies[~companies["account_id"].isin(tx["account_id"])]
    assert (never["customer_value"] == 0).all()


# ----------------------------------------------------------------- websites
def test_sites_have_four_to_eight_pages_except_one_page_sites(small_world: WorldSummary) -> None:
    companies = pd.read_csv(small_world.out_dir / "companies.csv").set_index("domain")
    pages = site_pages(small_world)
    assert set(pages) == set(companies.index)
    for domain, files in pages.items():
        kind = companies.loc[domain, "site_kind"]
        if kind == "one_page":
            assert files == ["index.html"]
        else:
            assert 4 <= len(files) <= 8, (domain, files)
        assert "index.html" in files
        assert (small_world.web_dir / domain / "robots.txt").is_file()


def test_default_world_has_sparse_and_one_page_sites(default_world: WorldSummary) -> None:
    companies = pd.read_csv(default_world.out_dir / "companies.csv")
    kinds = companies["site_kind"].value_counts()
    assert kinds.get("one_page", 0) >= 5 and kinds.get("sparse", 0) >= 20
    sizes = [len(p) for p in site_pages(default_world).values()]
    assert max(sizes) == 8 and min(sizes) == 1


def _text(path: Path, charset: str) -> str:
    return path.read_bytes().decode(charset)


def test_german_sites_have_a_complete_impressum(small_world: WorldSummary) -> None:
    companies = pd.read_csv(
        small_world.out_dir / "companies.csv", keep_default_na=False, dtype={"postal_code": str}
    )
    with (small_world.web_dir / "sites.csv").open(encoding="utf-8") as fh:
        charsets = {row["domain"]: row["charset"] for row in csv.DictReader(fh)}
    german = companies[(companies["language"] == "de") & (companies["country"] == "DE")]
    assert len(german) >= 10
    for row in german.itertuples():
        site = small_world.web_dir / row.domain
        page = site / ("impressum.html" if (site / "impressum.html").exists() else "index.html")
        html = _text(page, charsets[row.domain])
        assert "Impressum" in html
        assert row.legal_name.replace("&", "&amp;") in html
        assert row.postal_code in html and row.city in html
        assert re.search(r"Amtsgericht [\w ]+(<br>Registernummer: | )(HRB|HRA|VR) \d+", html), (
            row.domain
        )
        assert re.search(r"(USt-IdNr\.: |Umsatzsteuergesetz: )DE\d{9}", html), row.domain
        assert row.legal_form in {
            "GmbH",
            "AG",
            "KG",
            "GmbH & Co. KG",
            "UG (haftungsbeschränkt)",
            "e.K.",
            "SE",
            "OHG",
            "e.V.",
        }


def test_sites_speak_their_language_with_boilerplate(small_world: WorldSummary) -> None:
    companies = pd.read_csv(small_world.out_dir / "companies.csv")
    with (small_world.web_dir / "sites.csv").open(encoding="utf-8") as fh:
        charsets = {row["domain"]: row["charset"] for row in csv.DictReader(fh)}
    for row in companies.itertuples():
        html = _text(small_world.web_dir / row.domain / "index.html", charsets[row.domain])
        assert 'id="cookie-notice"' in html
        assert "<footer" in html or 'class="footer"' in html
        if row.language == "de":
            assert "Cookies" in html and ("Alle Rechte vorbehalten" in html)
        else:
            assert "We use cookies" in html and "All rights reserved" in html
        assert 'href="http' not in html  # links between pages are relative


def test_industry_vocabularies_overlap(default_world: WorldSummary) -> None:
    """Related industries share terms, so a site's words do not give its industry away."""
    companies = pd.read_csv(default_world.out_dir / "companies.csv")
    de_auto = companies[(companies["industry"] == "automation") & (companies["language"] == "de")]
    hits = 0
    for domain in de_auto["domain"]:
        text = "".join(
            p.read_bytes().decode("utf-8", "replace")
            for p in (default_world.web_dir / domain).glob("*.html")
        )
        hits += "Antriebstechnik" in text
    assert hits >= 3  # a drives term on automation sites


# ----------------------------------------------------------------- determinism and input
def test_same_seed_gives_byte_identical_files(tmp_path: Path, small_world: WorldSummary) -> None:
    again = generate_world(tmp_path / "again", seed=11, n_companies=60)
    assert read_tree(again.out_dir) == read_tree(small_world.out_dir)


def test_different_seed_gives_a_different_world(tmp_path: Path, small_world: WorldSummary) -> None:
    other = generate_world(tmp_path / "other", seed=12, n_companies=60)
    a, b = read_tree(small_world.out_dir), read_tree(other.out_dir)
    for name in ("companies.csv", "events.csv", "transactions.csv", "stages.csv"):
        assert a[name] != b[name], name


def test_regenerating_replaces_the_old_sites(tmp_path: Path) -> None:
    first = generate_world(tmp_path, seed=1, n_companies=20, months=3)
    second = generate_world(tmp_path, seed=2, n_companies=20, months=3)
    domains = {p.name for p in second.web_dir.iterdir() if p.is_dir()}
    assert domains == set(site_pages(second))
    assert first.n_companies == second.n_companies == 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_companies": 3}, "--companies"),
        ({"months": 1}, "--months"),
    ],
)
def test_bad_options_are_input_errors(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(TrainingInputError, match=message):
        generate_world(tmp_path, **kwargs)


def test_unwritable_out_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TrainingInputError, match=r"not a directory|cannot write"):
        generate_world(blocker / "sub", n_companies=20)
    with pytest.raises(TrainingInputError, match="not a directory"):
        generate_world(blocker, n_companies=20)


def test_foreign_web_dir_is_not_deleted(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "precious.txt").write_text("keep me")
    with pytest.raises(TrainingInputError, match="not written by the generator"):
        generate_world(tmp_path, n_companies=20)
    assert (tmp_path / "web" / "precious.txt").read_text() == "keep me"


def test_end_date_moves_the_window(tmp_path: Path) -> None:
    # the window ends at the last complete month end on or before end_date: no future events
    w = generate_world(tmp_path, seed=5, n_companies=20, months=6, end_date=date(2025, 3, 14))
    stages = pd.read_csv(w.out_dir / "stages.csv")
    assert sorted(stages["as_of"].unique()) == [
        "2024-09-30",
        "2024-10-31",
        "2024-11-30",
        "2024-12-31",
        "2025-01-31",
        "2025-02-28",
    ]
    events = pd.read_csv(w.out_dir / "events.csv")
    assert events["timestamp"].min() >= "2024-09-01" and events["timestamp"].max() < "2025-03-01"
    tx = pd.read_csv(w.out_dir / "transactions.csv")
    assert tx["timestamp"].max() < "2025-03-01"  # returns past the window are dropped
    assert w.end_date == date(2025, 2, 28) and w.start_date == date(2024, 9, 1)
    on_month_end = generate_world(tmp_path, n_companies=20, months=3, end_date=date(2025, 3, 31))
    assert on_month_end.end_date == date(2025, 3, 31)


def test_event_rate_table_is_aligned_by_name() -> None:
    from training.world.journeys import RATE_TABLE, event_rates

    rates = event_rates()
    assert rates.shape == (len(STAGES), len(EVENT_TYPES))
    login = EVENT_TYPES.index("login")
    assert rates[STAGES.index("advocacy"), login] > rates[STAGES.index("awareness"), login]
    # a table whose rows were reordered gives the same array; a missing row is refused
    lines = RATE_TABLE.strip().splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])])
    assert (event_rates(shuffled) == rates).all()
    with pytest.raises(ValueError, match="every stage and event type"):
        event_rates("\n".join(lines[:-1]))


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_invariants_hold_for_other_seeds(tmp_path: Path, seed: int) -> None:
    w = generate_world(tmp_path, seed=seed, n_companies=30, months=6)
    f = frames(w)
    companies = f["companies"]
    assert len(companies) == 30 and companies["domain"].is_unique
    assert companies["account_id"].is_unique and companies["industry"].nunique() >= 8
    assert len(f["customers"]) + len(f["candidates"]) == 30
    assert len(f["stages"]) == 30 * 6
    assert f["events"]["timestamp"].between(str(w.start_date), str(w.end_date) + "T23:59:59Z").all()
    kinds = companies.set_index("domain")["site_kind"]
    for domain, pages in site_pages(w).items():
        assert len(pages) == 1 if kinds[domain] == "one_page" else 4 <= len(pages) <= 8
    assert (companies["true_fit"] * companies["is_customer"]).sum() == 0
