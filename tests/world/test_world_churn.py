"""Customers of the default world churn like a real B2B base: steadily, and then go quiet."""

from __future__ import annotations

import numpy as np

from training.world import WorldSummary
from training.world.checks import churn_check


def test_customers_churn_a_few_percent_a_quarter_over_the_whole_window(
    default_world: WorldSummary,
) -> None:
    check = churn_check(default_world.out_dir)
    rates = np.array(check.quarterly_rates)
    assert len(rates) == default_world.months // 3
    assert 0.015 <= check.mean_rate <= 0.08  # a few per cent per quarter
    assert rates.max() < 0.15  # no quarter where the base collapses
    assert (rates > 0).sum() >= len(rates) - 2  # churn in (almost) every quarter ...
    half = len(rates) // 2
    assert rates[:half].sum() > 0.25 * rates.sum()  # ... not bunched at the end
    assert rates[half:].sum() > 0.25 * rates.sum()
    assert check.churned_customers >= 12


def test_churned_customers_stop_ordering_and_engaging(default_world: WorldSummary) -> None:
    check = churn_check(default_world.out_dir)
    assert check.churned_months >= 100
    assert check.orders == 0
    assert check.active_per_month < 0.05  # no logins, tickets, calls, meetings, forms
    # some marketing mail is still opened and the site visited now and then, far less often
    assert 0 < check.passive_per_month < 0.15 * check.passive_per_customer_month
