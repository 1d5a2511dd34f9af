"""MLflow logging for a trained model family: run, data set, model, registration and the gate.

:func:`log_and_register` is the one place that writes to MLflow for training: it logs params,
metrics, figures, the training and validation data sets (``mlflow.data.from_pandas``), the
validation frame as an artifact (so ``leadscope evaluate`` and the gate can re-score on the
same data later), and the pyfunc model with signature and input example. It registers the
model as a new version with ``@challenger``, re-evaluates the current ``@champion`` on the same
validation data and moves ``@champion`` only when the gate passes.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.errors import ModelUnavailableError
from training.registry import CHAMPION, GatePolicy, GateResult, check_gate, promote

log = logging.getLogger(__name__)

VALIDATION_ARTIFACT = "validation/validation.parquet"
_REQUIREMENTS = ("lightgbm", "numpy", "pandas", "scipy", "mlflow", "scikit-learn", "pyarrow")


@dataclass
class TrainingReport:
    """What a training run produced and what the gate decided."""

    model_name: str
    run_id: str
    version: str
    metrics: dict[str, float]
    gate: GateResult
    promoted: bool
    champion_version: str | None
    champion_metrics: dict[str, float] | None = None
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = f"{self.model_name} version {self.version} registered as @challenger"
        if self.promoted:
            return f"{head} and promoted to @champion"
        why = "; ".join(self.gate.reasons) or "not requested"
        return f"{head}; @champion stays at version {self.champion_version} ({why})"


def pip_requirements() -> list[str]:
    """Pinned requirements of a logged scorer (avoids MLflow's slow requirement inference)."""
    out = []
    for name in _REQUIREMENTS:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            out.append(name)
    return out


def _champion_metrics(
    name: str, tracking_uri: str, evaluate: Callable[[Any], dict[str, float]]
) -> tuple[str | None, dict[str, float] | None]:
    from scoring.registry import load_model

    try:
        champion = load_model(name, CHAMPION, tracking_uri=tracking_uri)
    except ModelUnavailableError:
        return None, None
    try:
        return champion.version, evaluate(champion.scorer)
    except Exception as exc:  # an incompatible old champion cannot block a new model
        log.warning("could not evaluate %s@champion on the new validation data: %s", name, exc)
        return champion.version, None


def _held_out_run(client: Any, name: str, version: str | None) -> bool:
    """Was ``version`` fitted with held-out validation (its run logged ``metrics_held_out``
    = 1)? Unknown counts as yes (no note)."""
    try:
        run_id = client.get_model_version(name, version).run_id
        return bool(client.get_run(run_id).data.metrics.get("metrics_held_out", 0.0))
    except Exception:  # a missing run must not block the gate
        return True


def gate_and_promote(
    client: Any,
    name: str,
    version: str,
    metrics: Mapping[str, float],
    *,
    tracking_uri: str,
    policy: GatePolicy,
    evaluate: Callable[[Any], dict[str, float]],
    auto_promote: bool = True,
) -> tuple[GateResult, bool, str | None, dict[str, float] | None]:
    """Compare the challenger with the champion on the same data; promote when it passes."""
    champion_version, champion_metrics = _champion_metrics(name, tracking_uri, evaluate)
    gate = check_gate(policy, metrics, champion_metrics)
    if (
        not gate.passed
        and champion_metrics is not None
        and metrics.get("metrics_held_out")
        and not _held_out_run(client, name, champion_version)
    ):
        note = (
            f"note: version {champion_version} was fitted before held-out validation and may "
            "have trained or tuned on these rows, which favours it; compare with "
            "`leadscope evaluate` and promote by hand if the challenger is better"
        )
        log.warning("%s", note)
        gate.reasons.append(note)
    promoted = False
    if gate.passed and auto_promote:
        promote(client, name, version)
        promoted = True
        champion_version = version
    client.set_model_version_tag(name, version, "gate", "passed" if gate.passed else "failed")
    if gate.reasons:
        client.set_model_version_tag(name, version, "gate_reasons", "; ".join(gate.reasons)[:4000])
    return gate, promoted, champion_version, champion_metrics


def log_and_register(
    *,
    tracking_uri: str,
    model_name: str,
    scorer: Any,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    figures: Mapping[str, Any],
    train_frame: pd.DataFrame,
    valid_frame: pd.DataFrame,
    targets: str,
    input_example: pd.DataFrame,
    policy: GatePolicy,
    evaluate: Callable[[Any], dict[str, float]],
    auto_promote: bool = True,
    tags: Mapping[str, str] | None = None,
    data_source: str | None = None,
    run_id: str | None = None,
) -> TrainingReport:
    """Log one training run of ``model_name`` and register it (see the module docstring).

    ``run_id`` logs into an existing run (``mlflow run`` creates one for the command, in the
    experiment named by its ``--experiment-name``); otherwise a new run in the experiment
    named like the model.
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from training.registry import register_challenger

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    if run_id:
        started = mlflow.start_run(run_id=run_id)
    else:
        experiment = mlflow.set_experiment(model_name)
        started = mlflow.start_run(experiment_id=experiment.experiment_id)
    with started as run:
        mlflow.set_tags({"model_family": model_name, **(tags or {})})
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        for path, fig in figures.items():
            mlflow.log_figure(fig, path)
        if data_source:
            mlflow.set_tag("data_source", data_source)
        for frame, context in ((train_frame, "training"), (valid_frame, "validation")):
            dataset = mlflow.data.from_pandas(
                frame, name=f"{model_name}-{context}", targets=targets
            )
            mlflow.log_input(dataset, context=context)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(VALIDATION_ARTIFACT).name
            valid_frame.to_parquet(path, index=False)
            mlflow.log_artifact(str(path), artifact_path=str(Path(VALIDATION_ARTIFACT).parent))
        output = scorer.predict(None, input_example)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=scorer,
            signature=infer_signature(input_example, output),
            input_example=input_example,
            pip_requirements=pip_requirements(),
        )
        run_id = run.info.run_id
    version = register_challenger(
        client, model_name, info.model_uri, tags={"run_id": run_id, **(tags or {})}
    )
    gate, promoted, champion_version, champion_metrics = gate_and_promote(
        client,
        model_name,
        version,
        metrics,
        tracking_uri=tracking_uri,
        policy=policy,
        evaluate=evaluate,
        auto_promote=auto_promote,
    )
    report = TrainingReport(
        model_name=model_name,
        run_id=run_id,
        version=version,
        metrics=dict(metrics),
        gate=gate,
        promoted=promoted,
        champion_version=champion_version,
        champion_metrics=champion_metrics,
    )
    log.info("%s", report.summary())
    return report


def validation_frame(client: Any, name: str, version: str) -> pd.DataFrame:
    """The validation frame logged with a version's run (for re-evaluation on the same data)."""
    from mlflow.exceptions import MlflowException

    from training.errors import TrainingInputError

    try:
        mv = client.get_model_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            local = client.download_artifacts(mv.run_id, VALIDATION_ARTIFACT, tmp)
            return pd.read_parquet(local)
    except (MlflowException, OSError) as exc:
        raise TrainingInputError(
            f"{name} version {version} has no logged validation data: {exc}"
        ) from exc
