"""Main-text extraction quality by the snippet protocol (trafilatura's evaluation).

Per page, a must-include snippet found in the output (whitespace-normalised substring) is a
true positive, missing a false negative; a must-exclude snippet found is a false positive.
Counts are summed over pages (micro-average); a crash (output ``None``) is a full miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SnippetScores:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _norm(text: str) -> str:
    return " ".join(text.split())


def snippet_scores(outputs: Mapping[str, str | None], truth: Mapping[str, dict]) -> SnippetScores:
    """Score ``outputs`` (page key -> extracted text, None for a crash) against ``truth``
    (page key -> {"with": [...], "without": [...]})."""
    tp = fp = fn = tn = 0
    for key, gold in truth.items():
        out = outputs.get(key)
        text = _norm(out) if out is not None else ""
        for snip in gold.get("with", []):
            if out is not None and _norm(snip) in text:
                tp += 1
            else:
                fn += 1
        for snip in gold.get("without", []):
            if out is None or _norm(snip) in text:
                fp += 1
            else:
                tn += 1
    return SnippetScores(tp=tp, fp=fp, fn=fn, tn=tn)
