"""A job worker process for tests: runs ``slow`` jobs until killed (see test_jobs.py)."""

from __future__ import annotations

import sys
import time

from serving.db import make_engine
from serving.jobs import JobContext, JobRunner


def slow(ctx: JobContext) -> str:
    for i in range(600):
        ctx.check_stop()
        ctx.progress(i / 600, f"step {i}")
        time.sleep(0.1)
    return "slow-done"


if __name__ == "__main__":
    runner = JobRunner(make_engine(sys.argv[1]), {"slow": slow}, heartbeat_seconds=0.5)
    runner.start()
    time.sleep(3600)
