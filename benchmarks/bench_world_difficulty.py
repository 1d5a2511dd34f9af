"""How hard are generated worlds for plain baselines? (generator quality, not product models)

Run: ``.venv/bin/python benchmarks/bench_world_difficulty.py [--seeds 7 8 9]``

For each seed, the default world (420 companies) and:
- lookalike: TF-IDF k-nearest-customer ranking of the prospect pool, precision at 25 and 50
  of the hidden ``true_fit``, with boilerplate kept (max_df 0.5) and removed (max_df 0.2),
  against the base rate (random ranking);
- stages: LightGBM on monthly event/order counts, trained on the first 18 months and tested
  on the last 6, accuracy against the majority class;
- churn (plausibility, not a model): customers churned per quarter, and what churned former
  customers still do (orders, active and passive events per month).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from training.world import generate_world
from training.world.checks import churn_check, lookalike_baseline, stage_baseline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            out = Path(tmp) / f"world-{seed}"
            generate_world(out, seed=seed)
            strict25 = lookalike_baseline(out, k=25, max_df=0.2)
            strict50 = lookalike_baseline(out, k=50, max_df=0.2)
            loose25 = lookalike_baseline(out, k=25, max_df=0.5)
            stage = stage_baseline(out)
            churn = churn_check(out)
            rows.append((strict25, strict50, loose25, stage, churn))
            print(
                f"seed {seed}: {strict25.n_true} true lookalikes, base rate "
                f"{strict25.base_rate:.3f}; P@25 boilerplate removed {strict25.precision_at_k:.2f} "
                f"({strict25.precision_at_k / strict25.base_rate:.1f}x base), P@50 "
                f"{strict50.precision_at_k:.2f}; "
                f"P@25 boilerplate kept {loose25.precision_at_k:.2f}; "
                f"stage accuracy {stage.accuracy:.3f} vs majority {stage.majority:.3f} "
                f"({stage.test_rows} account-months)"
            )
            print(
                f"  churn: {churn.churned_customers} customers churned, per quarter "
                f"{' '.join(f'{100 * r:.1f}%' for r in churn.quarterly_rates)} "
                f"(mean {100 * churn.mean_rate:.1f}%); churned former customers "
                f"({churn.churned_months} account-months): {churn.orders} orders, "
                f"{churn.active_per_month:.3f} active and {churn.passive_per_month:.2f} passive "
                f"events a month (customers: {churn.passive_per_customer_month:.1f} passive)"
            )
    mean = statistics.mean
    print(
        f"mean over {len(rows)} seeds: P@25 {mean(r[0].precision_at_k for r in rows):.2f} "
        f"(base {mean(r[0].base_rate for r in rows):.3f}), P@50 "
        f"{mean(r[1].precision_at_k for r in rows):.2f}, P@25 with boilerplate "
        f"{mean(r[2].precision_at_k for r in rows):.2f}; stage accuracy "
        f"{mean(r[3].accuracy for r in rows):.3f} "
        f"vs majority {mean(r[3].majority for r in rows):.3f}; churn per quarter "
        f"{100 * mean(r[4].mean_rate for r in rows):.1f}%"
    )


if __name__ == "__main__":
    main()
