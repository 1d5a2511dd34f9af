"""Fit, evaluate, log and register the lookalike model (MLflow experiment ``leadscope-lookalike``).

:func:`fit_scorer` builds the vectoriser and :class:`~scoring.lookalike.LookalikeModel` from term
documents; :func:`evaluate` hides a share of the customers in the candidate pool over several
folds and reports how high they rank (recall@k, AUC) next to a plain TF-IDF centroid baseline;
:func:`train_lookalike` does both, logs the run (params, metrics, data set, segment report CSV
and plot, the pyfunc with signature and input example), registers the model as
``leadscope-lookalike`` @challenger and moves @champion when the gate passes or there is none.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import normalize

from scoring.lookalike import MIN_CUSTOMERS, LookalikeModel, customers_phrase, too_few_customers
from scoring.profiles import TermVectorizer, document_key
from scoring.prospect_scorer import LookalikeScorer
from scoring.segments import plot_segments
from scoring.terms import TermConfig
from training.errors import TrainingInputError

log = logging.getLogger(__name__)

FEW_CUSTOMERS = 3  # below this the term views weigh little (scoring.lookalike.view_weights)
MIN_EVAL_CUSTOMERS = MIN_CUSTOMERS + 1  # one hidden, the rest still enough to fit

MODEL_NAME = "leadscope-lookalike"
EXPERIMENT = "leadscope-lookalike"
Progress = Callable[[float, str], None]
Docs = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class LookalikeConfig:
    """Method parameters of the lookalike model, its evaluation and promotion gate."""

    term: TermConfig = field(default_factory=TermConfig)
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 50_000
    n_neighbors: int = 3
    C: float = 1.0
    n_components: int | None = None  # latent (LSA) dimensions; None: sqrt(documents), 0: none
    prior_customers: float = 20.0  # customers at which term and latent views weigh the same
    cv_folds: int = 5
    max_segments: int = 8
    min_gap: float = 0.1
    eval_folds: int = 3
    hide_share: float = 0.25
    recall_k: tuple[int, ...] = (10, 50)
    gate_min_auc: float = 0.6
    n_jobs: int | None = None  # scoring threads over row chunks (large candidate sets)
    random_state: int = 0
    model_name: str = MODEL_NAME
    experiment: str = EXPERIMENT

    def params(self) -> dict[str, Any]:
        flat = {k: v for k, v in asdict(self).items() if k != "term"}
        flat.update({f"term_{k}": v for k, v in asdict(self.term).items()})
        flat["recall_k"] = ",".join(map(str, self.recall_k))
        return flat


@dataclass
class LookalikeTraining:
    """Outcome of one training run."""

    scorer: LookalikeScorer
    metrics: dict[str, float]
    run_id: str | None = None
    model_name: str = MODEL_NAME
    version: str | None = None
    promoted: bool = False
    gate_reasons: list[str] = field(default_factory=list)


def fit_scorer(customers: Docs, background: Docs, config: LookalikeConfig) -> LookalikeScorer:
    """Fit the vectoriser on all documents and the model on customers vs. background."""
    if len(customers) < MIN_CUSTOMERS:
        raise TrainingInputError(too_few_customers(MIN_CUSTOMERS, len(customers)))
    if len(background) < 2:
        raise TrainingInputError(
            f"the lookalike model needs at least 2 non-customer sites with usable pages as "
            f"background, got {len(background)}"
        )
    cust_ids, back_ids = list(customers), list(background)
    vectorizer = TermVectorizer(
        min_df=config.min_df, max_df=config.max_df, max_features=config.max_features
    ).fit([*customers.values(), *background.values()])
    # the model sees its training companies as it will see new ones (left-out profiles)
    X_pos = vectorizer.transform([customers[d] for d in cust_ids])
    X_unl = vectorizer.transform_left_out([background[d] for d in back_ids])
    model = LookalikeModel(
        n_neighbors=config.n_neighbors,
        C=config.C,
        n_components=config.n_components,
        prior_customers=config.prior_customers,
        cv_folds=config.cv_folds,
        max_segments=config.max_segments,
        min_gap=config.min_gap,
        n_jobs=config.n_jobs,
        random_state=config.random_state,
    ).fit(
        X_pos,
        X_unl,
        customer_ids=cust_ids,
        unlabelled_ids=[document_key(d, background[d]) for d in back_ids],
        terms=vectorizer.terms_,
    )
    info = {"n_customers": len(cust_ids), "n_background": len(back_ids)}
    return LookalikeScorer(vectorizer, model, config.term, info)


def _ranking_metrics(scores: np.ndarray, hidden: np.ndarray, ks: tuple[int, ...]) -> dict:
    order = np.argsort(-scores, kind="stable")
    out = {f"recall_at_{k}": float(hidden[order[:k]].sum() / max(hidden.sum(), 1)) for k in ks}
    out["auc"] = float(roc_auc_score(hidden, scores)) if 0 < hidden.sum() < len(hidden) else 0.5
    return out


def evaluate(
    customers: Docs, background: Docs, config: LookalikeConfig, progress: Progress | None = None
) -> dict[str, float]:
    """Hidden-customer evaluation over ``eval_folds`` folds; mean metrics, baseline beside.

    Each fold hides a share of the customers among the background, fits on the rest and ranks
    the pool. ``recall_at_k``: share of hidden customers in the top k; ``auc``: hidden customers
    against the background. ``baseline_*``: the same for TF-IDF cosine to the customer centroid.
    The folds hide consecutive blocks of one permutation of the customers, so no customer is
    hidden twice before every one was hidden once, and there are at most as many folds as
    distinct blocks (2 customers: 2 folds of one hidden customer each).
    Returns an empty dict when there are too few customers to hide any.
    """
    ids = list(customers)
    n = len(ids)
    if n < MIN_EVAL_CUSTOMERS:
        log.warning(
            "evaluation skipped: %s too few to hide one (needs %d)",
            customers_phrase(n),
            MIN_EVAL_CUSTOMERS,
        )
        return {}
    n_hide = min(max(1, round(config.hide_share * n)), n - MIN_CUSTOMERS)
    rng = np.random.default_rng(config.random_state)
    perm = rng.permutation(n)
    n_folds = min(config.eval_folds, -(-n // n_hide))
    back_ids = list(background)
    folds: list[dict[str, float]] = []
    for f in range(n_folds):
        hide = set(perm[(f * n_hide + np.arange(n_hide)) % n].tolist())
        hidden = [ids[i] for i in sorted(hide)]
        kept = {ids[i]: customers[ids[i]] for i in range(n) if i not in hide}
        scorer = fit_scorer(kept, background, config)
        pool_ids = back_ids + hidden
        pool_docs = [background[d] for d in back_ids] + [customers[d] for d in hidden]
        X, scored = scorer.score_profiles(pool_ids, pool_docs)
        scores = scored.raw
        truth = np.r_[np.zeros(len(back_ids)), np.ones(len(hidden))].astype(bool)
        metrics = _ranking_metrics(scores, truth, config.recall_k)
        centroid = normalize(np.asarray(scorer.model.customers_.mean(axis=0)))
        base = np.asarray(X @ centroid.T).ravel()
        metrics.update(
            {f"baseline_{k}": v for k, v in _ranking_metrics(base, truth, config.recall_k).items()}
        )
        folds.append(metrics)
        if progress is not None:
            progress((f + 1) / n_folds, f"evaluation fold {f + 1}/{n_folds}")
    mean = {k: float(np.mean([m[k] for m in folds])) for k in folds[0]}
    mean["auc_std"] = float(np.std([m["auc"] for m in folds]))
    mean["eval_folds"] = float(len(folds))
    mean["hidden_per_fold"] = float(n_hide)
    return mean


def evaluation_summary(metrics: Mapping[str, float]) -> str:
    """One line on the hidden-customer evaluation, for the CLI: AUC and recall@10, or why there
    was none."""
    if "auc" not in metrics:
        return f"no hidden-customer evaluation (it needs {customers_phrase(MIN_EVAL_CUSTOMERS)})"
    recall = metrics.get("recall_at_10")
    return f"hidden-customer AUC {metrics['auc']:.3f}" + (
        f", recall@10 {recall:.3f}" if recall is not None else ""
    )


def data_digest(customers: Docs, background: Docs) -> str:
    """A short digest of who was customer and background (same data -> same digest)."""
    h = hashlib.sha256()
    for d in sorted(customers):
        h.update(b"c:" + d.encode())
    for d in sorted(background):
        h.update(b"b:" + d.encode())
    return h.hexdigest()[:16]


def train_lookalike(
    customers: Docs,
    background: Docs,
    *,
    config: LookalikeConfig | None = None,
    tracking_uri: str | None = None,
    register: bool = True,
    promote: bool = True,
    progress: Progress | None = None,
) -> LookalikeTraining:
    """Evaluate, fit, log to MLflow and register (see the module docstring)."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import DataType
    from mlflow.types.schema import Array, ColSpec, Schema

    input_schema = Schema(
        [
            ColSpec(DataType.string, "domain"),
            ColSpec(DataType.string, "text", required=False),
            ColSpec(DataType.string, "language", required=False),
            ColSpec(Array(DataType.string), "terms", required=False),
        ]
    )

    from training.registry import (
        CHAMPION,
        GatePolicy,
        alias_version,
        check_gate,
        register_challenger,
    )
    from training.registry import promote as promote_version

    config = config or LookalikeConfig()

    def step(share: float, message: str) -> None:
        if progress is not None:
            progress(share, message)

    if len(customers) < FEW_CUSTOMERS:
        log.warning(
            "%s: segments, nearest customers and the classifier rest on few examples; the "
            "ranking leans on the latent view",
            customers_phrase(len(customers)),
        )
    step(0.0, "evaluating on hidden customers")
    metrics = evaluate(
        customers, background, config, lambda s, m: step(0.6 * s, m) if progress else None
    )
    step(0.6, "fitting the lookalike model")
    scorer = fit_scorer(customers, background, config)
    metrics.update(
        {
            "n_customers": float(len(customers)),
            "n_background": float(len(background)),
            "n_segments": float(len(scorer.segments)),
            "n_terms": float(len(scorer.vectorizer.terms_)),
        }
    )
    result = LookalikeTraining(scorer=scorer, metrics=metrics, model_name=config.model_name)
    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
    digest = data_digest(customers, background)
    mlflow.set_experiment(config.experiment)
    step(0.8, "logging to MLflow")
    with mlflow.start_run(run_name="lookalike") as run:
        result.run_id = run.info.run_id
        mlflow.log_params(config.params())
        view = scorer.model.latent_view_
        mlflow.log_params(
            {
                "latent_dims_used": view.space.n_components if view is not None else 0,
                "view_weights": ",".join(f"{w:.3f}" for w in scorer.model.stack_weights_),
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.set_tags({"data_digest": digest, "model_family": "lookalike"})
        dataset = pd.DataFrame(
            {
                "domain": [*customers, *background],
                "role": ["customer"] * len(customers) + ["background"] * len(background),
                "n_terms": [float(len(d)) for d in (*customers.values(), *background.values())],
            }
        )
        mlflow.log_input(
            mlflow.data.from_pandas(dataset, name=f"lookalike-{digest}"), context="training"
        )
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "segment_report.csv"
            scorer.segment_report().to_csv(report, index=False)
            mlflow.log_artifact(str(report), artifact_path="segments")
            plot = plot_segments(scorer.segments, Path(tmp) / "segments.png")
            mlflow.log_artifact(str(plot), artifact_path="segments")
        example = _input_example(scorer, customers)
        outputs = infer_signature(example, scorer.predict(None, example)).outputs
        signature = ModelSignature(inputs=input_schema, outputs=outputs)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=scorer,
            signature=signature,
            input_example=example,
            pip_requirements=_requirements(),
        )
    if not register:
        return result
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    result.version = register_challenger(
        client, config.model_name, info.model_uri, tags={"data_digest": digest}
    )
    champion_metrics = _champion_metrics(client, config.model_name, digest, alias_version)
    policy = GatePolicy(minimums={"auc": config.gate_min_auc}, compare={"auc": True})
    gate = check_gate(policy, metrics, champion_metrics)
    has_champion = alias_version(client, config.model_name, CHAMPION) is not None
    # ``promote=False`` registers a challenger only (the first version still becomes champion)
    if (gate.passed and promote) or not has_champion:
        promote_version(client, config.model_name, result.version)
        result.promoted = True
    result.gate_reasons = gate.reasons
    step(1.0, f"registered {config.model_name} version {result.version}")
    return result


def _champion_metrics(client: Any, name: str, digest: str, alias_version: Any) -> dict | None:
    """The champion's metrics when it was trained on the same data (else no comparison)."""
    version = alias_version(client, name, "champion")
    if version is None:
        return None
    mv = client.get_model_version(name, version)
    if (mv.tags or {}).get("data_digest") != digest or not mv.run_id:
        return None
    return dict(client.get_run(mv.run_id).data.metrics)


def _input_example(scorer: LookalikeScorer, customers: Docs) -> pd.DataFrame:
    domain = next(iter(customers))
    terms = sorted(customers[domain], key=lambda t: -customers[domain][t])[:30]
    lang = "de" if any(ch in "äöüß" for t in terms for ch in t) else "en"
    return pd.DataFrame({"domain": [domain], "text": [" ".join(terms)], "language": [lang]})


def _requirements() -> list[str]:
    from importlib.metadata import version

    pkgs = ["mlflow", "numpy", "pandas", "scipy", "scikit-learn", "spacy", "spacy-lookups-data"]
    # py3langid: language of raw text; babel: CLDR names for the selector lists (its version
    # decides which words are country and language names)
    return [f"{p}=={version(p)}" for p in [*pkgs, "py3langid", "babel"]]
