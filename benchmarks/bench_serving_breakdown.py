"""Where the time of one ``POST /v1/score`` goes, in process, against MLflow's pyfunc path.

Same model as ``bench_serving_throughput.py``. For 1 and 100 records: body parsing and
validation as the route does it (against the former stdlib json + pydantic ``ScoreRequest``),
the whole scoring call and its parts (feature matrix, stage model, purchase model with the TreeSHAP
contributions that give the reasons, churn model), the score metrics and
response serialisation;
then ``mlflow.pyfunc`` ``predict`` on the same rows (schema enforcement + the same scorer), the
work ``mlflow models serve`` does per request besides HTTP. Ratios say how far serving
overhead, rather than the model, decides throughput.

    .venv/bin/python benchmarks/bench_serving_breakdown.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import per_call_ms
from bench_serving_throughput import train_model


def _report(n: int, names: list[str], rows: list[list[float]], loaded, pyfunc) -> None:  # type: ignore[no-untyped-def]
    from serving.api.metrics import Metrics
    from serving.api.schemas import ScoreRequest
    from serving.api.score_body import parse_score_body
    from serving.api.scoring import feature_rows, score_records

    s = loaded.scorer
    data = {"records": [dict(zip(names, r, strict=True)) for r in rows[:n]]}
    body = orjson.dumps(data)
    req = parse_score_body(body)
    X = np.array(rows[:n], dtype=float)
    # the boosters' input (scorers with derived columns build it from the feature rows)
    Xm = s.model_matrix(X) if hasattr(s, "model_matrix") else X
    payload = score_records(loaded, req.records)
    frame = pd.DataFrame(rows[:n], columns=names)
    metrics = Metrics()
    t = {
        "parse + validate (API)": per_call_ms(lambda: parse_score_body(body)),
        " was: json + pydantic": per_call_ms(lambda: ScoreRequest.model_validate(json.loads(body))),
        "score_records (all)": per_call_ms(lambda: score_records(loaded, req.records)),
        " feature matrix": per_call_ms(
            lambda: np.array(feature_rows(req.records, names), dtype=np.float64)
        ),
        " scorer score_array": per_call_ms(lambda: s.score_array(X)),
        "  stage model": per_call_ms(
            lambda: s.stage_model.predict(Xm, raw_score=True, num_threads=1)
        ),
        "  purchase model + TreeSHAP reasons": per_call_ms(
            lambda: s.purchase_model.predict(Xm, pred_contrib=True, num_threads=1)
        ),
        "  churn model": per_call_ms(
            lambda: (
                s.churn_model.predict(Xm, raw_score=True, num_threads=1)
                if s.churn_model is not None
                else None
            )
        ),
        "metrics observe": per_call_ms(
            lambda: metrics.observe_scores("m", "1", payload["results"])
        ),
        "response (orjson)": per_call_ms(
            lambda: orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
        ),
        "mlflow pyfunc predict": per_call_ms(lambda: pyfunc.predict(frame)),
    }
    ours = t["parse + validate (API)"] + t["score_records (all)"] + t["metrics observe"]
    ours += t["response (orjson)"]
    print(f"\n{n} record(s) per request (ms per call; lines indented are parts of the line above)")
    for k, v in t.items():
        print(f"  {k:<26}{v:9.3f}")
    print(f"  {'leadscope total':<26}{ours:9.3f}")
    print(f"  mlflow pyfunc / leadscope in process: {t['mlflow pyfunc predict'] / ours:.1f}x")
    print(
        f"  parse + validate vs json + pydantic: "
        f"{t[' was: json + pydantic'] / t['parse + validate (API)']:.1f}x faster"
    )


def main() -> None:
    import mlflow

    from scoring.registry import load_model

    tmp = Path(tempfile.mkdtemp(prefix="bench-breakdown-"))
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    names, rows = train_model(uri)
    loaded = load_model("leadscope-lifecycle", tracking_uri=uri)
    s = loaded.scorer
    mlflow.set_registry_uri(uri)
    pyfunc = mlflow.pyfunc.load_model(f"models:/leadscope-lifecycle/{loaded.version}")
    print(
        f"stage model {s.stage_model.num_trees()} trees, "
        f"purchase model {s.purchase_model.num_trees()} trees"
    )
    for n in (1, 100):
        _report(n, names, rows, loaded, pyfunc)


if __name__ == "__main__":
    main()
