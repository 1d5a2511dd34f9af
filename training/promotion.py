"""Human-facing model management: evaluate a version against @champion, promote with the gate.

Both re-score the champion and the candidate on the candidate's logged validation frame (the
same data), so the comparison is fair even when the champion was trained on other dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlflow import MlflowClient

from scoring.errors import ModelUnavailableError
from training.errors import TrainingInputError
from training.registry import (
    CHALLENGER,
    CHAMPION,
    GatePolicy,
    GateResult,
    alias_version,
    check_gate,
    promote,
)


@dataclass
class Evaluation:
    name: str
    version: str
    metrics: dict[str, float]
    champion_version: str | None
    champion_metrics: dict[str, float] | None
    gate: GateResult

    def table(self) -> str:
        keys = sorted(set(self.metrics) | set(self.champion_metrics or {}))
        head = f"{'metric':<28}{'v' + self.version:>14}"
        if self.champion_version:
            head += f"{'champion v' + self.champion_version:>18}"
        lines = [head]
        for key in keys:
            line = f"{key:<28}{self.metrics.get(key, float('nan')):>14.4f}"
            if self.champion_metrics is not None:
                line += f"{self.champion_metrics.get(key, float('nan')):>18.4f}"
            lines.append(line)
        return "\n".join(lines)

    def verdict(self) -> str:
        if self.gate.passed:
            return f"gate: passed (version {self.version} may become @champion)"
        return "gate: failed: " + "; ".join(self.gate.reasons)


def _family(scorer: Any) -> tuple[Any, GatePolicy]:
    from scoring.leads import LeadScorer

    if isinstance(scorer, LeadScorer):
        from training.leads import DEFAULT_GATE, evaluate_leads

        return evaluate_leads, DEFAULT_GATE
    from training.lifecycle import DEFAULT_GATE as LIFECYCLE_GATE
    from training.lifecycle import evaluate_lifecycle

    return evaluate_lifecycle, LIFECYCLE_GATE


def evaluate_against_champion(name: str, tracking_uri: str, version: str | None) -> Evaluation:
    """Metrics of ``version`` (default @challenger) and @champion on its validation data."""
    from scoring.registry import load_model
    from training.tracking import validation_frame

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    version = version or alias_version(client, name, CHALLENGER)
    if version is None:
        raise TrainingInputError(f"model {name!r} has no @{CHALLENGER}; train one first")
    frame = validation_frame(client, name, version)
    candidate = _load_version(name, version, tracking_uri)
    evaluate, policy = _family(candidate)
    metrics = evaluate(candidate, frame)
    champion_version = alias_version(client, name, CHAMPION)
    champion_metrics = None
    if champion_version is not None and champion_version != version:
        try:
            champion = load_model(name, CHAMPION, tracking_uri=tracking_uri)
            champion_metrics = evaluate(champion.scorer, frame)
        except ModelUnavailableError:
            champion_metrics = None
    gate = check_gate(policy, metrics, champion_metrics)
    return Evaluation(name, version, metrics, champion_version, champion_metrics, gate)


def _load_version(name: str, version: str, tracking_uri: str) -> Any:
    import mlflow

    mlflow.set_registry_uri(tracking_uri)
    try:
        model = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
    except Exception as exc:
        raise TrainingInputError(f"{name} version {version} cannot be loaded: {exc}") from exc
    return model.unwrap_python_model()


def promote_version(
    name: str, tracking_uri: str, version: str | None = None, *, force: bool = False
) -> tuple[str, Evaluation | None]:
    """Run the gate for ``version`` and move @champion; ``force`` overrides a failed gate."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    evaluation = None
    try:
        evaluation = evaluate_against_champion(name, tracking_uri, version)
    except TrainingInputError:
        if not force:
            raise
    if evaluation is not None and not evaluation.gate.passed and not force:
        raise TrainingInputError(
            f"gate failed for {name} version {evaluation.version}: "
            + "; ".join(evaluation.gate.reasons)
            + " (use --force to override)"
        )
    target = promote(client, name, evaluation.version if evaluation else version)
    return target, evaluation
