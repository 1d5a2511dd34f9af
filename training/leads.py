"""Train the generic lead model on any CRM export (``leadscope train leads``).

Columns other than the id, the target and the excluded ones become features: numeric when
(almost) all non-missing values parse as numbers, otherwise categorical (LightGBM's native
categorical splits; levels are remembered by the scorer). Id-like text columns (nearly one
level per row) and constant columns are dropped with a warning.

Leakage warnings: a column that alone predicts the target almost perfectly (out-of-fold
single-column ROC-AUC >= ``leak_auc``), and the columns the user marks as filled after the
outcome (``post_outcome``: left out of the model and named in the warnings).

Derived columns (``derived_features``, see :func:`scoring.leads.derive_columns`): the number of
empty fields of a lead and, per categorical column, the share of training leads with its level.
Categorical splits use light smoothing (``cat_smooth``, ``min_data_per_group``, ``cat_l2``) so
mid-sized levels can form their own groups.

Fitting: a validation split by a hash of the lead id (:func:`lead_parts`: a lead stays on its
side across exports); half of it (``test_fraction``) tunes (early stopping, Platt calibration,
grade thresholds) and the other half, never used for a choice, gives the reported metrics,
plots and the frame the promotion gate re-scores the champion on. With too few leads of a class
to split, the whole validation split does both and ``metrics_held_out`` is 0.
:func:`cross_validate_leads` gives k-fold ROC-AUC (the benchmark's protocol).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from scoring.calibration import thresholds_from_scores
from scoring.leads import DerivedLayout, LeadScorer
from training.calibration import fit_platt
from training.errors import TrainingInputError
from training.evaluation import account_units, binary_metrics, calibration_figure, importance_figure
from training.registry import GatePolicy

log = logging.getLogger(__name__)

MODEL_NAME = "leadscope-leads"
DEFAULT_GATE = GatePolicy(
    minimums={"auc": 0.6}, compare={"auc": True, "brier": False}, tolerance=0.01
)


@dataclass(frozen=True)
class LeadConfig:
    id_column: str
    target: str
    exclude: tuple[str, ...] = ()
    post_outcome: tuple[str, ...] = ()
    missing_markers: tuple[str, ...] = ("Select",)
    leak_auc: float = 0.95
    valid_fraction: float = 0.2
    test_fraction: float = 0.5  # share of the validation rows held out for the metrics only
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 20
    cat_smooth: float = 1.0
    min_data_per_group: int = 20
    cat_l2: float = 1.0
    derived_features: bool = True  # missing-field count and categorical level shares
    num_boost_round: int = 1000
    early_stopping_rounds: int = 50
    grade_shares: tuple[float, ...] = (0.15, 0.25, 0.30)
    num_threads: int = 1
    seed: int = 0
    refit_full: bool = True  # cross-validation: refit each fold on all its training rows


@dataclass
class LeadFit:
    scorer: LeadScorer
    features: list[str]
    metrics: dict[str, float]
    warnings: list[str]
    figures: dict[str, Any]
    valid_frame: pd.DataFrame  # the rows the metrics come from (held out from tuning)
    train_frame: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def feature_columns(frame: pd.DataFrame, config: LeadConfig) -> tuple[dict[str, str], list[str]]:
    """Kind per usable column (``numeric`` / ``categorical``) and warnings about dropped ones."""
    missing = [c for c in (config.id_column, config.target) if c not in frame.columns]
    if missing:
        raise TrainingInputError(f"the lead table lacks the column(s) {', '.join(missing)}")
    unknown = [c for c in (*config.exclude, *config.post_outcome) if c not in frame.columns]
    if unknown:
        raise TrainingInputError(f"no such column(s) to exclude: {', '.join(unknown)}")
    skip = {config.id_column, config.target, *config.exclude, *config.post_outcome}
    kinds: dict[str, str] = {}
    warnings: list[str] = []
    if config.post_outcome:
        warnings.append(
            "left out as filled after the outcome (leakage): " + ", ".join(config.post_outcome)
        )
    for column in frame.columns:
        if column in skip:
            continue
        values = frame[column]
        present = values.dropna()
        if present.nunique() <= 1:
            warnings.append(f"column {column!r} is constant or empty; ignored")
            continue
        numeric = pd.to_numeric(present, errors="coerce")
        if pd.api.types.is_numeric_dtype(values) or numeric.notna().mean() >= 0.98:
            kinds[column] = "numeric"
        elif present.nunique() > max(50, 0.5 * len(present)):
            warnings.append(f"column {column!r} looks like an id (one value per row); ignored")
        else:
            kinds[column] = "categorical"
    if not kinds:
        raise TrainingInputError("the lead table has no usable feature columns")
    return kinds, warnings


def _encode(
    frame: pd.DataFrame, kinds: dict[str, str], levels: dict[str, list[str]] | None = None
) -> tuple[np.ndarray, dict[str, list[str]]]:
    levels = dict(levels or {})
    out = np.full((len(frame), len(kinds)), np.nan)
    for j, (column, kind) in enumerate(kinds.items()):
        if kind == "numeric":
            out[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
        else:
            text = frame[column].astype("string").str.strip()
            if column not in levels:
                levels[column] = sorted(text.dropna().unique().tolist())
            index = {v: i for i, v in enumerate(levels[column])}
            out[:, j] = text.map(index).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return out, levels


def _fit_derived(
    X_tr: np.ndarray, names: list[str], levels: dict[str, list[str]], config: LeadConfig
) -> DerivedLayout:
    """The derived-column layout fitted on training rows (none without ``derived_features``)."""
    if not config.derived_features:
        return DerivedLayout(tuple(names))
    return DerivedLayout.fit(X_tr, names, levels)


def leakage_warnings(
    X: np.ndarray, y: np.ndarray, names: list[str], kinds: dict[str, str], threshold: float
) -> list[str]:
    """Columns whose out-of-fold single-column AUC reaches ``threshold``."""
    out = []
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    for j, name in enumerate(names):
        x = X[:, j]
        if kinds[name] == "numeric":
            filled = np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0.0, x)
            auc = roc_auc_score(y, filled)
        else:
            enc = np.zeros(len(x))
            codes = np.where(np.isnan(x), -1, x).astype(int) + 1
            for tr, te in folds.split(x.reshape(-1, 1), y):
                sums = np.bincount(codes[tr], weights=y[tr], minlength=codes.max() + 1)
                counts = np.bincount(codes[tr], minlength=codes.max() + 1)
                prior = y[tr].mean()
                enc[te] = ((sums + prior * 10) / (counts + 10))[codes[te]]
            auc = roc_auc_score(y, enc)
        auc = max(auc, 1 - auc)
        if auc >= threshold:
            out.append(
                f"column {name!r} alone predicts the target (AUC {auc:.3f}): likely leakage, "
                "e.g. filled in after the outcome; exclude it with --exclude or --post-outcome"
            )
    return out


def _params(config: LeadConfig) -> dict[str, Any]:
    return {
        "objective": "binary",
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": 0.8,
        "lambda_l2": 1.0,
        "cat_smooth": config.cat_smooth,
        "min_data_per_group": config.min_data_per_group,
        "cat_l2": config.cat_l2,
        "num_threads": config.num_threads,
        "seed": config.seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def _fit(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    names: list[str],
    categorical: list[str],
    config: LeadConfig,
) -> lgb.Booster:
    train = lgb.Dataset(
        X_tr, y_tr, feature_name=names, categorical_feature=categorical, free_raw_data=False
    )
    valid = lgb.Dataset(X_va, y_va, reference=train)
    return lgb.train(
        _params(config),
        train,
        num_boost_round=config.num_boost_round,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )


def _refit(
    booster: lgb.Booster,
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    categorical: list[str],
    config: LeadConfig,
) -> lgb.Booster:
    """Refit on all rows with the early-stopped number of rounds (+10 % for the extra data)."""
    if not config.refit_full:
        return booster
    rounds = max(1, round((booster.best_iteration or booster.current_iteration()) * 1.1))
    data = lgb.Dataset(X, y, feature_name=names, categorical_feature=categorical)
    return lgb.train(_params(config), data, num_boost_round=rounds)


def _target(frame: pd.DataFrame, config: LeadConfig) -> np.ndarray:
    y = pd.to_numeric(frame[config.target], errors="coerce").to_numpy(dtype=float)
    if np.isnan(y).any() or not set(np.unique(y)) <= {0.0, 1.0}:
        raise TrainingInputError(f"target {config.target!r} must be 0/1 (load it with the loader)")
    if y.sum() < 10 or (1 - y).sum() < 10:
        raise TrainingInputError(f"target {config.target!r} needs at least 10 of each class")
    return y


class _Prepared(NamedTuple):
    kinds: dict[str, str]
    warnings: list[str]
    y: np.ndarray
    names: list[str]
    categorical: list[str]


def _prepare(frame: pd.DataFrame, config: LeadConfig) -> _Prepared:
    kinds, warnings = feature_columns(frame, config)
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    return _Prepared(kinds, warnings, _target(frame, config), list(kinds), categorical)


class _Fitted(NamedTuple):
    booster: lgb.Booster
    levels: dict[str, list[str]]
    derived: DerivedLayout
    X_train: np.ndarray  # the training rows, encoded (raw columns, before derived ones)
    X_valid: np.ndarray  # the early-stopping rows, as the booster sees them

    def encode(self, frame: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
        return self.derived.apply(_encode(frame, kinds, self.levels)[0])


def _fit_split(
    frame: pd.DataFrame, prep: _Prepared, tr: np.ndarray, va: np.ndarray, config: LeadConfig
) -> _Fitted:
    """Encode on the training rows ``tr``, fit the derived columns there and the booster with
    early stopping on ``va``."""
    X_tr, levels = _encode(frame.iloc[tr], prep.kinds)
    derived = _fit_derived(X_tr, prep.names, levels, config)
    X_va = derived.apply(_encode(frame.iloc[va], prep.kinds, levels)[0])
    booster = _fit(
        derived.apply(X_tr),
        prep.y[tr],
        X_va,
        prep.y[va],
        list(derived.model_features),
        prep.categorical,
        config,
    )
    return _Fitted(booster, levels, derived, X_tr, X_va)


MIN_PART_LABELS = 5  # leads of each class a tuning or test part needs


def lead_parts(
    ids: pd.Series, y: np.ndarray, config: LeadConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Row indices (train, tune, test) and whether the test rows are held out from tuning.

    A lead's side is a function of its id (:func:`training.evaluation.account_units`): the
    lowest ``valid_fraction * test_fraction`` of the id hashes are test rows, the rest of the
    lowest ``valid_fraction`` tune, the others train. So a lead stays on its side when the
    table grows or is re-exported, and a champion fitted on an earlier export never trained or
    tuned on the rows a challenger is measured on. With fewer than ``MIN_PART_LABELS`` leads of
    a class in the tuning or the test rows there is no held-out part (tune = test = the
    validation rows); with that few in the validation or training rows, a stratified random
    split (as for a table too small for hashing to balance the classes).
    """
    if not 0.0 < config.valid_fraction < 1.0:
        raise TrainingInputError(f"valid_fraction must be in (0, 1), not {config.valid_fraction!r}")
    if not 0.0 <= config.test_fraction < 1.0:
        raise TrainingInputError(f"test_fraction must be in [0, 1), not {config.test_fraction!r}")

    def enough(rows: np.ndarray) -> bool:
        return np.bincount(y[rows].astype(int), minlength=2).min() >= MIN_PART_LABELS

    u = account_units(ids.astype(str))
    valid_cut = config.valid_fraction
    tr, va = np.flatnonzero(u >= valid_cut), np.flatnonzero(u < valid_cut)
    if not (enough(tr) and enough(va)):
        log.warning("too few leads of a class for the id-hashed split: stratified random split")
        tr, va = train_test_split(
            np.arange(len(y)), test_size=config.valid_fraction, stratify=y,
            random_state=config.seed,
        )  # fmt: skip
        tr, va = np.sort(tr), np.sort(va)
    test = va[u[va] < valid_cut * config.test_fraction]
    tune = va[u[va] >= valid_cut * config.test_fraction]
    if config.test_fraction == 0.0 or not (enough(tune) and enough(test)):
        return tr, va, va, False
    return tr, tune, test, True


def fit_leads(frame: pd.DataFrame, config: LeadConfig) -> LeadFit:
    """Fit, calibrate and grade the lead model on a loaded lead table; metrics on held-out
    validation rows (see the module docstring)."""
    prep = _prepare(frame, config)
    y = prep.y
    tr, tune, test, held_out = lead_parts(frame[config.id_column], y, config)
    va = np.sort(np.concatenate([tune, test])) if held_out else tune
    if not held_out:
        log.warning("too few validation leads to hold some out: metrics are on the tuning rows")
    fitted = _fit_split(frame, prep, tr, tune, config)
    warnings = prep.warnings + leakage_warnings(
        fitted.X_train, y[tr], prep.names, prep.kinds, config.leak_auc
    )
    for w in warnings:
        log.warning("%s", w)
    booster, model_names, X_tune = (
        fitted.booster,
        list(fitted.derived.model_features),
        fitted.X_valid,
    )
    scorer = LeadScorer(
        id_column=config.id_column,
        feature_names=prep.names,
        categorical=fitted.levels,
        booster=booster,
        calibration=fit_platt(booster.predict(X_tune, raw_score=True), y[tune]),
        grades=thresholds_from_scores(np.zeros(0)),
        missing_markers=config.missing_markers,
        frequencies=fitted.derived.frequencies,
        count_missing=fitted.derived.count_missing,
    )
    scorer.grades = thresholds_from_scores(
        scorer.predict_parts(X_tune, contributions=False)["score"], config.grade_shares
    )
    test_frame = frame.iloc[test].reset_index(drop=True)
    metrics = evaluate_leads(scorer, test_frame, config.target)
    metrics.update(
        {
            "n_train_rows": float(len(tr)),
            "n_valid_rows": float(len(va)),
            "n_tune_rows": float(len(tune)),
            "n_test_rows": float(len(test) if held_out else 0),  # as the lifecycle model
            "metrics_held_out": float(held_out),
        }
    )
    metrics["rounds"] = float(booster.best_iteration or booster.current_iteration())
    X_test = fitted.encode(frame.iloc[test], prep.kinds)
    p = scorer.predict_parts(X_test, contributions=False)["probability"]
    figures = {
        "plots/feature_importance.png": importance_figure(
            model_names, booster.feature_importance("gain"), "lead model: feature importance"
        ),
        "plots/calibration.png": calibration_figure(y[test], p, "lead model: calibration"),
    }
    return LeadFit(
        scorer,
        prep.names,
        metrics,
        warnings,
        figures,
        test_frame,
        frame.iloc[tr].reset_index(drop=True),
    )


def evaluate_leads(
    scorer: LeadScorer, frame: pd.DataFrame, target: str = "_target"
) -> dict[str, float]:
    """AUC, log loss, Brier, accuracy and lift of grade A on a labelled lead frame."""
    if target not in frame.columns:
        raise TrainingInputError(f"the evaluation frame has no target column {target!r}")
    y = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
    parts = scorer.predict_parts(scorer.encode(frame), contributions=False)
    metrics = binary_metrics(y, parts["probability"], parts["grade"])
    metrics["accuracy"] = float(((parts["probability"] >= 0.5) == (y == 1)).mean())
    return metrics


def cross_validate_leads(frame: pd.DataFrame, config: LeadConfig, folds: int = 5) -> list[float]:
    """Stratified k-fold ROC-AUC (each fold: inner validation split for early stopping)."""
    prep = _prepare(frame, config)
    y = prep.y
    aucs = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    for tr, te in splitter.split(np.zeros(len(y)), y):
        inner_tr, inner_va = train_test_split(
            tr, test_size=config.valid_fraction, stratify=y[tr], random_state=config.seed
        )
        fitted = _fit_split(frame, prep, inner_tr, inner_va, config)
        both = np.concatenate([inner_tr, inner_va])
        booster = _refit(
            fitted.booster,
            fitted.encode(frame.iloc[both], prep.kinds),
            y[both],
            list(fitted.derived.model_features),
            prep.categorical,
            config,
        )
        X_te = fitted.encode(frame.iloc[te], prep.kinds)
        aucs.append(float(roc_auc_score(y[te], booster.predict(X_te, raw_score=True))))
    return aucs


def train_leads(
    frame: pd.DataFrame,
    config: LeadConfig,
    *,
    tracking_uri: str,
    policy: GatePolicy = DEFAULT_GATE,
    auto_promote: bool = True,
    data_source: str | None = None,
    run_id: str | None = None,
) -> tuple[LeadFit, Any]:
    """Fit, log to MLflow (experiment ``leadscope-leads``), register as @challenger and gate."""
    from training.tracking import log_and_register

    fit = fit_leads(frame, config)
    columns = [config.id_column, *fit.features]
    valid = fit.valid_frame[columns].copy()
    valid["_target"] = fit.valid_frame[config.target].to_numpy()
    train = fit.train_frame[columns].copy()
    train["_target"] = fit.train_frame[config.target].to_numpy()
    params = {f"config.{k}": v for k, v in asdict(config).items()}
    params["features"] = ",".join(fit.features)
    tags = {"leakage_warnings": str(len(fit.warnings))}
    example = valid[fit.features].head(5).astype(object).where(valid[fit.features].head(5).notna())
    report = log_and_register(
        tracking_uri=tracking_uri,
        model_name=MODEL_NAME,
        scorer=fit.scorer,
        params=params,
        metrics=fit.metrics,
        figures=fit.figures,
        train_frame=_stringify(train),
        valid_frame=_stringify(valid),
        targets="_target",
        input_example=_stringify(example),
        policy=policy,
        evaluate=lambda scorer: evaluate_leads(scorer, valid),
        auto_promote=auto_promote,
        tags=tags,
        data_source=data_source,
        run_id=run_id,
    )
    report.warnings = list(fit.warnings)
    return fit, report


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as plain strings (None for missing) so Parquet and signatures accept them."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype("string").astype(object).where(out[column].notna())
    return out
