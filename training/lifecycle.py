"""Train the lifecycle models: LightGBM stage model + purchase and churn propensities.

Steps (:func:`fit_lifecycle`): build the stacked training frame at several as-of dates
(``training.datasets``), split by time (train on earlier dates, validate on later ones, with a
purge gap of one horizon), split the validation rows by account into a tuning part and a
held-out test part (``LifecycleConfig.test_fraction``), fit a class-weighted multiclass stage
model and two binary propensity models with early stopping on the tuning part, calibrate them
and set the grade thresholds on the tuning part, and evaluate on the test part (metrics and
plots; ``metrics_held_out`` is 0 when the data are too small to split and the metrics are
in-sample for tuning). The result holds a :class:`scoring.lifecycle.LifecycleScorer`.
:func:`train_lifecycle` adds MLflow logging, registration as ``@challenger`` and the gate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.bgnbd import BGNBD_FEATURES, BGNBDFeatures
from scoring.calibration import PlattScaling, thresholds_from_scores
from scoring.campaigns import CampaignRules
from scoring.features import OTHER, FeatureConfig, build_features, feature_names
from scoring.lifecycle import LifecycleScorer, as_matrix
from scoring.loaders import STAGES
from training.calibration import fit_platt, fit_stacked_platt, fit_vector_scaling
from training.datasets import (
    CHURN,
    PURCHASE,
    PURCHASE_DAYS,
    StageRules,
    add_bgnbd_features,
    build_training_frame,
    data_end,
    time_split,
)
from training.errors import TrainingInputError
from training.evaluation import (
    active_customers,
    binary_metrics,
    calibration_figure,
    confusion_figure,
    holdout_accounts,
    importance_figure,
    stage_metrics,
)
from training.registry import GatePolicy

log = logging.getLogger(__name__)

MODEL_NAME = "leadscope-lifecycle"
DEFAULT_GATE = GatePolicy(
    minimums={"purchase_auc": 0.6, "macro_f1": 0.3},
    compare={"purchase_auc": True, "macro_f1": True, "purchase_brier": False},
    tolerance=0.01,
)
# positives and negatives a propensity model needs in its training rows and in its tuning rows
# (early stopping, calibration); also what each part of the validation split must hold
MIN_LABELS = 5
# churn positives among active customers below which no AUC is reported for them
MIN_ACTIVE_CHURN_POSITIVES = 5


@dataclass(frozen=True)
class LifecycleConfig:
    """Options of a lifecycle training run (every field is logged as an MLflow param)."""

    horizon_days: int = 90
    valid_fraction: float = 0.25
    # share of the accounts whose validation rows are held out for the metrics and plots
    # (the others tune: early stopping, calibration, grade thresholds); 0 = no held-out part
    test_fraction: float = 0.5
    num_boost_round: int = 300
    early_stopping_rounds: int = 20
    learning_rate: float = 0.1
    num_leaves: int = 31
    max_depth: int = 6  # shallow trees keep pred_contrib (the reasons) fast on the request path
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    class_weighting: bool = True
    grade_shares: tuple[float, ...] = (0.15, 0.25, 0.30)
    num_threads: int = 1  # OpenMP with 2 threads stalls badly when the other core is busy
    seed: int = 0
    # purchase model: BG/NBD columns (P(an order in the horizon), P(alive)) as features,
    # objective "binary" (y_purchase) or "poisson" (distinct purchase days in the horizon),
    # and monotone constraints on the order-history features (see MONOTONE)
    bgnbd_features: bool = True
    purchase_objective: str = "binary"
    monotone_purchase: bool = False
    # the purchase model's calibration stacks BG/NBD's log expected purchases (StackedPlatt)
    purchase_stack_bgnbd: bool = True
    # stage model size (serving cost grows with its trees: classes x rounds)
    stage_num_leaves: int = 31
    stage_learning_rate: float = 0.1
    stage_min_gain_to_split: float = 0.0
    purchase_learning_rate: float = 0.1
    purchase_num_leaves: int = 15
    purchase_min_data_in_leaf: int = 20
    stages: tuple[str, ...] = STAGES
    features: FeatureConfig = field(default_factory=FeatureConfig)
    rules: StageRules = field(default_factory=StageRules)
    campaigns: CampaignRules = field(default_factory=CampaignRules)

    def params(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("features", "rules", "campaigns")}
        out["stage_names"] = out.pop("stages")
        out.update({f"features.{k}": v for k, v in asdict(self.features).items()})
        out.update({f"rules.{k}": v for k, v in asdict(self.rules).items()})
        return out


@dataclass
class LifecycleFit:
    """A fit and its rows: ``valid_mask`` = the validation dates, split by account into
    ``tune_mask`` (early stopping, calibration, grade thresholds) and ``test_mask`` (the
    metrics and plots). Without a held-out part (``held_out`` False) both are the whole
    validation."""

    scorer: LifecycleScorer
    frame: pd.DataFrame
    train_mask: np.ndarray
    valid_mask: np.ndarray
    metrics: dict[str, float]
    figures: dict[str, Any]
    seconds: float
    tune_mask: np.ndarray | None = None
    test_mask: np.ndarray | None = None
    held_out: bool = False

    @property
    def valid_frame(self) -> pd.DataFrame:
        return self.frame[self.valid_mask].reset_index(drop=True)

    @property
    def tune_frame(self) -> pd.DataFrame:
        mask = self.valid_mask if self.tune_mask is None else self.tune_mask
        return self.frame[mask].reset_index(drop=True)

    @property
    def test_frame(self) -> pd.DataFrame:
        """The rows the metrics and plots come from (what the gate re-scores)."""
        mask = self.valid_mask if self.test_mask is None else self.test_mask
        return self.frame[mask].reset_index(drop=True)

    @property
    def train_frame(self) -> pd.DataFrame:
        return self.frame[self.train_mask].reset_index(drop=True)


def _lgb_params(config: LifecycleConfig, objective: str, **extra: Any) -> dict[str, Any]:
    return {
        "objective": objective,
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "max_depth": config.max_depth,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_threads": config.num_threads,
        "seed": config.seed,
        "deterministic": True,
        "verbosity": -1,
        "force_col_wise": True,
        **extra,
    }


def _fit_booster(
    params: dict[str, Any],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_valid: np.ndarray,
    y_valid: np.ndarray,
    names: list[str],
    config: LifecycleConfig,
    weight: np.ndarray | None = None,
) -> lgb.Booster:
    train = lgb.Dataset(X_train, y_train, weight=weight, feature_name=names, free_raw_data=False)
    valid = lgb.Dataset(X_valid, y_valid, reference=train)
    return lgb.train(
        params,
        train,
        num_boost_round=config.num_boost_round,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )


# Purchase-model features whose effect is constrained (+1: more is never less likely to buy,
# -1: more is never more likely), when ``LifecycleConfig.monotone_purchase`` is on.
MONOTONE: dict[str, int] = {
    "orders_total": 1,
    "repeat_order_days": 1,
    "days_since_last_order": -1,
    "bgnbd_p_purchase": 1,
}


def _monotone(names: list[str]) -> list[int]:
    return [MONOTONE.get(n, 0) for n in names]


def _balanced_weights(y: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(y, minlength=k).astype(float)
    w = len(y) / (np.count_nonzero(counts) * np.maximum(counts, 1.0))
    return np.clip(w, 0.05, 50.0)[y]


def outcome_split(
    frame: pd.DataFrame, split: Any, config: LifecycleConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Train / validation masks for the outcome models, over the dates with known outcomes.

    The latest as-of dates often have no outcome yet (their horizon passes the end of the
    data; with stage snapshots up to the last month, typically the last three), so the stage
    split would leave the outcome models a thin validation set. Here the latest quarter of the
    *labelled* dates validate (at least every labelled date of the stage validation, so the
    reported metrics stay out of sample), with the same purge gap of one horizon.
    """
    labelled = sorted(frame.loc[frame[PURCHASE].notna(), "as_of"].unique())
    if len(labelled) < 2:
        return split.train, split.valid
    in_stage_valid = sum(1 for d in labelled if pd.Timestamp(d) in set(split.valid_dates))
    n_valid = max(round(len(labelled) * config.valid_fraction), in_stage_valid, 1)
    n_valid = min(n_valid, len(labelled) - 1)
    valid_dates = labelled[-n_valid:]
    gap = pd.Timedelta(days=config.horizon_days)
    train_dates = [d for d in labelled[:-n_valid] if d + gap <= valid_dates[0]]
    if not train_dates:
        train_dates = labelled[:-n_valid]
    as_of = frame["as_of"]
    return as_of.isin(train_dates).to_numpy(), as_of.isin(valid_dates).to_numpy()


def validation_parts(
    frame: pd.DataFrame, valid: np.ndarray, outcome_valid: np.ndarray, config: LifecycleConfig
) -> tuple[np.ndarray, bool]:
    """Which rows may tune: the accounts outside the held-out test part, or all of them.

    Returns a row mask over ``frame`` (True = the account tunes) and whether the split holds.
    The split is used when ``config.test_fraction`` is in (0, 1) and both parts hold at least
    ``MIN_LABELS`` stage rows on the validation dates and ``MIN_LABELS`` purchase positives and
    negatives on the outcome-validation dates and on the validation dates; otherwise every
    account tunes and the metrics are in-sample for tuning (the behaviour before the split;
    logged).
    """
    everyone = np.ones(len(frame), dtype=bool)
    if not 0.0 < config.test_fraction < 1.0:
        if config.test_fraction != 0.0:
            raise TrainingInputError(
                f"test_fraction must be in [0, 1), not {config.test_fraction!r}"
            )
        log.warning("test_fraction is 0: the metrics are in-sample for tuning")
        return everyone, False
    test = holdout_accounts(frame["account_id"], config.test_fraction)
    staged = frame["stage"].notna().to_numpy()
    y = frame[PURCHASE].to_numpy(dtype=float, na_value=np.nan)

    def short(rows: np.ndarray) -> bool:
        yp = y[rows]
        yp = yp[~np.isnan(yp)]
        return min(yp.sum(), (1 - yp).sum()) < MIN_LABELS

    for part in (~test, test):
        # purchase labels where the part tunes (outcome-validation dates) and where its metrics
        # are read (stage-validation dates); stage rows for early stopping and scaling
        if (
            (valid & part & staged).sum() < MIN_LABELS
            or short(outcome_valid & part)
            or short(valid & part)
        ):
            log.warning(
                "the validation rows are too few to hold out a test part; early stopping, "
                "calibration, grade thresholds and the metrics all use them (in-sample metrics)"
            )
            return everyone, False
    return ~test, True


def model_names(config: LifecycleConfig) -> list[str]:
    """The boosters' columns: the point-in-time features and, if enabled, the BG/NBD ones."""
    names = feature_names(config.features)
    return [*names, *BGNBD_FEATURES] if config.bgnbd_features else names


def fit_lifecycle_frame(
    frame: pd.DataFrame, config: LifecycleConfig, bgnbd: BGNBDFeatures | None = None
) -> LifecycleFit:
    """Fit all models on a prepared training frame (see :func:`build_training_frame`).

    ``bgnbd`` is the BG/NBD fit the scorer carries (fitted on all the history, see
    :func:`fit_lifecycle`); without it, the fit of the frame's latest as-of date.
    """
    started = time.perf_counter()
    base_names = feature_names(config.features)
    names = model_names(config)
    if config.bgnbd_features:
        if not all(c in frame.columns for c in BGNBD_FEATURES):
            frame = frame.copy()
            fits = add_bgnbd_features(frame, config.horizon_days, base_names)
            bgnbd = bgnbd or fits[max(fits)]
        elif bgnbd is None:
            last = frame[frame["as_of"] == frame["as_of"].max()]
            bgnbd = BGNBDFeatures.fit(as_matrix(last, base_names), base_names, config.horizon_days)
    else:
        bgnbd = None
    if config.purchase_objective not in ("binary", "poisson"):
        raise TrainingInputError(
            f"purchase_objective must be binary or poisson, not {config.purchase_objective!r}"
        )
    split = time_split(frame, config.horizon_days, valid_fraction=config.valid_fraction)
    X = as_matrix(frame, names)
    tr, va = split.train, split.valid
    o_tr, o_va = outcome_split(frame, split, config)
    tunes, held_out = validation_parts(frame, va, o_va, config)
    va_tune, va_test = va & tunes, (va & ~tunes) if held_out else va

    # stage model
    present = [s for s in config.stages if s in set(frame.loc[tr, "stage"])]
    extra = sorted(set(frame.loc[tr, "stage"]) - set(config.stages))
    if extra:
        raise TrainingInputError(f"unknown stages in the labels: {', '.join(extra)}")
    if len(present) < 2:
        raise TrainingInputError("the training dates hold fewer than two stages; cannot learn")
    index = {s: i for i, s in enumerate(present)}
    y_stage = frame["stage"].map(index).to_numpy(dtype=float, na_value=np.nan)
    tr_s, va_s = tr & ~np.isnan(y_stage), va_tune & ~np.isnan(y_stage)
    if not va_s.any():
        raise TrainingInputError("no validation rows with a stage seen in training")
    k = len(present)
    weight = _balanced_weights(y_stage[tr_s].astype(int), k) if config.class_weighting else None
    stage_model = _fit_booster(
        _lgb_params(
            config,
            "multiclass",
            num_class=k,
            num_leaves=config.stage_num_leaves,
            learning_rate=config.stage_learning_rate,
            min_gain_to_split=config.stage_min_gain_to_split,
        ),
        X[tr_s],
        y_stage[tr_s],
        X[va_s],
        y_stage[va_s],
        names,
        config,
        weight,
    )
    raw_va = stage_model.predict(X[va_s], raw_score=True).reshape(int(va_s.sum()), k)
    stage_cal = fit_vector_scaling(raw_va, y_stage[va_s].astype(int))

    # propensities
    def enough(y: np.ndarray) -> bool:
        return min(y.sum(), (1 - y).sum()) >= MIN_LABELS

    def propensity(
        label: str, rows: np.ndarray, objective: str = "binary", target: str | None = None
    ) -> tuple[lgb.Booster | None, PlattScaling, bool]:
        """A propensity model for the 0/1 ``label``, trained on ``target`` (the label itself,
        or a count for the Poisson objective), early-stopped and Platt-scaled to the label on
        the tuning accounts; on all validation accounts when the tuning ones hold too few
        labels (the third value is then False: this model's metrics are in-sample)."""
        y = frame[label].to_numpy(dtype=float, na_value=np.nan)
        m_tr, m_va = o_tr & rows & ~np.isnan(y), o_va & rows & ~np.isnan(y)
        own_held_out = held_out
        if held_out and enough(y[m_tr]) and enough(y[m_va]) and not enough(y[m_va & tunes]):
            log.warning(
                "too few %s labels on the tuning accounts; tuning it on all validation "
                "accounts (its metrics are in-sample)",
                label,
            )
            own_held_out = False
        elif held_out:
            m_va = m_va & tunes
        if not (enough(y[m_tr]) and enough(y[m_va])):
            log.warning("too few positive or negative %s labels; no model for it", label)
            return None, PlattScaling(), own_held_out
        z = y if target is None else frame[target].to_numpy(dtype=float, na_value=np.nan)
        extra: dict[str, Any] = {}
        if label == PURCHASE and config.monotone_purchase:
            extra["monotone_constraints"] = _monotone(names)
        if label == PURCHASE:
            extra.update(
                learning_rate=config.purchase_learning_rate,
                num_leaves=config.purchase_num_leaves,
                min_data_in_leaf=config.purchase_min_data_in_leaf,
            )
        model = _fit_booster(
            _lgb_params(config, objective, **extra),
            X[m_tr],
            z[m_tr],
            X[m_va],
            z[m_va],
            names,
            config,
        )
        margin = model.predict(X[m_va], raw_score=True)
        if label == PURCHASE and config.bgnbd_features and config.purchase_stack_bgnbd:
            log_expected = np.log(X[m_va, names.index("bgnbd_expected_purchases")])
            return model, fit_stacked_platt(margin, log_expected, y[m_va]), own_held_out
        return model, fit_platt(margin, y[m_va]), own_held_out

    all_rows = np.ones(len(frame), dtype=bool)
    if config.purchase_objective == "poisson":
        purchase_model, purchase_cal, _ = propensity(PURCHASE, all_rows, "poisson", PURCHASE_DAYS)
    else:
        purchase_model, purchase_cal, _ = propensity(PURCHASE, all_rows)
    if purchase_model is None:
        raise TrainingInputError("the purchase outcome has too few positives or negatives")
    customers = frame["orders_total"].to_numpy() > 0
    churn_model, churn_cal, churn_held_out = propensity(CHURN, customers)

    scorer = LifecycleScorer(
        feature_names=base_names,
        stages=present,
        stage_model=stage_model,
        purchase_model=purchase_model,
        churn_model=churn_model,
        stage_calibration=stage_cal,
        purchase_calibration=purchase_cal,
        churn_calibration=churn_cal,
        grades=thresholds_from_scores(np.zeros(0)),
        campaigns=config.campaigns,
        feature_config=config.features,
        horizon_days=config.horizon_days,
        bgnbd=bgnbd,
    )
    tune = frame[va_tune].reset_index(drop=True)
    scores = scorer.predict_parts(as_matrix(tune, names), contributions=False)["score"]
    scorer.grades = thresholds_from_scores(scores, config.grade_shares)
    test = frame[va_test].reset_index(drop=True)
    metrics = evaluate_lifecycle(scorer, test, config.rules)
    metrics.update(
        {
            "metrics_held_out": float(held_out),
            "churn_metrics_held_out": float(churn_held_out),
            "n_train_rows": float(tr.sum()),
            "n_valid_rows": float(va.sum()),
            "n_tune_rows": float(va_tune.sum()),
            "n_test_rows": float(va_test.sum()) if held_out else 0.0,
            "n_as_of_dates": float(frame["as_of"].nunique()),
            "stage_rounds": float(stage_model.best_iteration or stage_model.current_iteration()),
            "purchase_rounds": float(purchase_model.best_iteration or 0),
        }
    )
    figures = lifecycle_figures(scorer, test)
    seconds = time.perf_counter() - started
    metrics["fit_seconds"] = seconds
    log.info("lifecycle models fitted: %s", " ".join(lifecycle_metric_lines(metrics, seconds)))
    return LifecycleFit(
        scorer, frame, tr, va, metrics, figures, seconds, va_tune, va_test, held_out
    )


def lifecycle_metric_lines(m: dict[str, float], seconds: float) -> list[str]:
    """The training summary (``train lifecycle`` output, the fit log): row counts, where the
    metrics come from and the headline metrics (churn flagged when it was tuned on all
    validation accounts)."""
    held_out = bool(m.get("metrics_held_out"))
    lines = [
        f"trained on {int(m['n_train_rows'])} rows, validated on {int(m['n_valid_rows'])} "
        f"({int(m['n_as_of_dates'])} as-of dates) in {seconds:.1f} s; metrics on "
        + (
            f"{int(m.get('n_test_rows', 0))} held-out rows (accounts not used for tuning)"
            if held_out
            else "the validation rows (too few to hold some out; also used for tuning)"
        )
    ]
    churn_in_sample = held_out and not m.get("churn_metrics_held_out", 1.0)
    keys = ("stage_accuracy", "macro_f1", "purchase_auc", "purchase_lift_grade_a", "churn_auc")
    for key in (*keys, "churn_active_auc"):
        if key in m:
            note = (
                " (in-sample: churn tuned on all validation accounts)"
                if churn_in_sample and key.startswith("churn")
                else ""
            )
            lines.append(f"  {key}: {m[key]:.3f}{note}")
    return lines


def evaluate_lifecycle(
    scorer: LifecycleScorer, frame: pd.DataFrame, rules: StageRules | None = None
) -> dict[str, float]:
    """Metrics of a scorer on a labelled frame (the gate calls this for the champion too).

    Churn is measured twice: ``churn_auc`` over all labelled customers, and over the customers
    still active at the as-of date (:func:`training.evaluation.active_customers`: an order or
    an active interaction in the horizon before it): ``churn_active_rows``,
    ``churn_active_positives`` and, with at least ``MIN_ACTIVE_CHURN_POSITIVES`` positives and
    negatives, ``churn_active_auc``. Most churn positives have lapsed before the as-of date and
    are easy; the active ones say whether churn is foreseen.
    """
    parts = scorer.predict_parts(_matrix(scorer, frame), contributions=False)
    predicted = np.asarray(scorer.stages, dtype=object)[parts["stage_index"]]
    metrics = stage_metrics(
        frame["stage"].to_numpy(dtype=object),
        predicted,
        parts["stage_probabilities"],
        scorer.stages,
    )
    y = frame[PURCHASE].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(y)
    metrics.update(
        binary_metrics(y[known], parts["p_purchase"][known], parts["grade"][known], "purchase_")
    )
    yc = frame[CHURN].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(yc) & ~np.isnan(parts["p_churn"])
    if known.any():
        metrics.update(binary_metrics(yc[known], parts["p_churn"][known], None, "churn_"))
        metrics.update(_active_churn(scorer, frame, yc, parts["p_churn"], known, rules))
    return metrics


def _active_churn(
    scorer: Any,
    frame: pd.DataFrame,
    y: np.ndarray,
    p: np.ndarray,
    known: np.ndarray,
    rules: StageRules | None,
) -> dict[str, float]:
    rules = rules or StageRules()
    feature_config = getattr(scorer, "feature_config", None) or FeatureConfig()
    horizon = getattr(scorer, "horizon_days", None) or LifecycleConfig.horizon_days
    kinds = [*feature_config.event_types, OTHER]
    active = known & active_customers(frame, horizon, kinds, rules.churn_passive_events)
    n_pos = float(y[active].sum())
    out = {"churn_active_rows": float(active.sum()), "churn_active_positives": n_pos}
    if min(n_pos, active.sum() - n_pos) >= MIN_ACTIVE_CHURN_POSITIVES:
        out["churn_active_auc"] = float(roc_auc_score(y[active], p[active]))
    return out


def _matrix(scorer: Any, frame: pd.DataFrame) -> np.ndarray:
    """The scorer's input from a frame (older scorers lack ``frame_matrix``)."""
    if hasattr(scorer, "frame_matrix"):
        return scorer.frame_matrix(frame)
    return as_matrix(frame, scorer.feature_names)


def lifecycle_figures(scorer: LifecycleScorer, frame: pd.DataFrame) -> dict[str, Any]:
    parts = scorer.predict_parts(_matrix(scorer, frame), contributions=False)
    y = frame[PURCHASE].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(y)
    predicted = np.asarray(scorer.stages, dtype=object)[parts["stage_index"]]
    return {
        "plots/feature_importance_purchase.png": importance_figure(
            scorer.model_feature_names,
            scorer.purchase_model.feature_importance("gain"),
            "purchase model: feature importance",
        ),
        "plots/feature_importance_stage.png": importance_figure(
            scorer.model_feature_names,
            scorer.stage_model.feature_importance("gain"),
            "stage model: feature importance",
        ),
        "plots/calibration_purchase.png": calibration_figure(
            y[known], parts["p_purchase"][known], "purchase propensity: calibration"
        ),
        "plots/confusion_stage.png": confusion_figure(
            frame["stage"].to_numpy(dtype=object), predicted, scorer.stages, "stage: confusion"
        ),
    }


def fit_lifecycle(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame,
    *,
    stages: pd.DataFrame | None = None,
    as_of_dates: Sequence[pd.Timestamp] | None = None,
    config: LifecycleConfig | None = None,
    web_scores: pd.Series | None = None,
) -> LifecycleFit:
    """Build the training frame from raw inputs and fit the models (no MLflow)."""
    config = config or LifecycleConfig()
    frame = build_training_frame(
        events,
        transactions,
        as_of_dates=as_of_dates,
        horizon_days=config.horizon_days,
        stages=stages,
        config=config.features,
        rules=config.rules,
        web_scores=web_scores,
    )
    bgnbd = None
    if config.bgnbd_features:
        # the scorer carries a BG/NBD fit on all the history (cut-off: the day after the data)
        end = data_end(events, transactions).floor("D") + pd.Timedelta(days=1)
        history = build_features(None, transactions, end, config.features)
        names = feature_names(config.features)
        bgnbd = BGNBDFeatures.fit(as_matrix(history, names), names, config.horizon_days)
    return fit_lifecycle_frame(frame, config, bgnbd)


def train_lifecycle(
    events: pd.DataFrame | None,
    transactions: pd.DataFrame,
    *,
    tracking_uri: str,
    stages: pd.DataFrame | None = None,
    as_of_dates: Sequence[pd.Timestamp] | None = None,
    config: LifecycleConfig | None = None,
    policy: GatePolicy = DEFAULT_GATE,
    auto_promote: bool = True,
    data_source: str | None = None,
    run_id: str | None = None,
    web_scores: pd.Series | None = None,
) -> tuple[LifecycleFit, Any]:
    """Fit, log to MLflow (experiment ``leadscope-lifecycle``), register and gate.

    Returns the fit and a :class:`training.tracking.TrainingReport`.
    """
    from training.tracking import log_and_register

    config = config or LifecycleConfig()
    fit = fit_lifecycle(
        events,
        transactions,
        stages=stages,
        as_of_dates=as_of_dates,
        config=config,
        web_scores=web_scores,
    )
    names = fit.scorer.feature_names
    columns = ["account_id", "as_of", *fit.scorer.model_feature_names, "stage", PURCHASE, CHURN]
    # the held-out rows: the logged metrics come from them, and the gate (and later
    # ``leadscope evaluate``) re-scores the champion on them
    valid = fit.test_frame[columns]
    params = config.params()
    params["as_of_dates"] = ",".join(f"{d:%Y-%m-%d}" for d in sorted(fit.frame["as_of"].unique()))
    params["stage_source"] = ",".join(sorted(set(fit.frame["stage_source"])))
    report = log_and_register(
        tracking_uri=tracking_uri,
        model_name=MODEL_NAME,
        scorer=fit.scorer,
        params=params,
        metrics=fit.metrics,
        figures=fit.figures,
        train_frame=fit.train_frame[columns],
        valid_frame=valid,
        targets=PURCHASE,
        input_example=valid[names].head(5).astype(float),
        policy=policy,
        evaluate=lambda scorer: evaluate_lifecycle(scorer, valid, config.rules),
        auto_promote=auto_promote,
        data_source=data_source,
        run_id=run_id,
    )
    return fit, report
