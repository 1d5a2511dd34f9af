"""The lifecycle scorer: stage model + propensities + calibration + grades + reasons + campaign.

A :class:`LifecycleScorer` is what ``leadscope-lifecycle`` versions hold in MLflow (a pyfunc
python model). It is built by ``training.lifecycle`` and used by serving through the fast path
:meth:`LifecycleScorer.score_array`: LightGBM ``Booster.predict`` on a numpy array with one
thread, no pandas and no scikit-learn wrappers.

Per account: ``stage`` and ``stage_probabilities`` (multiclass model, vector-scaled),
``p_purchase`` (an order within the horizon), ``p_churn`` (customers only; None for prospects,
where churn is undefined), ``score`` = 100 x p_purchase, ``grade`` from thresholds set on
validation data, ``reasons`` (top signed contributions to the purchase model's log-odds) and
``campaign`` from the configurable (stage, grade) mapping.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import lightgbm as lgb
import mlflow.pyfunc
import numpy as np
import pandas as pd

from scoring.bgnbd import BGNBD_FEATURES, BGNBDFeatures
from scoring.calibration import GradeThresholds, PlattScaling, StackedPlatt, VectorScaling
from scoring.campaigns import CampaignRules
from scoring.errors import ScoringInputError
from scoring.explain import margin_and_contributions, top_reasons
from scoring.features import FeatureConfig, feature_label

PREDICT_THREADS = 1


def as_matrix(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The feature matrix in ``names`` order; missing columns become NaN (never an error)."""
    try:  # fast path: numeric columns
        return frame.reindex(columns=names).to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        pass
    out = np.full((len(frame), len(names)), np.nan)
    for j, name in enumerate(names):
        if name in frame.columns:
            out[:, j] = pd.to_numeric(frame[name], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
    return out


class LifecycleScorer(mlflow.pyfunc.PythonModel):
    """Scores accounts' point-in-time features; see the module docstring for the outputs."""

    def __init__(
        self,
        *,
        feature_names: list[str],
        stages: list[str],
        stage_model: lgb.Booster,
        purchase_model: lgb.Booster,
        churn_model: lgb.Booster | None,
        stage_calibration: VectorScaling,
        purchase_calibration: PlattScaling | StackedPlatt,
        churn_calibration: PlattScaling,
        grades: GradeThresholds,
        campaigns: CampaignRules,
        feature_config: FeatureConfig,
        horizon_days: int,
        n_reasons: int = 3,
        bgnbd: BGNBDFeatures | None = None,
    ) -> None:
        self.feature_names = list(feature_names)
        self.stages = list(stages)
        self.stage_model = stage_model
        self.purchase_model = purchase_model
        self.churn_model = churn_model
        self.stage_calibration = stage_calibration
        self.purchase_calibration = purchase_calibration
        self.churn_calibration = churn_calibration
        self.grades = grades
        self.campaigns = campaigns
        self.feature_config = feature_config
        self.horizon_days = horizon_days
        self.n_reasons = n_reasons
        self.bgnbd = bgnbd
        self._customer_col = (
            self.feature_names.index("is_customer") if "is_customer" in self.feature_names else None
        )

    # -- model inputs ---------------------------------------------------------------------
    @functools.cached_property
    def model_feature_names(self) -> list[str]:
        """The boosters' columns: :attr:`feature_names` plus the derived BG/NBD columns."""
        if getattr(self, "bgnbd", None) is None:  # also models pickled before BG/NBD
            return list(self.feature_names)
        return [*self.feature_names, *BGNBD_FEATURES]

    @functools.cached_property
    def _expected_purchases_column(self) -> int:
        return self.model_feature_names.index("bgnbd_expected_purchases")

    def model_matrix(self, X: np.ndarray) -> np.ndarray:
        """Rows of :attr:`feature_names` (or already of :attr:`model_feature_names`) as the
        boosters' input: the derived BG/NBD columns come from the carried BG/NBD fit."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n_base, n_model = len(self.feature_names), len(self.model_feature_names)
        if X.ndim != 2 or X.shape[1] not in (n_base, n_model):
            raise ScoringInputError(f"expected {n_base} features per row, got shape {X.shape}")
        if X.shape[1] == n_model:
            return X
        return np.hstack([X, self.bgnbd.transform(X, self.feature_names)])

    def frame_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The boosters' input from a frame: its own point-in-time BG/NBD columns when it has
        them (training frames: fitted per as-of date), else derived with the carried fit."""
        names = self.model_feature_names
        if all(n in frame.columns for n in names):
            return as_matrix(frame, names)
        return self.model_matrix(as_matrix(frame, self.feature_names))

    # -- the fast path -------------------------------------------------------------------
    def predict_parts(self, X: np.ndarray, *, contributions: bool = True) -> dict[str, np.ndarray]:
        """Vectorised model outputs (no per-row Python): probabilities, scores, contributions.

        ``X`` holds :attr:`feature_names` columns (or :attr:`model_feature_names`).
        ``contributions=False`` skips the contributions (the costly part) for evaluation.
        """
        X = self.model_matrix(X)
        raw_stage = self.stage_model.predict(X, raw_score=True, num_threads=PREDICT_THREADS)
        stage_p = self.stage_calibration.apply(np.asarray(raw_stage).reshape(len(X), -1))
        margin, contrib = margin_and_contributions(
            self.purchase_model,
            X,
            contributions=contributions,
            num_threads=PREDICT_THREADS,
        )
        calibration = self.purchase_calibration
        if isinstance(calibration, StackedPlatt):
            # Platt scaling stacked with BG/NBD's expected purchases (see StackedPlatt); the
            # reasons show BG/NBD's share of the log-odds on its own column
            column = self._expected_purchases_column
            log_expected = np.log(X[:, column])
            p_purchase = calibration.apply(margin, log_expected)
            if contributions:
                contrib = contrib.copy()
                share = calibration.weight * (log_expected - calibration.center)
                contrib[:, column] += np.nan_to_num(share / calibration.slope)
        else:
            p_purchase = calibration.apply(margin)
        if self.churn_model is not None:
            raw_churn = self.churn_model.predict(X, raw_score=True, num_threads=PREDICT_THREADS)
            p_churn = self.churn_calibration.apply(raw_churn)
        else:
            p_churn = np.full(len(X), np.nan)
        if self._customer_col is not None:
            p_churn = np.where(X[:, self._customer_col] > 0, p_churn, np.nan)
        score = np.round(100.0 * p_purchase, 1)
        return {
            "stage_probabilities": stage_p,
            "stage_index": stage_p.argmax(axis=1),
            "p_purchase": p_purchase,
            "p_churn": p_churn,
            "score": score,
            "grade": self.grades.grade(score),
            "contributions": contrib,
        }

    def score_array(self, X: np.ndarray) -> list[dict[str, Any]]:
        """Score rows of features (columns in :attr:`feature_names` order)."""
        X = self.model_matrix(X)
        parts = self.predict_parts(X)
        reasons = top_reasons(
            parts["contributions"],
            X,
            self.model_feature_names,
            k=self.n_reasons,
            label=feature_label,
        )
        stages = np.asarray(self.stages, dtype=object)[parts["stage_index"]].tolist()
        grades = [str(g) for g in parts["grade"]]
        probabilities = np.round(parts["stage_probabilities"], 4).tolist()
        p_churn = np.round(parts["p_churn"], 4).astype(object)
        p_churn[np.isnan(parts["p_churn"])] = None
        campaigns: dict[tuple[str, str], str] = {}
        for key in zip(stages, grades, strict=True):
            if key not in campaigns:
                campaigns[key] = self.campaigns.campaign(*key)
        columns = zip(
            parts["score"].tolist(),
            grades,
            stages,
            probabilities,
            np.round(parts["p_purchase"], 4).tolist(),
            p_churn.tolist(),
            reasons,
            strict=True,
        )
        names = self.stages
        out = [
            {
                "score": score,
                "grade": grade,
                "stage": stage,
                "stage_probabilities": dict(zip(names, probs, strict=True)),
                "p_purchase": p_purchase,
                "p_churn": churn,
                "reasons": why,
                "campaign": campaigns[(stage, grade)],
            }
            for score, grade, stage, probs, p_purchase, churn, why in columns
        ]
        return out

    def score_frame(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        """Score a frame with (at least) the feature columns; absent ones count as missing."""
        return self.score_array(as_matrix(df, self.feature_names))

    # -- pyfunc --------------------------------------------------------------------------
    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Generic MLflow entry point: a frame of results (nested fields as JSON text)."""
        rows = self.score_frame(pd.DataFrame(model_input))
        return results_frame(rows)


def results_frame(rows: list[dict[str, Any]], ids: Any = None, id_name: str = "id") -> pd.DataFrame:
    """Score dicts as a flat table: nested fields (probabilities, reasons) as JSON text."""
    frame = pd.DataFrame(rows)
    for column in ("stage_probabilities", "reasons"):
        if column in frame.columns:
            frame[column] = [json.dumps(v, ensure_ascii=False) for v in frame[column]]
    if ids is not None:
        frame.insert(0, id_name, list(ids))
    return frame


def score_accounts(
    scorer: LifecycleScorer,
    events: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    as_of: Any,
    *,
    accounts: list[str] | None = None,
    web_scores: pd.Series | None = None,
) -> pd.DataFrame:
    """Features as of ``as_of`` for every account, scored: one flat row per account."""
    from scoring.features import build_features, to_utc_timestamp

    when = to_utc_timestamp(as_of)
    features = build_features(
        events, transactions, when, scorer.feature_config, accounts=accounts, web_scores=web_scores
    )
    rows = scorer.score_frame(features) if len(features) else []
    table = results_frame(rows, ids=features.index, id_name="account_id")
    if not len(table):
        table = pd.DataFrame(columns=["account_id", "score", "grade", "stage"])
    table.insert(1, "as_of", when.isoformat())
    return table
