"""One writer thread for the crawl's database writes, batched into short transactions.

Workers hand over writes and go on fetching; SQLite has a single writer anyway, and a
transaction per page would make every worker wait for the previous commit. Consecutive writes
of a class with a ``run_many`` method (stored pages: :class:`crawling.frontier.PageWrite`) run
as one bulk call, a fixed number of statements per batch instead of several per page. Writes run in
submission order, so a site's pages are written before its closing row. A crawl killed before
a batch commits loses only pages that were not stored yet (their frontier rows stay queued,
so the next crawl fetches them).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

log = logging.getLogger(__name__)

Write = Callable[[sa.Connection], object]
_STOP = object()


def _runs(batch: list[Write]) -> list[list[Write]]:
    """Split ``batch`` into runs of consecutive writes that one ``run_many`` can do together
    (writes of a class with a ``run_many`` static method); every other write is a run alone.
    Submission order between runs is kept."""
    runs: list[list[Write]] = []
    for write in batch:
        kind = type(write)
        if runs and hasattr(kind, "run_many") and type(runs[-1][0]) is kind:
            runs[-1].append(write)
        else:
            runs.append([write])
    return runs


class BatchWriter:
    """Runs submitted writes in a background thread, up to ``max_batch`` per transaction.

    After the first write of a batch the writer collects more for up to ``linger`` seconds
    (a ``flush`` or ``close`` commits at once): a crawl fetching a page every few milliseconds
    otherwise commits nearly every page alone, and each commit costs more CPU than the page's
    rows. A kill loses at most that much more of not yet stored pages, which the next crawl
    fetches again.
    """

    def __init__(self, engine: sa.Engine, *, max_batch: int = 64, linger: float = 0.1) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger = linger
        self.queue: queue.Queue[object] = queue.Queue()
        self.failures = 0
        self.thread = threading.Thread(target=self._run, name="crawl-writer", daemon=True)
        self.thread.start()

    def submit(self, write: Write) -> None:
        self.queue.put(write)

    def flush(self) -> None:
        """Block until everything submitted so far is committed."""
        done = threading.Event()
        self.queue.put(done)
        done.wait()

    def close(self) -> None:
        self.queue.put(_STOP)
        self.thread.join()

    def _commit(self, batch: list[Write], *, retries: tuple[float, ...] = (0.5, 1.0, 2.0)) -> None:
        try:
            with self.engine.begin() as conn:
                for group in _runs(batch):
                    if len(group) > 1:
                        type(group[0]).run_many(conn, group)  # type: ignore[attr-defined]
                    else:
                        group[0](conn)
        except Exception:
            if retries:  # a busy or restarting database: try the batch again
                log.warning("crawl write failed; retrying in %.1f s", retries[0])
                time.sleep(retries[0])
                self._commit(batch, retries=retries[1:])
                return
            if len(batch) > 1:  # still failing: find the bad write, keep the others
                for write in batch:  # (no second round of retries per write)
                    self._commit([write], retries=())
                return
            self.failures += 1
            log.exception("crawl write failed for good")

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            deadline = time.monotonic() + self.linger
            batch: list[Write] = []
            events: list[threading.Event] = []
            stop = False
            while True:
                if item is _STOP:
                    stop = True
                elif isinstance(item, threading.Event):
                    events.append(item)
                else:
                    batch.append(item)  # type: ignore[arg-type]
                if stop or events or len(batch) >= self.max_batch:
                    break
                try:
                    left = deadline - time.monotonic()
                    item = self.queue.get(timeout=left) if left > 0 else self.queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)
            for ev in events:
                ev.set()
            if stop:
                return
