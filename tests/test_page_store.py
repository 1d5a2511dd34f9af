"""The page store round-trips records on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from crawling.records import PageRecord
from crawling.store import load_pages, save_pages


def test_save_and_load_pages(db_engine: sa.Engine) -> None:
    recs = [
        PageRecord(
            domain="acme.de",
            url="https://acme.de/",
            main_text="Antriebstechnik für den Maschinenbau",
            title="Acme",
            headings=["Über uns"],
            language="de",
            imprint={"legal_form": "GmbH"},
            raw_html=b"<html>x</html>",
        ),
        PageRecord(domain="beta.com", url="https://beta.com/", main_text="Cloud software"),
    ]
    assert save_pages(db_engine, recs) == 2
    # saving again replaces by URL instead of duplicating
    recs[0].title = "Acme GmbH"
    assert save_pages(db_engine, recs[:1]) == 1
    got = load_pages(db_engine, ["acme.de"], with_html=True)
    assert list(got) == ["acme.de"]
    (page,) = got["acme.de"]
    assert page.title == "Acme GmbH"
    assert page.headings == ["Über uns"]
    assert page.imprint == {"legal_form": "GmbH"}
    assert page.raw_html == b"<html>x</html>"
    assert set(load_pages(db_engine)) == {"acme.de", "beta.com"}
