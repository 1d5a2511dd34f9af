"""Fixtures of the crawler tests: a local web on loopback and a resolver that never does DNS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crawling.webserver import Web


@pytest.fixture
def web() -> Iterator[Web]:
    w = Web()
    yield w
    w.close()


class FakeResolver:
    """Maps names to addresses; any other name fails like NXDOMAIN (no real DNS in tests)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host in self.table:
            return self.table[host]
        raise OSError(f"fake resolver: unknown host {host}")


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver(
        {
            "intranet.corp.test": ["10.1.2.3"],
            "metadata.cloud.test": ["169.254.169.254"],
            "mixed.test": ["93.184.216.34", "192.168.1.10"],
            "public.test": ["93.184.216.34"],
            "multicast.test": ["224.0.0.1"],
            "v6local.test": ["fe80::1"],
        }
    )
