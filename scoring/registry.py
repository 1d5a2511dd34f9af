"""Load registered models by alias (``models:/<name>@champion``) for inference."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scoring.errors import ModelUnavailableError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded for serving: where it came from and the object that scores."""

    name: str
    version: str
    alias: str
    scorer: Any  # the unwrapped python model of the pyfunc (see scoring's scorer classes)


def load_model(
    name: str, alias: str = "champion", *, tracking_uri: str | None = None
) -> LoadedModel:
    """Resolve ``name@alias`` to a version and load it once.

    The pyfunc is unwrapped so callers reach the fast scoring path directly. Raises
    :class:`ModelUnavailableError` when the registry is unreachable or the alias is missing.
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        mv = client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        raise ModelUnavailableError(f"model {name}@{alias} not found: {exc.message}") from exc
    except Exception as exc:  # connection errors from a remote registry
        raise ModelUnavailableError(
            f"model registry unreachable for {name}@{alias}: {exc}"
        ) from exc
    uri = f"models:/{name}/{mv.version}"
    try:
        if tracking_uri:
            mlflow.set_registry_uri(tracking_uri)
        pyfunc = mlflow.pyfunc.load_model(uri)
    except Exception as exc:
        raise ModelUnavailableError(f"model {uri} failed to load: {exc}") from exc
    try:
        scorer = pyfunc.unwrap_python_model()
    except Exception:
        scorer = pyfunc
    log.info("loaded %s version %s (@%s)", name, mv.version, alias)
    return LoadedModel(name=name, version=str(mv.version), alias=alias, scorer=scorer)
