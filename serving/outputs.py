"""Output files of the edges: checked before the work, written atomically, safe for spreadsheets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from serving.errors import InputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_writable(path: Path) -> None:
    """Fail fast (before expensive work) when ``path`` cannot be written."""
    if path.exists() and path.is_dir():
        raise InputError(f"output {path} is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"output {path}: cannot create {parent}: {exc.strerror}") from exc
    if not os.access(parent, os.W_OK):
        raise InputError(f"output {path}: {parent} is not writable")


@contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temp file beside ``path`` and rename it into place only on success.

    A crash or an error mid-way leaves the previous file (or none), never a half-written one.
    """
    check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)


def write_csv(frame: pd.DataFrame, path: Path, *, untrusted_text: bool = False) -> None:
    """Write ``frame`` as CSV atomically; ``untrusted_text`` neutralises spreadsheet formulas."""
    with atomic_open(path) as fh:
        (neutralise_formulas(frame) if untrusted_text else frame).to_csv(fh, index=False)


def safe_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula (CSV injection) with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out
