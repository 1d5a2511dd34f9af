"""Throughput and latency of ``leadscope serve`` against ``mlflow models serve`` on one model.

Both servers serve the same registered LightGBM lifecycle model (``leadscope-lifecycle@champion``,
trained here on a synthetic history into a temporary MLflow store) on 127.0.0.1 with one
worker each. The load comes from ``wrk`` in a separate process (``apt-get install -y wrk``), at
concurrency 8 and 32, with 1-record and 100-record requests. leadscope runs with auth (a Bearer
key checked on every request) and returns reasons; MLflow has neither.

Goal (issue 6): at least 10x MLflow's requests/s for 1-record requests and 3x for 100-record
requests, each with a lower p99 latency.

    .venv/bin/python benchmarks/bench_serving_throughput.py [--duration 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout}s")


def train_model(uri: str) -> tuple[list[str], list[list[float]]]:
    """Train and register the lifecycle model; return feature names and real feature rows."""
    import pandas as pd

    from scoring.features import build_features
    from training.lifecycle import LifecycleConfig, train_lifecycle
    from training.synthetic import generate_history

    history = generate_history(500, seed=5)
    fit, report = train_lifecycle(
        history.events, history.transactions, tracking_uri=uri, config=LifecycleConfig()
    )
    names = fit.scorer.feature_names
    as_of = history.end - pd.Timedelta(days=30)
    feats = build_features(history.events, history.transactions, as_of).reindex(columns=names)
    rows = feats.fillna(0.0).astype(float).head(100).to_numpy().tolist()
    print(f"model: {report.summary()}; {len(names)} features", flush=True)
    return names, rows


LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}
local f = io.open("{body}", "rb")
wrk.body = f:read("*a")
f:close()
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, body: Path, token: str | None, conns: int, duration: int) -> dict:
    script = body.with_suffix(".lua")
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
    script.write_text(LUA.replace("{auth}", auth).replace("{body}", str(body)))
    cmd = [
        "wrk",
        "-t1" if conns <= 8 else "-t2",
        f"-c{conns}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "p50_ms": _ms(lat["50"]),
        "p99_ms": _ms(lat["99"]),
        "requests": total,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def prepare(tmp: Path) -> tuple[list[str], list[list[float]], dict[str, str], str]:
    """Train the model into ``tmp``; the servers' environment and a ``crm`` API key."""
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    names, rows = train_model(uri)
    env = {
        **os.environ,
        # mlflow models serve runs `uvicorn` by name: put the venv's bin first on PATH
        "PATH": f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": uri,
        "LEADSCOPE_DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
        "LEADSCOPE_API_MODELS": "lifecycle",
        "LEADSCOPE_API_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    token = subprocess.run(
        [PY, "-m", "serving.cli", "keys", "create", "--scopes", "crm"],
        env=env, capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.strip()  # fmt: skip
    return names, rows, env, token


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--json", type=Path, help="write the results here too")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")

    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    names, rows, env, token = prepare(tmp)

    bodies: dict[tuple[str, int], Path] = {}
    for n in (1, 100):
        recs = [dict(zip(names, r, strict=True)) for r in rows[:n]]
        p = tmp / f"leadscope-{n}.json"
        p.write_text(json.dumps({"records": recs}))
        bodies[("leadscope", n)] = p
        p = tmp / f"mlflow-{n}.json"
        p.write_text(json.dumps({"dataframe_split": {"columns": names, "data": rows[:n]}}))
        bodies[("mlflow", n)] = p

    ports = {"leadscope": free_port(), "mlflow": free_port()}
    procs = {
        "mlflow": subprocess.Popen(
            [
                PY, "-m", "mlflow", "models", "serve",
                "-m", "models:/leadscope-lifecycle@champion",
                "--env-manager", "local", "--host", "127.0.0.1",
                "--port", str(ports["mlflow"]), "--workers", "1",
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "mlflow.log").open("w"),
        ),
        "leadscope": subprocess.Popen(
            [PY, "-m", "serving.cli", "serve", "--host", "127.0.0.1",
             "--port", str(ports["leadscope"])],
            env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "leadscope.log").open("w"),
            cwd=REPO,
        ),
    }  # fmt: skip
    urls = {
        "mlflow": f"http://127.0.0.1:{ports['mlflow']}/invocations",
        "leadscope": f"http://127.0.0.1:{ports['leadscope']}/v1/score",
    }
    try:
        wait_http(f"http://127.0.0.1:{ports['mlflow']}/ping", procs["mlflow"])
        wait_http(f"http://127.0.0.1:{ports['leadscope']}/readyz", procs["leadscope"])
        # sanity: both answer 200 with the same model's scores
        check = httpx.post(
            urls["leadscope"],
            content=bodies[("leadscope", 1)].read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        check.raise_for_status()
        mcheck = httpx.post(
            urls["mlflow"],
            content=bodies[("mlflow", 1)].read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        mcheck.raise_for_status()
        ls_score = check.json()["results"][0]["score"]
        ml_score = mcheck.json()["predictions"][0]["score"]
        assert abs(ls_score - ml_score) < 1e-6, (ls_score, ml_score)
        print(f"same model, same score on both servers: {ls_score}", flush=True)

        results: list[dict] = []
        for n in (1, 100):
            for conns in (8, 32):
                for server in ("mlflow", "leadscope"):
                    # warm up, then measure
                    run_wrk(
                        urls[server],
                        bodies[(server, n)],
                        token if server == "leadscope" else None,
                        conns,
                        2,
                    )
                    r = run_wrk(
                        urls[server],
                        bodies[(server, n)],
                        token if server == "leadscope" else None,
                        conns,
                        args.duration,
                    )
                    r.update(server=server, records=n, concurrency=conns)
                    results.append(r)
                    print(
                        f"{server:<10} records={n:<4} c={conns:<3} {r['rps']:9.1f} req/s  "
                        f"p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  "
                        f"non-2xx {r['non_2xx']} socket errors {r['socket_errors']}",
                        flush=True,
                    )  # fmt: skip
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()

    print("\nratio leadscope / mlflow (goal: >= 10x at 1 record, >= 3x at 100, lower p99)")
    for n in (1, 100):
        for conns in (8, 32):
            a = next(
                r
                for r in results
                if r["server"] == "leadscope" and r["records"] == n and r["concurrency"] == conns
            )
            b = next(
                r
                for r in results
                if r["server"] == "mlflow" and r["records"] == n and r["concurrency"] == conns
            )
            goal = 10 if n == 1 else 3
            ok = a["rps"] >= goal * b["rps"] and a["p99_ms"] < b["p99_ms"]
            print(
                f"records={n:<4} c={conns:<3} {a['rps'] / b['rps']:6.1f}x req/s, "
                f"p99 {a['p99_ms']:.1f} vs {b['p99_ms']:.1f} ms  {'MET' if ok else 'MISSED'}"
            )  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
