"""Jobs: long work as generators, with cancel/pause, lanes and a persistent store.

Long work (training, slow actions, batch) is a generator that yields progress
and returns its result; cancel and pause take effect between two yields.  The
GUI drives it from a QThread, the CLI and tests with :func:`drive` — no Qt here.

Lanes: *interactive* keeps only the newest pending request per key (a moving
slider); *background* is FIFO.  Background jobs are recorded in a SQLite
:class:`JobStore` so that after a crash or restart they can be offered again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from ganstudio.core import hostmem


class Cancelled(Exception):
    """The job was cancelled between two steps."""


def drive(
    gen: Generator[Any, None, Any],
    on_event: Callable[[Any], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """Run a work generator to its return value; checks ``should_stop`` between yields."""
    try:
        while True:
            event = next(gen)
            if on_event is not None:
                on_event(event)
            if should_stop is not None and should_stop():
                gen.close()
                raise Cancelled()
    except StopIteration as stop:
        return stop.value


class JobStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED)


INTERACTIVE = "interactive"
BACKGROUND = "background"


@dataclass
class Job:
    """One unit of long work.

    ``work`` makes the generator (called once, on the worker thread).  ``spec``
    is JSON that lets the application re-create the job after a restart (e.g.
    ``{"type": "train", "out": "runs/x"}``); jobs without one are not stored.
    """

    title: str
    work: Callable[[Job], Generator[Any, None, Any]]
    lane: str = BACKGROUND
    kind: str = "action"
    key: str = ""
    spec: dict[str, Any] | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: JobStatus = JobStatus.PENDING
    fraction: float | None = None
    message: str = ""
    error: str = ""
    result: Any = None
    created: float = field(default_factory=time.time)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _resume: threading.Event = field(default_factory=threading.Event, repr=False)
    stop_after_item: bool = False

    def __post_init__(self) -> None:
        self._resume.set()

    # -- control (any thread) ---------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()
        self._resume.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    # -- execution (worker thread) ----------------------------------------------
    def events(self) -> Iterator[Any]:
        """Run the work, yielding its events; honours pause and cancel between them.

        Sets ``status``, ``result`` and ``error``; never raises for a failing job.
        """
        self.status = JobStatus.RUNNING
        hostmem.job_started()
        try:
            gen = self.work(self)
            while True:
                if self._cancel.is_set():
                    gen.close()
                    self.status = JobStatus.CANCELLED
                    return
                if not self._resume.is_set():
                    self.status = JobStatus.PAUSED
                    self._resume.wait()
                    if self._cancel.is_set():
                        continue
                    self.status = JobStatus.RUNNING
                event = next(gen)
                fraction = getattr(event, "fraction", None)
                if fraction is not None:
                    self.fraction = float(fraction)
                message = getattr(event, "message", "")
                if message:
                    self.message = str(message)
                yield event
        except StopIteration as stop:
            self.result = stop.value
            self.fraction = 1.0
            self.status = JobStatus.DONE
        except Cancelled:
            self.status = JobStatus.CANCELLED
        except Exception as exc:  # a failed job never takes the application down
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = JobStatus.FAILED
        finally:
            hostmem.job_ended()

    def run(self) -> Any:
        for _ in self.events():
            pass
        return self.result


class JobQueue:
    """Pending jobs by lane: background FIFO, interactive newest-per-key."""

    def __init__(self) -> None:
        self._background: deque[Job] = deque()
        self._interactive: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.paused = False

    def submit(self, job: Job) -> list[Job]:
        """Queue a job; returns jobs it made stale (dropped, never run)."""
        with self._lock:
            if job.lane == INTERACTIVE:
                old = self._interactive.pop(job.key, None)
                self._interactive[job.key] = job
                if old is not None:
                    old.status = JobStatus.CANCELLED
                    return [old]
                return []
            self._background.append(job)
            return []

    def next_interactive(self) -> Job | None:
        with self._lock:
            if not self._interactive:
                return None
            key = next(iter(self._interactive))
            return self._interactive.pop(key)

    def next_background(self) -> Job | None:
        with self._lock:
            if self.paused or not self._background:
                return None
            return self._background.popleft()

    def pending(self) -> list[Job]:
        with self._lock:
            return [*self._interactive.values(), *self._background]

    def remove(self, job: Job) -> bool:
        with self._lock:
            if job in self._background:
                self._background.remove(job)
                return True
            if self._interactive.get(job.key) is job:
                del self._interactive[job.key]
                return True
        return False


class JobStore:
    """Background jobs in SQLite, so a restart can offer to resume them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, title TEXT, kind TEXT, "
                "spec TEXT, status TEXT, fraction REAL, message TEXT, error TEXT, "
                "created REAL, updated REAL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, job: Job) -> None:
        if job.spec is None:
            return
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    job.id,
                    job.title,
                    job.kind,
                    json.dumps(job.spec),
                    job.status.value,
                    job.fraction,
                    job.message,
                    job.error,
                    job.created,
                    time.time(),
                ),
            )

    def unfinished(self) -> list[dict[str, Any]]:
        """Jobs that were pending, running or paused when the app last stopped."""
        with self._lock, self._connect() as db:
            rows = db.execute(
                "SELECT id, title, kind, spec, status, fraction, message FROM jobs "
                "WHERE status IN ('pending', 'running', 'paused') ORDER BY created"
            ).fetchall()
        keys = ("id", "title", "kind", "spec", "status", "fraction", "message")
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["spec"] = json.loads(item["spec"])
            out.append(item)
        return out

    def mark(self, job_id: str, status: JobStatus) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "UPDATE jobs SET status=?, updated=? WHERE id=?",
                (status.value, time.time(), job_id),
            )
