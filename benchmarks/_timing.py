"""Timing helpers shared by the benchmarks.

Import as ``from _timing import per_call`` (a script's own folder is first on ``sys.path`` when
it runs as ``.venv/bin/python benchmarks/X.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def per_call(
    fn: Callable[[], object], n: int = 1, *, repeat: int = 3, warmup: bool = True
) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` rounds of ``n`` calls each, after one
    warm-up call (``warmup=False`` for long calls, where a warm-up would cost a round)."""
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - started) / n)
    return best


def per_call_ms(fn: Callable[[], object], seconds: float = 1.5) -> float:
    """Mean milliseconds per call of ``fn``, calling it for about ``seconds`` after a warm-up."""
    fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return elapsed / n * 1000
