"""Background jobs: state in the database, progress, failures, and recovery after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from serving.errors import InputError
from serving.jobs import JobContext, JobNotFoundError, JobRunner, JobStatus

WORKER = Path(__file__).with_name("job_worker.py")


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def _quick(ctx: JobContext) -> str:
    ctx.progress(0.5, "half")
    return f"ref-{ctx.params['n']}"


def _broken(ctx: JobContext) -> str:
    raise RuntimeError("disk on fire")


def _bad_input(ctx: JobContext) -> str:
    raise InputError("customers: no domain crawled")


def test_jobs_run_to_success_or_failure(db_engine: sa.Engine) -> None:
    runner = JobRunner(
        db_engine, {"quick": _quick, "broken": _broken, "bad": _bad_input}, poll_seconds=0.05
    )
    runner.start()
    try:
        ok = runner.submit("quick", {"n": 7})
        assert ok.status is JobStatus.QUEUED
        broken = runner.submit("broken")
        bad = runner.submit("bad")
        done = wait_for(lambda: (j := runner.get(ok.id)).status is JobStatus.SUCCEEDED and j)
        assert done.result_ref == "ref-7" and done.progress == 1.0 and done.attempts == 1
        failed = wait_for(lambda: (j := runner.get(broken.id)).status is JobStatus.FAILED and j)
        # no internals reach the caller, only the kind of failure
        assert failed.error == "internal error (RuntimeError); see the server log"
        bad_job = wait_for(lambda: (j := runner.get(bad.id)).status is JobStatus.FAILED and j)
        assert bad_job.error == "customers: no domain crawled"
        with pytest.raises(JobNotFoundError):
            runner.get("nope")
        with pytest.raises(InputError, match="unknown job kind"):
            runner.submit("nope")
    finally:
        runner.stop()


def test_unwritable_outcome_does_not_leave_the_job_running(
    sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the final write: the worker survives and the job is recovered."""
    runner = JobRunner(
        sqlite_engine, {"quick": _quick}, poll_seconds=0.05, heartbeat_seconds=0.05, max_attempts=1
    )
    real_update = runner._update
    broken = {"on": True}

    def flaky_update(job_id: str, **values: object) -> None:
        if broken["on"] and values.get("status") == JobStatus.SUCCEEDED.value:
            raise sa.exc.OperationalError("UPDATE jobs", {}, Exception("database is locked"))
        real_update(job_id, **values)

    monkeypatch.setattr(runner, "_update", flaky_update)
    monkeypatch.setattr("serving.jobs.time.sleep", lambda _s: None)  # no retry back-off
    runner.start()
    try:
        first = runner.submit("quick", {"n": 1})
        # recovered by the runner's own heartbeat: failed (attempts used up), not stuck running
        failed = wait_for(lambda: (j := runner.get(first.id)).status is JobStatus.FAILED and j)
        assert "stopped while the job ran" in (failed.error or "")
        broken["on"] = False
        second = runner.submit("quick", {"n": 2})  # the worker thread is still alive
        done = wait_for(lambda: (j := runner.get(second.id)).status is JobStatus.SUCCEEDED and j)
        assert done.result_ref == "ref-2"
    finally:
        runner.stop()


def _start_worker(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.mark.parametrize("max_attempts", [2, 1])
def test_killed_worker_job_is_resumed_or_failed(
    db_url: str, db_engine: sa.Engine, max_attempts: int
) -> None:
    submitter = JobRunner(db_engine, {"slow": _quick})
    job = submitter.submit("slow", {"n": 1})
    proc = _start_worker(db_url)
    try:
        running = wait_for(
            lambda: (
                (j := submitter.get(job.id)).status is JobStatus.RUNNING and j.progress > 0 and j
            )
        )
        assert running.owner and f":{proc.pid}:" in running.owner
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert submitter.get(job.id).status is JobStatus.RUNNING  # left behind by the dead process

    # a new server process starts: the job is resumed (attempts left) or failed with the reason
    restarted = JobRunner(
        db_engine,
        {"slow": lambda ctx: "resumed-ok"},
        max_attempts=max_attempts,
        poll_seconds=0.05,
    )
    restarted.start()
    try:
        final = wait_for(
            lambda: (
                (j := restarted.get(job.id)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and j
            )
        )
    finally:
        restarted.stop()
    if max_attempts == 2:
        assert final.status is JobStatus.SUCCEEDED and final.result_ref == "resumed-ok"
        assert final.attempts == 2
    else:
        assert final.status is JobStatus.FAILED
        assert "server stopped while the job ran (attempt 1 of 1)" in final.error


def test_graceful_stop_requeues_without_using_an_attempt(sqlite_engine: sa.Engine) -> None:
    started = []

    def patient(ctx: JobContext) -> str:
        started.append(ctx.job_id)
        while True:
            ctx.check_stop()
            time.sleep(0.02)

    runner = JobRunner(sqlite_engine, {"patient": patient}, poll_seconds=0.05)
    runner.start()
    job = runner.submit("patient")
    wait_for(lambda: started)
    runner.stop(timeout=5)
    after = runner.get(job.id)
    assert after.status is JobStatus.QUEUED and after.attempts == 0
    assert "interrupted" in (after.message or "")


def test_stale_heartbeat_from_another_host_is_recovered(sqlite_engine: sa.Engine) -> None:
    from datetime import UTC, datetime, timedelta

    from serving.schema import jobs

    runner = JobRunner(sqlite_engine, {"k": _quick}, stale_seconds=30)
    job = runner.submit("k", {"n": 2})
    old = datetime.now(UTC) - timedelta(seconds=31)
    fresh = datetime.now(UTC)
    with sqlite_engine.begin() as conn:
        conn.execute(
            jobs.update()
            .where(jobs.c.id == job.id)
            .values(status="running", owner="other-host:1:abc", heartbeat_at=fresh, attempts=1)
        )
    assert runner.recover() == []  # alive elsewhere: left alone
    with sqlite_engine.begin() as conn:
        conn.execute(jobs.update().where(jobs.c.id == job.id).values(heartbeat_at=old))
    [recovered] = runner.recover()
    assert recovered.status is JobStatus.QUEUED and "resumed" in recovered.message


def test_a_job_taken_over_by_another_server_is_not_overwritten(sqlite_engine: sa.Engine) -> None:
    from serving.schema import jobs

    runner = JobRunner(sqlite_engine, {"k": _quick})
    job = runner.submit("k", {"n": 1})
    with sqlite_engine.begin() as conn:  # another server requeued and claimed it meanwhile
        conn.execute(
            jobs.update().where(jobs.c.id == job.id).values(status="running", owner="h:1:other")
        )
    runner._update(job.id, status=JobStatus.SUCCEEDED.value, result_ref="stale")
    after = runner.get(job.id)
    assert after.status is JobStatus.RUNNING and after.result_ref is None
