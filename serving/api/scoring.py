"""Score API payloads with a served model: feature rows or stored accounts.

The glue between request records and the scorer contract (``score_array`` on a float matrix in
the model's feature order, the fast path; ``score_frame`` on a DataFrame when the model has
categorical inputs to encode, e.g. the lead model, or values are not all numeric). Each
result gets its ``id`` and the ``model`` reference.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from scoring.accounts_store import load_history
from scoring.errors import ScoringInputError
from scoring.registry import LoadedModel

log = logging.getLogger(__name__)


def model_ref(loaded: LoadedModel) -> dict[str, str]:
    return {"name": loaded.name, "version": loaded.version, "alias": loaded.alias}


def _finish(
    results: list[dict[str, Any]], ids: Sequence[Any], loaded: LoadedModel
) -> list[dict[str, Any]]:
    ref = model_ref(loaded)
    for i, res in enumerate(results):
        res["id"] = ids[i] if ids[i] is not None else i
        res["model"] = ref
    return results


def feature_rows(records: Sequence[Mapping[str, Any]], names: list[str]) -> list[Sequence[Any]]:
    """The rows' values in ``names`` order, ``None`` for an absent feature. One C-level
    ``itemgetter`` call per complete row (the usual case); rows with gaps take ``get``."""
    if len(names) == 1:
        return [(rec.get(names[0]),) for rec in records]
    getter = operator.itemgetter(*names)
    try:
        return list(map(getter, records))
    except KeyError:
        pass
    rows: list[Sequence[Any]] = []
    for rec in records:
        try:
            rows.append(getter(rec))
        except KeyError:
            rows.append([rec.get(f) for f in names])
    return rows


def score_records(loaded: LoadedModel, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Score feature rows; missing features are NaN (LightGBM's missing value), unknown keys
    are ignored. A row that carries none of the model's features is refused (a wrong model or
    misspelt columns), naming the row."""
    scorer = loaded.scorer
    names: list[str] = list(scorer.feature_names)
    known = set(names)
    for i, rec in enumerate(records):
        if not any(k in known for k in rec):
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise ScoringInputError(
                f"records[{i}]: none of the model's features ({shown}) is present"
            )
    ids = [rec.get("id") for rec in records]
    X = None
    # a model with categorical inputs (the lead model) encodes raw values in score_frame
    if not getattr(scorer, "categorical", None):
        try:
            X = np.array(feature_rows(records, names), dtype=np.float64)
        except (TypeError, ValueError):
            X = None
    if X is not None:
        results = scorer.score_array(X)
    else:
        frame = pd.DataFrame.from_records(
            [{f: rec.get(f) for f in names} for rec in records], columns=names
        )
        results = scorer.score_frame(frame)
    return {"model": model_ref(loaded), "results": _finish(results, ids, loaded)}


def score_accounts(
    engine: sa.Engine,
    loaded: LoadedModel,
    account_ids: Sequence[str],
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Score accounts from their stored events and transactions as of ``as_of`` (now).

    Accounts with no stored history are listed in ``missing_account_ids`` and not scored.
    """
    from scoring.features import build_features  # the one feature implementation

    cutoff = (as_of or datetime.now(UTC)).astimezone(UTC)
    wanted = list(dict.fromkeys(account_ids))
    events_df, tx_df = load_history(engine, wanted, cutoff)
    has_history = set(events_df["account_id"]) | set(tx_df["account_id"])
    present = [a for a in wanted if a in has_history]
    missing = [a for a in wanted if a not in has_history]
    if not present:
        return {"model": model_ref(loaded), "results": [], "missing_account_ids": missing}
    features = build_features(events_df, tx_df, pd.Timestamp(cutoff))
    features = features.reindex(present)
    names = list(loaded.scorer.feature_names)
    frame = features.reindex(columns=names)
    results = loaded.scorer.score_frame(frame)
    return {
        "model": model_ref(loaded),
        "results": _finish(results, present, loaded),
        "missing_account_ids": missing,
    }
