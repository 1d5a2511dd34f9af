"""Worlds generated once per test session: a small one for most tests and the default size."""

from __future__ import annotations

import pytest

from training.world import WorldSummary, generate_world

SMALL_SEED = 11
SMALL_COMPANIES = 60


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("small-world")
    return generate_world(out, seed=SMALL_SEED, n_companies=SMALL_COMPANIES)


@pytest.fixture(scope="session")
def default_world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("default-world")
    return generate_world(out)
