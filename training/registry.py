"""MLflow model registry discipline: register candidates as @challenger, gate, promote, roll back.

Aliases (registry stages are deprecated in MLflow 3):

- ``challenger``: the newest registered candidate;
- ``champion``: what serving loads; moved only by :func:`promote` (after the gate) or
  :func:`rollback`;
- ``previous_champion``: the champion before the last promotion, so rollback is one command.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from training.errors import TrainingInputError

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS = "previous_champion"


@dataclass(frozen=True)
class GatePolicy:
    """Promotion gate: minimum metric values and the tolerated loss against the champion.

    ``higher_is_better`` names the direction of each metric (AUC: True, log loss: False).
    """

    minimums: Mapping[str, float] = field(default_factory=dict)
    compare: Mapping[str, bool] = field(default_factory=dict)  # metric -> higher_is_better
    tolerance: float = 0.005


@dataclass(frozen=True)
class GateResult:
    passed: bool
    reasons: list[str]


def check_gate(
    policy: GatePolicy,
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
) -> GateResult:
    """Decide whether a challenger may become champion.

    ``champion`` must be the current champion's metrics on the *same* validation data (the
    caller re-evaluates it), or None when there is no champion yet.
    """
    reasons: list[str] = []
    for metric, minimum in policy.minimums.items():
        value = challenger.get(metric)
        higher = policy.compare.get(metric, True)
        if value is None:
            reasons.append(f"{metric} missing")
        elif (higher and value < minimum) or (not higher and value > minimum):
            reasons.append(f"{metric}={value:.4f} misses the minimum {minimum:.4f}")
    if champion is not None:
        for metric, higher in policy.compare.items():
            new, old = challenger.get(metric), champion.get(metric)
            if new is None or old is None:
                continue
            worse = (old - new) if higher else (new - old)
            if worse > policy.tolerance:
                reasons.append(
                    f"{metric}={new:.4f} is worse than the champion's {old:.4f} "
                    f"beyond the tolerance {policy.tolerance}"
                )
    return GateResult(passed=not reasons, reasons=reasons)


def register_challenger(
    client: MlflowClient, name: str, model_uri: str, *, tags: Mapping[str, str] | None = None
) -> str:
    """Register ``model_uri`` as a new version of ``name`` and point @challenger at it."""
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name)
    run_id = None
    if model_uri.startswith("runs:/"):
        run_id = model_uri.split("/")[1]
    version = client.create_model_version(
        name, source=model_uri, run_id=run_id, tags=dict(tags or {})
    )
    client.set_registered_model_alias(name, CHALLENGER, version.version)
    log.info("registered %s version %s as @%s", name, version.version, CHALLENGER)
    return str(version.version)


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points at, or None when the model or alias does not exist."""
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def promote(client: MlflowClient, name: str, version: str | None = None) -> str:
    """Point @champion at ``version`` (default: the @challenger); keep the old one as previous."""
    target = version or alias_version(client, name, CHALLENGER)
    if target is None:
        raise TrainingInputError(f"model {name!r} has no @{CHALLENGER} to promote")
    try:
        client.get_model_version(name, target)
    except MlflowException as exc:
        raise TrainingInputError(f"model {name!r} has no version {target}") from exc
    current = alias_version(client, name, CHAMPION)
    if current == target:
        return target
    if current is not None:
        client.set_registered_model_alias(name, PREVIOUS, current)
    client.set_registered_model_alias(name, CHAMPION, target)
    log.info("promoted %s version %s to @%s (was %s)", name, target, CHAMPION, current)
    return target


def rollback(client: MlflowClient, name: str) -> str:
    """Swap @champion back to @previous_champion; returns the version now serving."""
    previous = alias_version(client, name, PREVIOUS)
    if previous is None:
        raise TrainingInputError(f"model {name!r} has no @{PREVIOUS} to roll back to")
    current = alias_version(client, name, CHAMPION)
    client.set_registered_model_alias(name, CHAMPION, previous)
    if current is not None:
        client.set_registered_model_alias(name, PREVIOUS, current)
    log.info("rolled back %s to version %s (was %s)", name, previous, current)
    return previous
