"""MLflow set-up at the edge: tracking/registry URI and where the local store keeps artifacts."""

from __future__ import annotations

from pathlib import Path

from serving.settings import Settings

EXPERIMENTS = ("leadscope-lookalike", "leadscope-lifecycle", "leadscope-leads")


def configure_mlflow(settings: Settings) -> str:
    """Point MLflow at the configured store and return its URI.

    With the default local store (``sqlite:///models/mlflow.db``) the experiments are created
    with their artifacts under ``models/artifacts/<experiment>``; otherwise MLflow's own
    default applies (a tracking server decides where artifacts go).
    """
    import mlflow

    uri = settings.resolved_mlflow_uri
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    if settings.mlflow_tracking_uri is None:
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        ensure_experiments(uri, settings.mlflow_artifact_root)
    return uri


def ensure_experiments(uri: str, artifact_root: Path) -> None:
    """Create the model families' experiments with artifacts under ``artifact_root/<name>``.

    Without this, MLflow puts the artifacts of a SQLite store under ``./mlruns`` of whatever
    the working directory is.
    """
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for name in EXPERIMENTS:
        if client.get_experiment_by_name(name) is None:
            client.create_experiment(name, artifact_location=(artifact_root / name).as_uri())
