"""The company store on SQLite and PostgreSQL: validation, upsert by domain, filters."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from scoring.companies import load_companies, upsert_companies
from scoring.errors import ScoringInputError


def test_upsert_and_load(db_engine: sa.Engine) -> None:
    frame = pd.DataFrame(
        {
            "domain": ["Acme.de", "beta.com", "gamma.co.uk"],
            "name": ["Acme GmbH", "Beta Inc", None],
            "is_customer": ["yes", "0", None],
            "customer_value": [1200.5, None, None],
            "industry": ["machinery", "software", "logistics"],
        }
    )
    assert upsert_companies(db_engine, frame).inserted == 3
    again = upsert_companies(db_engine, pd.DataFrame({"domain": ["acme.de"], "name": ["Acme AG"]}))
    assert (again.inserted, again.updated) == (0, 1)
    customers = load_companies(db_engine, is_customer=True)
    # the partial update changed the name and kept the fields it did not mention
    assert customers["domain"].tolist() == ["acme.de"]
    assert customers["name"].tolist() == ["Acme AG"]
    assert customers["customer_value"].tolist() == [1200.5]
    assert customers["attributes"].iloc[0] == {"industry": "machinery"}
    others = load_companies(db_engine, is_customer=False)
    assert others["domain"].tolist() == ["beta.com", "gamma.co.uk"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"name": ["x"]}), "column 'domain'"),
        (pd.DataFrame({"domain": ["a.de", None]}), "row 2: domain"),
        (pd.DataFrame({"domain": ["a.de"], "is_customer": ["maybe"]}), "row 1: is_customer"),
        (pd.DataFrame({"domain": ["a.de"], "customer_value": ["lots"]}), "customer_value"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(
    sqlite_engine: sa.Engine, frame: pd.DataFrame, message: str
) -> None:
    with pytest.raises(ScoringInputError, match=message):
        upsert_companies(sqlite_engine, frame)
    assert load_companies(sqlite_engine).empty
