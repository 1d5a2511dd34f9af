"""Where the time of one ``POST /v1/score`` goes, in process, against MLflow's pyfunc path.

Same model as ``bench_serving_throughput.py``. For 1 and 100 records: JSON parsing, request
validation (pydantic), the whole scoring call, the model's parts (stage model, purchase model
with ``pred_contrib`` for the reasons, the reasons themselves) and response serialisation;
then ``mlflow.pyfunc`` ``predict`` on the same rows (schema enforcement + the same scorer), the
work ``mlflow models serve`` does per request besides HTTP. Ratios say how far serving
overhead, rather than the model, decides throughput.

    .venv/bin/python benchmarks/bench_serving_breakdown.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving_throughput import train_model


def per_call_ms(fn: Callable[[], object], seconds: float = 1.5) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return elapsed / n * 1000


def _report(n: int, names: list[str], rows: list[list[float]], loaded, pyfunc) -> None:  # type: ignore[no-untyped-def]
    from serving.api.schemas import ScoreRequest
    from serving.api.scoring import score_records

    s = loaded.scorer
    data = {"records": [dict(zip(names, r, strict=True)) for r in rows[:n]]}
    body = orjson.dumps(data)
    req = ScoreRequest.model_validate(data)
    X = np.array(rows[:n], dtype=float)
    payload = score_records(loaded, req.records)
    frame = pd.DataFrame(rows[:n], columns=names)
    t = {
        "json parse": per_call_ms(lambda: orjson.loads(body)),
        "validation (pydantic)": per_call_ms(lambda: ScoreRequest.model_validate(data)),
        "score_records (all)": per_call_ms(lambda: score_records(loaded, req.records)),
        " stage model": per_call_ms(
            lambda: s.stage_model.predict(X, raw_score=True, num_threads=1)
        ),
        " purchase pred_contrib": per_call_ms(
            lambda: s.purchase_model.predict(X, pred_contrib=True, num_threads=1)
        ),
        "response (orjson)": per_call_ms(
            lambda: orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
        ),
        "mlflow pyfunc predict": per_call_ms(lambda: pyfunc.predict(frame)),
    }
    ours = t["json parse"] + t["validation (pydantic)"] + t["score_records (all)"]
    ours += t["response (orjson)"]
    print(f"\n{n} record(s) per request (ms per call)")
    for k, v in t.items():
        print(f"  {k:<24}{v:9.3f}")
    print(f"  {'leadscope total':<24}{ours:9.3f}")
    print(f"  mlflow pyfunc / leadscope in process: {t['mlflow pyfunc predict'] / ours:.1f}x")


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
