"""``leadscope generate`` and ``leadscope demo-web`` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from training.world import WorldSummary

LEADSCOPE = [sys.executable, "-m", "serving.cli.__main__"]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEADSCOPE_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [*LEADSCOPE, *args], capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path
    )


def test_generate_prints_a_summary(tmp_path: Path) -> None:
    args = ["generate", "--seed", "4", "--out", str(tmp_path / "w"), "--companies", "30"]
    res = run([*args, "--months", "6", "--end-date", "2025-03-31"], tmp_path)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "companies     30 (customers" in out
    assert "over 6 months (2024-10-01 to 2025-03-31)" in out
    for word in ("industries", "languages", "events", "transactions", "stages at end", "backward"):
        assert word in out
    assert "leadscope demo-web --dir" in out
    assert (tmp_path / "w" / "companies.csv").is_file()
    assert (tmp_path / "w" / "web" / "sites.csv").is_file()


def test_generate_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for args in (
        ["generate", "--out", str(blocker / "sub"), "--companies", "20"],
        ["demo-web", "--dir", str(tmp_path)],
        ["generate", "--out", str(tmp_path / "w"), "--end-date", "31.03.2025"],
    ):
        res = run(args, tmp_path)
        assert res.returncode == 2, (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "Traceback" not in res.stderr


def test_demo_web_serves_until_interrupted(small_world: WorldSummary, tmp_path: Path) -> None:
    urls = tmp_path / "urls.csv"
    env = {**os.environ, "LEADSCOPE_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [
            *LEADSCOPE,
            "demo-web",
            "--dir",
            str(small_world.out_dir),
            "--port",
            "0",
            "--urls",
            str(urls),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        assert any(f"urls file: {urls}" in line for line in lines), lines
        rows = urls.read_text().splitlines()
        assert rows[0] == "domain,url" and len(rows) == small_world.n_companies + 1
        url = rows[1].split(",")[1]
        res = requests.get(url, timeout=5)
        assert res.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
