"""Build an expensive shared object once per process, also when many crawler threads ask first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """A zero-argument factory's result, built on the first call and shared afterwards.

    Unlike ``functools.cache``, concurrent first calls wait for one build instead of each
    running the factory (loading a language model or a CA bundle costs seconds or milliseconds
    of CPU per thread).
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: list[T] = []  # empty until built

    def __call__(self) -> T:
        if not self._value:
            with self._lock:
                if not self._value:
                    self._value.append(self._build())
        return self._value[0]
