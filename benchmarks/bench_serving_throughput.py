"""Throughput and latency of ``leadscope serve`` against ``mlflow models serve`` on one model.

Both servers serve the same registered LightGBM lifecycle model (``leadscope-lifecycle@champion``,
trained here on a synthetic history into a temporary MLflow store) on 127.0.0.1 with one
worker each. The load comes from ``wrk`` in a separate process (``apt-get install -y wrk``), at
concurrency 8 and 32, with 1-record and 100-record requests. leadscope runs with auth (a Bearer
key checked on every request) and returns reasons; MLflow has neither.

Goal (issue 6): at least 10x MLflow's requests/s for 1-record requests and 3x for 100-record
requests, each with a lower p99 latency.

    .venv/bin/python benchmarks/bench_serving_throughput.py [--duration 10] [--rounds 1]
        [--workers2] [--json out.json]

The machine is shared: ``--rounds N`` repeats every configuration with the two servers
measured back to back and reports the median of the per-round ratios, so a burst of load from
elsewhere moves one round, not the result.
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


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=REPO)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat every configuration, MLflow and leadscope back to back; medians reported",
    )
    ap.add_argument(
        "--workers2",
        action="store_true",
        help="also measure `leadscope serve --workers 2` (reported, not part of the goal)",
    )
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

    servers = ["mlflow", "leadscope"] + (["leadscope-w2"] if args.workers2 else [])
    ports = {s: free_port() for s in servers}
    procs = {
        "mlflow": _start(
            [
                PY, "-m", "mlflow", "models", "serve",
                "-m", "models:/leadscope-lifecycle@champion",
                "--env-manager", "local", "--host", "127.0.0.1",
                "--port", str(ports["mlflow"]), "--workers", "1",
            ],
            env, tmp / "mlflow.log",
        ),
    }  # fmt: skip
    for server in servers[1:]:
        workers = "2" if server == "leadscope-w2" else "1"
        procs[server] = _start(
            [PY, "-m", "serving.cli", "serve", "--host", "127.0.0.1",
             "--port", str(ports[server]), "--workers", workers],
            env, tmp / f"{server}.log",
        )  # fmt: skip
    urls = {
        s: f"http://127.0.0.1:{ports[s]}" + ("/invocations" if s == "mlflow" else "/v1/score")
        for s in servers
    }
    results: list[dict] = []
    try:
        wait_http(f"http://127.0.0.1:{ports['mlflow']}/ping", procs["mlflow"])
        for server in servers[1:]:
            wait_http(f"http://127.0.0.1:{ports[server]}/readyz", procs[server])
        if args.workers2:
            time.sleep(5)  # /readyz answers once one worker is up; let the second finish
        # sanity: all servers answer 200 with the same model's scores for all 100 rows
        mcheck = httpx.post(
            urls["mlflow"],
            content=bodies[("mlflow", 100)].read_bytes(),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        mcheck.raise_for_status()
        ml_scores = [p["score"] for p in mcheck.json()["predictions"]]
        for server in servers[1:]:
            check = httpx.post(
                urls[server],
                content=bodies[("leadscope", 100)].read_bytes(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=60,
            )
            check.raise_for_status()
            got = check.json()["results"]
            assert len(got) == 100 and sum(bool(r["reasons"]) for r in got) > 50
            diff = max(abs(r["score"] - m) for r, m in zip(got, ml_scores, strict=True))
            assert diff < 1e-6, diff
        print("same model, same scores for 100 rows on every server; reasons present", flush=True)

        for rnd in range(args.rounds):
            for n in (1, 100):
                for conns in (8, 32):
                    for server in servers:
                        kind = "mlflow" if server == "mlflow" else "leadscope"
                        key = None if server == "mlflow" else token
                        run_wrk(urls[server], bodies[(kind, n)], key, conns, 2)  # warm-up
                        r = run_wrk(urls[server], bodies[(kind, n)], key, conns, args.duration)
                        r.update(server=server, records=n, concurrency=conns, round=rnd + 1)
                        r["load1"] = os.getloadavg()[0]
                        results.append(r)
                        print(
                            f"round {rnd + 1} {server:<13} records={n:<4} c={conns:<3} "
                            f"{r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.2f} ms  "
                            f"p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']} "
                            f"socket errors {r['socket_errors']}  load {r['load1']:.1f}",
                            flush=True,
                        )
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()

    def pick(server: str, n: int, conns: int) -> list[dict]:
        return [
            r
            for r in results
            if r["server"] == server and r["records"] == n and r["concurrency"] == conns
        ]

    print(
        "\nratio leadscope / mlflow, median over rounds of the back-to-back ratios "
        "(goal: >= 10x at 1 record, >= 3x at 100, lower p99)"
    )
    for server in servers[1:]:
        for n in (1, 100):
            for conns in (8, 32):
                ours, base = pick(server, n, conns), pick("mlflow", n, conns)
                ratios = [a["rps"] / b["rps"] for a, b in zip(ours, base, strict=True)]
                ratio = _median(ratios)
                p99, base_p99 = (
                    _median([a["p99_ms"] for a in ours]),
                    _median([b["p99_ms"] for b in base]),
                )
                goal = 10 if n == 1 else 3
                ok = ratio >= goal and p99 < base_p99
                each = ", ".join(f"{x:.1f}" for x in ratios)
                print(
                    f"{server:<13} records={n:<4} c={conns:<3} {ratio:6.1f}x req/s "
                    f"(rounds: {each}); median req/s {_median([a['rps'] for a in ours]):.1f} "
                    f"vs {_median([b['rps'] for b in base]):.1f}; "
                    f"p99 {p99:.1f} vs {base_p99:.1f} ms  "
                    f"{'MET' if ok else 'MISSED'}{'' if server == 'leadscope' else ' (info)'}"
                )  # fmt: skip
    bad = sum(r["non_2xx"] + r["socket_errors"] for r in results)
    print(f"non-2xx answers and socket errors over all runs: {bad}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
