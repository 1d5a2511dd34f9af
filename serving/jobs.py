"""Background jobs whose state lives in the ``jobs`` table, so it survives a restart.

A :class:`JobRunner` runs jobs of registered kinds in worker threads of the server process:

- ``submit`` stores a ``queued`` row and wakes a worker; any process sharing the database may
  claim it (``UPDATE ... WHERE status = 'queued'`` is the lock, so two workers never run one job);
- while a job runs, its owner (``host:pid:token``) writes a heartbeat every few seconds and the
  handler reports progress through its :class:`JobContext`;
- on start and periodically, jobs left ``running`` by a dead owner (a pid that no longer exists
  on this host, or a heartbeat older than ``stale_seconds``) are resumed (``queued`` again) while
  attempts remain, otherwise marked ``failed`` with the reason. No job stays ``running`` forever.
- on a graceful stop, ``should_stop()`` turns true; a handler that returns early raises
  :class:`JobInterrupted` and the job goes back to ``queued`` without using up an attempt.

Handlers must therefore be restartable: re-running one after a crash must give the same result
(the prospect-list handler re-crawls only what is missing and refits deterministically).
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
import sqlalchemy as sa

from serving.errors import INPUT_ERRORS, InputError
from serving.schema import jobs

log = logging.getLogger(__name__)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobNotFoundError(InputError):
    """No job with that id (HTTP 404)."""


class JobInterrupted(Exception):
    """Raised by a handler that stopped early because ``should_stop()`` turned true."""


@dataclass(frozen=True)
class JobInfo:
    id: str
    kind: str
    status: JobStatus
    progress: float
    message: str | None
    params: dict[str, Any]
    result_ref: str | None
    error: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    heartbeat_at: datetime | None
    owner: str | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row_to_info(row: sa.Row) -> JobInfo:
    return JobInfo(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        progress=float(row.progress or 0.0),
        message=row.message,
        params=dict(row.params or {}),
        result_ref=row.result_ref,
        error=row.error,
        attempts=int(row.attempts or 0),
        created_at=_utc(row.created_at),  # type: ignore[arg-type]
        updated_at=_utc(row.updated_at),  # type: ignore[arg-type]
        heartbeat_at=_utc(row.heartbeat_at),
        owner=row.owner,
    )


class JobContext:
    """What a handler sees: its parameters, progress reporting and the stop flag."""

    def __init__(self, runner: JobRunner, info: JobInfo) -> None:
        self._runner = runner
        self.job_id = info.id
        self.kind = info.kind
        self.params = info.params
        self.attempt = info.attempts
        self._last_write = 0.0

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Report progress in [0, 1]; written to the database at most twice a second."""
        now = time.monotonic()
        if now - self._last_write < 0.5 and fraction < 1.0:
            return
        self._last_write = now
        self._runner._update(
            self.job_id,
            progress=max(0.0, min(1.0, float(fraction))),
            message=message,
            heartbeat_at=datetime.now(UTC),
        )

    def should_stop(self) -> bool:
        return self._runner.stopping

    def check_stop(self) -> None:
        """Raise :class:`JobInterrupted` when the server is shutting down."""
        if self.should_stop():
            raise JobInterrupted


JobHandler = Callable[[JobContext], str | None]


def _owner_alive(owner: str | None, heartbeat: datetime | None, stale: timedelta) -> bool:
    """Whether the process named by ``owner`` may still be running the job."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, _token = rest.partition(":")
    if heartbeat is None or datetime.now(UTC) - heartbeat > stale:
        return False
    if host == socket.gethostname():
        try:
            return psutil.pid_exists(int(pid_text))
        except ValueError:
            return False
    return True


class JobRunner:
    """Run jobs of the registered kinds in ``workers`` background threads."""

    def __init__(
        self,
        engine: sa.Engine,
        handlers: Mapping[str, JobHandler],
        *,
        workers: int = 1,
        max_attempts: int = 2,
        heartbeat_seconds: float = 2.0,
        stale_seconds: float = 30.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.handlers = dict(handlers)
        self.workers = workers
        self.max_attempts = max_attempts
        self.heartbeat_seconds = heartbeat_seconds
        self.stale = timedelta(seconds=stale_seconds)
        self.poll_seconds = poll_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active: set[str] = set()  # jobs this runner is executing right now
        self._active_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def submit(self, kind: str, params: Mapping[str, Any] | None = None) -> JobInfo:
        if kind not in self.handlers:
            raise InputError(f"unknown job kind {kind!r}")
        now = datetime.now(UTC)
        job_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    kind=kind,
                    status=JobStatus.QUEUED.value,
                    progress=0.0,
                    params=dict(params or {}),
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        log.info("job %s (%s) queued", job_id, kind)
        info = JobInfo(
            id=job_id,
            kind=kind,
            status=JobStatus.QUEUED,
            progress=0.0,
            message=None,
            params=dict(params or {}),
            result_ref=None,
            error=None,
            attempts=0,
            created_at=now,
            updated_at=now,
            heartbeat_at=None,
            owner=None,
        )
        self._wake.set()  # after building the answer: a worker may claim the job at once
        return info

    def get(self, job_id: str) -> JobInfo:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
        if row is None:
            raise JobNotFoundError(f"job {job_id!r} not found")
        return _row_to_info(row)

    def start(self) -> list[JobInfo]:
        """Recover abandoned jobs, then start the workers and the heartbeat thread."""
        recovered = self.recover()
        self._stop.clear()
        for i in range(self.workers):
            t = threading.Thread(target=self._work_loop, name=f"job-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        hb = threading.Thread(target=self._heartbeat_loop, name="job-heartbeat", daemon=True)
        hb.start()
        self._threads.append(hb)
        self._wake.set()
        return recovered

    def stop(self, timeout: float = 10.0) -> None:
        """Ask running handlers to stop and wait up to ``timeout`` seconds for the threads."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        if self._threads:
            log.warning("%d job threads still running at shutdown", len(self._threads))

    def recover(self) -> list[JobInfo]:
        """Requeue or fail jobs left ``running`` by an owner that is gone. Returns them."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(jobs).where(jobs.c.status == JobStatus.RUNNING.value)
            ).all()
        changed: list[JobInfo] = []
        for row in rows:
            info = _row_to_info(row)
            if info.owner == self.owner:
                with self._active_lock:
                    if info.id in self._active:
                        continue
                # ours but no longer executing: its final state could not be written
            elif _owner_alive(info.owner, info.heartbeat_at, self.stale):
                continue
            if info.attempts < self.max_attempts:
                values = {
                    "status": JobStatus.QUEUED.value,
                    "message": f"resumed: the server stopped during attempt {info.attempts}",
                }
            else:
                values = {
                    "status": JobStatus.FAILED.value,
                    "error": (
                        f"the server stopped while the job ran (attempt {info.attempts} of "
                        f"{self.max_attempts}); not retried"
                    ),
                }
            values |= {"owner": None, "updated_at": datetime.now(UTC)}
            with self.engine.begin() as conn:
                res = conn.execute(
                    jobs.update()
                    .where(jobs.c.id == info.id)
                    .where(jobs.c.status == JobStatus.RUNNING.value)
                    .where(jobs.c.owner == info.owner)
                    .values(**values)
                )
            if res.rowcount == 1:
                log.warning("job %s abandoned by %s: %s", info.id, info.owner, values["status"])
                changed.append(self.get(info.id))
        if changed:
            self._wake.set()
        return changed

    # -- internals ----------------------------------------------------------------------------

    def _update(self, job_id: str, **values: Any) -> None:
        """Update a job this runner owns; a job another server took over is left alone."""
        values["updated_at"] = datetime.now(UTC)
        with self.engine.begin() as conn:
            res = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.owner == self.owner)
                .values(**values)
            )
        if res.rowcount == 0:
            log.warning("job %s is no longer ours (taken over after a stale heartbeat)", job_id)

    def _claim(self) -> JobInfo | None:
        kinds = list(self.handlers)
        with self.engine.connect() as conn:
            ids = conn.execute(
                sa.select(jobs.c.id)
                .where(jobs.c.status == JobStatus.QUEUED.value, jobs.c.kind.in_(kinds))
                .order_by(jobs.c.created_at)
                .limit(5)
            ).scalars()
            candidates = list(ids)
        now = datetime.now(UTC)
        for job_id in candidates:
            with self.engine.begin() as conn:
                res = conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job_id, jobs.c.status == JobStatus.QUEUED.value)
                    .values(
                        status=JobStatus.RUNNING.value,
                        owner=self.owner,
                        attempts=jobs.c.attempts + 1,
                        heartbeat_at=now,
                        updated_at=now,
                        error=None,
                    )
                )
            if res.rowcount == 1:
                with self._active_lock:
                    self._active.add(job_id)
                return self.get(job_id)
        return None

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                info = self._claim()
            except sa.exc.SQLAlchemyError:
                log.exception("job queue: database error while claiming")
                info = None
            if info is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                continue
            try:
                self._run(info)
            except Exception:  # the worker thread must survive anything a job does
                log.exception("job %s (%s): could not record its outcome", info.id, info.kind)
            finally:
                with self._active_lock:
                    self._active.discard(info.id)

    def _run(self, info: JobInfo) -> None:
        handler = self.handlers[info.kind]
        ctx = JobContext(self, info)
        log.info("job %s (%s) started, attempt %d", info.id, info.kind, info.attempts)
        try:
            result_ref = handler(ctx)
        except JobInterrupted:
            self._finish(
                info.id,
                status=JobStatus.QUEUED.value,
                owner=None,
                attempts=max(0, info.attempts - 1),
                message="interrupted by a server shutdown; will resume",
            )
            log.info("job %s interrupted by shutdown, requeued", info.id)
            return
        except INPUT_ERRORS as exc:
            self._fail(info, str(exc))
            return
        except Exception as exc:
            log.exception("job %s (%s) failed", info.id, info.kind)
            # the caller sees no internals (SQL, paths); the server log has the traceback
            self._fail(info, f"internal error ({type(exc).__name__}); see the server log")
            return
        self._finish(
            info.id,
            status=JobStatus.SUCCEEDED.value,
            progress=1.0,
            result_ref=result_ref,
            owner=None,
            message="done",
        )
        log.info("job %s (%s) succeeded", info.id, info.kind)

    def _finish(self, job_id: str, **values: Any) -> None:
        """Write a job's final state, retrying a busy or restarting database a few times.

        If it still fails the error propagates; the job is then no longer active, so its
        heartbeat stops and :meth:`recover` requeues or fails it instead of leaving it running.
        """
        for delay in (0.5, 1.0, 2.0, None):
            try:
                self._update(job_id, **values)
                return
            except sa.exc.SQLAlchemyError:
                if delay is None:
                    raise
                log.warning("job %s: database error writing its outcome; retrying", job_id)
                time.sleep(delay)

    def _fail(self, info: JobInfo, error: str) -> None:
        self._finish(info.id, status=JobStatus.FAILED.value, error=error[:4000], owner=None)
        log.warning("job %s (%s) failed: %s", info.id, info.kind, error)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                with self._active_lock:
                    active = list(self._active)
                if active:
                    with self.engine.begin() as conn:
                        conn.execute(
                            jobs.update()
                            .where(jobs.c.id.in_(active), jobs.c.owner == self.owner)
                            .where(jobs.c.status == JobStatus.RUNNING.value)
                            .values(heartbeat_at=datetime.now(UTC))
                        )
                self.recover()
            except sa.exc.SQLAlchemyError:
                log.exception("job heartbeat: database error")
