"""Start the real server (``leadscope serve`` in a subprocess) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "serving.cli.__main__"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(args: list[str], env: dict[str, str]) -> str:
    """Run a ``leadscope`` command; return stdout (fails the test on a non-zero exit)."""
    res = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


@dataclass
class LiveServer:
    proc: subprocess.Popen
    url: str
    log: Path

    def client(self, token: str | None = None, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    env: dict[str, str], log: Path, *, args: tuple[str, ...] = (), timeout: float = 120
) -> LiveServer:
    port = free_port()
    out = log.open("ab")
    proc = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**os.environ, "LEADSCOPE_LOG_LEVEL": "INFO", **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    server = LiveServer(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.logs()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server did not start in {timeout}s:\n{server.logs()[-3000:]}")
