"""Main-text extraction quality and speed on the trafilatura evaluation corpus.

Protocol (../shared/data/README.md): per page, a must-include snippet found in the output
(whitespace-normalised substring) is a true positive, missing a false negative; a
must-exclude snippet found is a false positive. Sums over all pages, then precision, recall
and F1; a crash counts as a full miss. Runs ``crawling.extract_page`` (the crawler's full
extraction: decoding, metadata, headings, language, main text) and ``trafilatura.extract``
(defaults) side by side on the same decoded pages, and prints pages per second for both.

Language: the corpus has no language labels, so ``extract_page``'s language (a declared
``lang`` taken when the text's function words agree, else py3langid) is compared with
py3langid alone on the same text for every page: agreement, how often the shortcut decided,
and the time both take.

    .venv/bin/python benchmarks/bench_extract_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "trafilatura-eval"


def run(name: str, fn: Callable[[bytes, str], str], pages: dict[str, bytes]) -> dict:
    outputs: dict[str, str | None] = {}
    crashes = 0
    t0 = time.perf_counter()
    for url, html in pages.items():
        try:
            outputs[url] = fn(html, url) or ""
        except Exception:
            outputs[url] = None
            crashes += 1
    elapsed = time.perf_counter() - t0
    return {"name": name, "outputs": outputs, "seconds": elapsed, "crashes": crashes}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    truth: dict[str, dict] = json.loads((DATA / "evaldata.json").read_text(encoding="utf-8"))
    if args.limit:
        truth = dict(list(truth.items())[: args.limit])
    pages = {
        url: gzip.decompress((DATA / "html" / f"{gold['file']}.gz").read_bytes())
        for url, gold in truth.items()
    }
    import trafilatura

    from crawling.evaluation import snippet_scores
    from crawling.extract import extract_page

    # warm-up (imports, model loading) outside the timed runs
    first = next(iter(pages.items()))
    extract_page(first[1], first[0])
    trafilatura.extract(first[1], url=first[0])

    extracted: dict[str, object] = {}

    def ours(html: bytes, url: str) -> str:
        page = extract_page(html, url)
        extracted[url] = page
        return page.main_text

    results = [
        run("leadscope extract_page", ours, pages),
        run("trafilatura.extract", lambda h, u: trafilatura.extract(h, url=u), pages),
    ]
    n = len(pages)
    print(f"pages: {n}")
    print(f"{'extractor':<26}{'precision':>10}{'recall':>8}{'F1':>8}{'pages/s':>9}{'crashes':>9}")
    scores = []
    for r in results:
        s = snippet_scores(r["outputs"], truth)
        scores.append(s)
        print(
            f"{r['name']:<26}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}"
            f"{n / r['seconds']:>9.1f}{r['crashes']:>9}"
        )
    ours, ref = scores
    print(f"F1 ratio leadscope / trafilatura: {ours.f1 / ref.f1:.3f} (goal F1 >= 0.90)")
    print(
        f"speed ratio leadscope / trafilatura: {results[1]['seconds'] / results[0]['seconds']:.2f}"
    )
    language_check(extracted)


def language_check(extracted: dict) -> None:
    """extract_page's language against py3langid alone, on the text extract_page used."""
    from crawling.extract import declared_language_holds, detect_language, identify_language

    agree = shortcut = counted = 0
    t_ours = t_langid = 0.0
    confusion: dict[tuple[str, str], int] = {}
    for page in extracted.values():
        text = page.main_text or " ".join([page.title or "", *page.headings])
        sample = text[:1500]
        if len(sample.strip()) < 40:
            continue  # too little text: the lang attribute decides, as before
        counted += 1
        t0 = time.perf_counter()
        ours = detect_language(text, page.html_lang)
        t1 = time.perf_counter()
        ref = identify_language(sample)
        t_langid += time.perf_counter() - t1
        t_ours += t1 - t0
        code = (page.html_lang or "").split("-")[0].lower()
        shortcut += code in ("de", "en") and declared_language_holds(sample, code)
        agree += ours == ref
        if ours != ref:
            confusion[(ours, ref)] = confusion.get((ours, ref), 0) + 1
    print(
        f"language: {counted} pages with >= 40 characters of text; declared lang taken on "
        f"{shortcut}; agreement with py3langid alone {agree}/{counted} = "
        f"{agree / max(1, counted):.3f}; disagreements (ours, langid): {confusion}"
    )
    print(
        f"language time: {1000 * t_ours / max(1, counted):.2f} ms per page with the shortcut, "
        f"{1000 * t_langid / max(1, counted):.2f} ms py3langid alone"
    )


if __name__ == "__main__":
    main()
