"""X Education leads: 5-fold cross-validated ROC-AUC of the generic lead model.

Two tracks (see ../shared/data/README.md): the honest track without the columns the sales
team fills in after contact (``Tags``, ``Lead Quality``, ``Lead Profile``, ``Asymmetrique*``;
passed as ``post_outcome``), and the leaky track with them. Baseline in the same run and on the
same folds: logistic regression on one-hot categoricals and standardised numerics (median
imputation), the published method (AUC 0.85 to 0.91 on the honest track).

Run: ``.venv/bin/python benchmarks/bench_leads_xeducation.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from scoring.loaders import load_lead_table
from training.leads import LeadConfig, cross_validate_leads, feature_columns

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "x-education-leads" / "Leads.csv"
POST_CONTACT = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
)


def logistic_cv(frame, config: LeadConfig, folds: int = 5) -> list[float]:
    kinds, _ = feature_columns(frame, config)
    numeric = [c for c, k in kinds.items() if k == "numeric"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    X = frame[list(kinds)].copy()
    for c in numeric:
        X[c] = pd.to_numeric(X[c], errors="coerce")
    for c in categorical:
        X[c] = X[c].astype(object).where(X[c].notna(), "missing")
    y = frame[config.target].to_numpy()
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=10), categorical),
        ]
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=2000, C=1.0))
    aucs = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    for tr, te in splitter.split(X, y):
        model.fit(X.iloc[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(X.iloc[te])[:, 1]))
    return aucs


def main() -> int:
    frame = load_lead_table(DATA, id_column="Prospect ID", target_column="Converted").frame
    print(f"{len(frame):,} leads, conversion rate {frame['Converted'].mean():.3f}")
    tracks = {
        "honest (without post-contact columns)": POST_CONTACT,
        "leaky (all columns)": (),
    }
    for track, post in tracks.items():
        config = LeadConfig(
            id_column="Prospect ID",
            target="Converted",
            exclude=("Lead Number",),
            post_outcome=post,
        )
        started = time.perf_counter()
        lgbm = cross_validate_leads(frame, config, folds=5)
        lgbm_s = time.perf_counter() - started
        started = time.perf_counter()
        logit = logistic_cv(frame, config, folds=5)
        logit_s = time.perf_counter() - started
        print(f"\n{track}")
        for name, aucs, secs in (
            ("leadscope LightGBM ", lgbm, lgbm_s),
            ("logistic regression", logit, logit_s),
        ):
            print(f"  {name}  AUC {np.mean(aucs):.4f} +- {np.std(aucs):.4f}  ({secs:.1f} s)")
        print(f"  difference           {np.mean(lgbm) - np.mean(logit):+.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
