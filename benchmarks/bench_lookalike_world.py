"""Lookalike prospects on the synthetic demo world (training/world), against its hidden truth.

Generates the world (about 420 German and English company sites, customers from several
industries, ``true_fit`` for non-customers that genuinely resemble customers) into a temp dir,
extracts every HTML page with the crawler's extractor (no HTTP: the crawl itself is the crawling
benchmark's business), stores the pages, and runs ``run_prospect_list`` exactly as
``leadscope prospects`` does. Prints precision@10/25 of the list against ``true_fit`` with the
base rate, and the run's hidden-customer metrics beside the plain TF-IDF centroid baseline.

    .venv/bin/python benchmarks/bench_lookalike_world.py [--seed 7] [--companies 420]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from crawling.extract import extract_page
from crawling.records import PageRecord
from crawling.store import save_pages
from serving.db import make_engine, upgrade
from training.prospect_lists import ProspectConfig, run_prospect_list
from training.world import generate_world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--companies", type=int, default=420)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "world"
        generate_world(out, seed=args.seed, n_companies=args.companies)
        comp = pd.read_csv(out / "companies.csv")
        records = []
        for domain in comp["domain"]:
            for f in sorted((out / "web" / domain).glob("*.html")):
                p = extract_page(f.read_bytes(), f"http://{domain}/{f.name}")
                records.append(
                    PageRecord(
                        domain=domain,
                        url=p.url,
                        main_text=p.main_text or "",
                        title=p.title,
                        meta_description=p.meta_description,
                        headings=p.headings,
                        language=p.language,
                        page_kind=p.page_kind,
                        imprint=p.imprint,
                    )
                )
        engine = make_engine(f"sqlite:///{tmp}/app.db")
        upgrade(engine)
        save_pages(engine, records)
        is_cust = comp["is_customer"].astype(bool)
        t0 = time.perf_counter()
        res = run_prospect_list(
            engine,
            comp.loc[is_cust, "domain"].tolist(),
            comp.loc[~is_cust, "domain"].tolist(),
            config=ProspectConfig(top=25),
            tracking_uri=f"sqlite:///{tmp}/mlflow.db",
        )
        elapsed = time.perf_counter() - t0
        engine.dispose()
    truth = dict(zip(comp["domain"], comp["true_fit"], strict=True))
    scored = [r for r in res.rows if r["score"] is not None]
    m = res.metrics
    print(
        f"world seed {args.seed}: {len(comp)} companies, {int(is_cust.sum())} customers, "
        f"{len(records)} pages; prospect list in {elapsed:.1f} s (fit, 3-fold evaluation, "
        f"MLflow logging, registration, scoring)"
    )
    base = comp.loc[~is_cust, "true_fit"].mean()
    for k in (10, 25):
        hits = sum(int(truth.get(r["domain"], 0)) for r in scored[:k])
        print(f"precision@{k} against true_fit: {hits / k:.2f} (base rate {base:.2f})")
    print(f"segments: {int(m['n_segments'])}; skipped customers: {len(res.skipped_customers)}")
    for name in ("auc", "recall_at_10", "recall_at_50"):
        base_value = m["baseline_" + name]
        print(f"hidden customers {name}: lookalike {m[name]:.3f}, baseline {base_value:.3f}")


if __name__ == "__main__":
    main()
