"""The models the API serves, one slot per family, swapped atomically on reload.

A request takes the slot's current :class:`~scoring.registry.LoadedModel` reference once and
scores with it, so a reload that swaps the reference never disturbs a request in flight. A
reload first asks the registry which version ``@alias`` points at (cheap); only a new version is
loaded, and only a successful load replaces the current one. When the registry is unreachable or
the new version fails to load, the current version keeps serving and the slot records the error
(``GET /v1/models``, ``/readyz``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from scoring.errors import ModelUnavailableError
from scoring.registry import LoadedModel

log = logging.getLogger(__name__)

_NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"})

DEFAULT_FAMILIES: dict[str, str] = {
    "lifecycle": "leadscope-lifecycle",
    "leads": "leadscope-leads",
}


class Scorer(Protocol):
    """What the API needs from a loaded model (see ``scoring``'s scorer classes)."""

    feature_names: list[str]

    def score_frame(self, df: Any) -> list[dict[str, Any]]: ...

    def score_array(self, X: Any) -> list[dict[str, Any]]: ...


class ModelSource(Protocol):
    """Where models come from: the MLflow registry in production, a fake in unit tests."""

    def current_version(self, name: str, alias: str) -> str: ...

    def load(self, name: str, alias: str) -> LoadedModel: ...


class MlflowModelSource:
    """Resolve aliases and load models from an MLflow tracking/registry URI."""

    def __init__(self, tracking_uri: str | None) -> None:
        self.tracking_uri = tracking_uri

    def current_version(self, name: str, alias: str) -> str:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        try:
            return str(client.get_model_version_by_alias(name, alias).version)
        except MlflowException as exc:
            if exc.error_code in _NOT_FOUND_CODES:
                raise ModelUnavailableError(
                    f"model {name}@{alias} not found: {exc.message}"
                ) from exc
            # a dead HTTP registry surfaces as an MlflowException too ("API request ... failed")
            raise ModelUnavailableError(f"model registry unreachable: {exc.message}") from exc
        except Exception as exc:
            raise ModelUnavailableError(f"model registry unreachable: {exc}") from exc

    def load(self, name: str, alias: str) -> LoadedModel:
        from scoring.registry import load_model

        return load_model(name, alias, tracking_uri=self.tracking_uri)


@dataclass
class ModelSlot:
    family: str
    name: str
    alias: str
    model: LoadedModel | None = None
    loaded_at: datetime | None = None
    checked_at: datetime | None = None
    error: str | None = None

    def status(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "name": self.name,
            "alias": self.alias,
            "version": self.model.version if self.model else None,
            "loaded": self.model is not None,
            "loaded_at": self.loaded_at,
            "checked_at": self.checked_at,
            "error": self.error,
        }


class ServedModels:
    """Slots for the served families; :meth:`reload` is safe to call while serving."""

    def __init__(
        self,
        source: ModelSource,
        families: Mapping[str, str] | None = None,
        alias: str = "champion",
        on_swap: Callable[[ModelSlot, LoadedModel | None], None] | None = None,
    ) -> None:
        self.source = source
        self.slots = {
            fam: ModelSlot(family=fam, name=name, alias=alias)
            for fam, name in (families or DEFAULT_FAMILIES).items()
        }
        self.on_swap = on_swap
        self._lock = threading.Lock()  # one reload at a time; readers never take it

    def get(self, family: str) -> LoadedModel:
        """The current model of ``family``; :class:`ModelUnavailableError` when none is loaded."""
        slot = self.slots.get(family)
        if slot is None:
            raise ModelUnavailableError(f"model family {family!r} is not served")
        model = slot.model
        if model is None:
            raise ModelUnavailableError(
                f"model {slot.name}@{slot.alias} is not loaded: {slot.error or 'not yet loaded'}"
            )
        return model

    @property
    def ready(self) -> bool:
        return all(slot.model is not None for slot in self.slots.values())

    def status(self) -> list[dict[str, Any]]:
        return [slot.status() for slot in self.slots.values()]

    def reload(self) -> list[str]:
        """Check every alias and swap in new versions. Returns the families that changed.

        Blocking (registry calls, model loading): call it from a worker thread.
        """
        changed: list[str] = []
        with self._lock:
            for slot in self.slots.values():
                if self._reload_slot(slot):
                    changed.append(slot.family)
        return changed

    def _reload_slot(self, slot: ModelSlot) -> bool:
        now = datetime.now(UTC)
        try:
            version = self.source.current_version(slot.name, slot.alias)
            if slot.model is not None and slot.model.version == version:
                slot.checked_at, slot.error = now, None
                return False
            new = self.source.load(slot.name, slot.alias)
        except Exception as exc:  # keep serving the current version whatever went wrong
            slot.checked_at = now
            slot.error = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
            log.warning(
                "reload of %s@%s failed, still serving version %s: %s",
                slot.name,
                slot.alias,
                slot.model.version if slot.model else None,
                slot.error,
            )
            return False
        old = slot.model
        slot.model = new  # the swap: one reference assignment
        slot.loaded_at = slot.checked_at = datetime.now(UTC)
        slot.error = None
        log.info(
            "serving %s version %s (@%s), was %s",
            slot.name,
            new.version,
            slot.alias,
            old.version if old else None,
        )
        if self.on_swap is not None:
            self.on_swap(slot, old)
        return True
