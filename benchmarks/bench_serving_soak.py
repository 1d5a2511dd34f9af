"""Soak test: ``leadscope serve`` under a fixed request rate for 10 minutes.

The same model as ``bench_serving_throughput.py`` (trained here into a temporary MLflow store).
An open-loop client (requests start on a fixed schedule whatever the answers do) sends a mix of
1-record scores (90 %), 100-record scores (8 %) and event batches (2 %, unique event ids, so
the database grows) with auth on. Reports errors (must be zero), latency percentiles and the
server's resident memory at the start (after warm-up), every minute and at the end.

    .venv/bin/python benchmarks/bench_serving_soak.py [--rate 150] [--duration 600]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving_throughput import PY, REPO, free_port, prepare, wait_http


async def soak(
    url: str, token: str, bodies: list[tuple[str, bytes]], rate: float, duration: float,
    rss: psutil.Process,
) -> dict:  # fmt: skip
    latencies: list[float] = []
    errors: list[str] = []
    memory: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counter = itertools.count()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as c:

        async def one(path: str, body: bytes) -> None:
            t = time.perf_counter()
            try:
                res = await c.post(path, content=body)
                if res.status_code != 200:
                    errors.append(f"{res.status_code} {res.text[:120]}")
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
            latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        tasks: set[asyncio.Task] = set()
        next_mem = 0.0
        i = 0
        while (elapsed := time.perf_counter() - start) < duration:
            # always yield to the loop (a client behind schedule must still send), and never
            # start more than 4 seconds' worth of requests that have not finished
            await asyncio.sleep(max(0.0, i / rate - elapsed))
            if len(tasks) > 4 * rate:
                errors.append("dropped: server answers slower than the request rate")
                i += 1
                continue
            path, body = bodies[next(counter) % len(bodies)]
            if path == "/v1/events":  # unique event ids
                body = body.replace(b"__N__", str(i).encode())
            task = asyncio.create_task(one(path, body))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
            if elapsed >= next_mem:
                memory.append((elapsed, rss.memory_info().rss / 2**20))
                next_mem += 60.0
        await asyncio.gather(*tasks)
        total = time.perf_counter() - start
    memory.append((total, rss.memory_info().rss / 2**20))
    lat = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "seconds": total,
        "achieved_rate": len(latencies) / total,
        "errors": len(errors),
        "first_errors": errors[:5],
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "max_ms": float(lat.max()),
        "rss_mib": memory,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=150.0, help="requests per second")
    ap.add_argument("--duration", type=float, default=600.0, help="seconds")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    names, rows, env, token = prepare(tmp)
    one = json.dumps({"records": [dict(zip(names, rows[0], strict=True))]}).encode()
    hundred = json.dumps(
        {"records": [dict(zip(names, r, strict=True)) for r in rows[:100]]}
    ).encode()
    events = json.dumps(
        {
            "events": [
                {
                    "event_id": f"soak-__N__-{k}",
                    "account_id": f"acc{k % 50:04d}",
                    "timestamp": "2026-01-01T10:00:00Z",
                    "event_type": "web_visit",
                }
                for k in range(20)
            ]
        }
    ).encode()
    mix = [("/v1/score", one)] * 45 + [("/v1/score", hundred)] * 4 + [("/v1/events", events)]
    port = free_port()
    proc = subprocess.Popen(
        [PY, "-m", "serving.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "server.log").open("w"), cwd=REPO,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/readyz", proc)
        server = psutil.Process(proc.pid)
        asyncio.run(soak(url, token, mix, args.rate, 20.0, server))  # warm-up
        print(f"warm-up done; soak at {args.rate:.0f} req/s for {args.duration:.0f} s", flush=True)
        r = asyncio.run(soak(url, token, mix, args.rate, args.duration, server))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    print(
        f"requests {r['requests']} in {r['seconds']:.0f} s ({r['achieved_rate']:.1f}/s), "
        f"errors {r['errors']} {r['first_errors']}"
    )
    print(f"latency p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.0f} ms")
    print("server RSS MiB over time: " + ", ".join(f"{t:.0f}s={m:.1f}" for t, m in r["rss_mib"]))
    start_mib, end_mib = r["rss_mib"][0][1], r["rss_mib"][-1][1]
    print(f"RSS start {start_mib:.1f} MiB, end {end_mib:.1f} MiB ({end_mib - start_mib:+.1f})")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
