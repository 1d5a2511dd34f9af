"""crawling.once.Once: one build, whatever the number of threads asking first."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from crawling.once import Once


def test_concurrent_first_calls_build_once_and_share_the_result() -> None:
    builds: list[int] = []
    gate = threading.Barrier(8)

    def build() -> object:
        builds.append(1)
        time.sleep(0.05)  # a slow build: the other threads arrive while it runs
        return object()

    once = Once(build)

    def call(_: int) -> object:
        gate.wait()
        return once()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))
    assert len(builds) == 1
    assert all(r is results[0] for r in results)
    assert once() is results[0]


def test_a_failed_build_is_retried_on_the_next_call() -> None:
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("model file busy")
        return "ready"

    once = Once(build)
    with pytest.raises(OSError, match="busy"):
        once()
    assert once() == "ready"
    assert len(calls) == 2
