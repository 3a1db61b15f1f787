"""Jobs: long work as generators, with cancel/pause, lanes and a persistent store.

Long work (training, slow actions, batch) is a generator that yields progress
and returns its result; cancel and pause take effect between two yields.  The
GUI drives it from a QThread, the CLI and tests with :func:`drive` — no Qt here.

One stop protocol for every kind of work, a :class:`StopSignal` the front end
sets and the work reads between two steps:

* ``request_stop()`` — finish the current item, keep the result, then stop: the
  Trainer ends the step and writes a checkpoint, a batch finishes the file in
  hand, a *stoppable* action (projection) stops iterating and returns its best
  result so far (:class:`~ganstudio.core.specs.StopRequested` is thrown into it);
  an action that is one item (most) simply finishes;
* ``cancel()`` — stop now and discard: no further step, nothing is kept.

A :class:`Job` owns one signal (``job.control``) and hands it to its work.

Lanes: *interactive* keeps only the newest pending request per key (a moving
slider); *background* is FIFO.  Background jobs are recorded in a SQLite
:class:`JobStore` so that after a crash or restart they can be offered again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
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
from ganstudio.core.specs import StopRequested

log = logging.getLogger("ganstudio.jobs")


class Cancelled(Exception):
    """The job was cancelled between two steps."""


class StopSignal:
    """How a front end asks running work to end; set from any thread, read between steps.

    ``request_stop()`` keeps what is done (see the module doc), ``cancel()``
    discards it; a cancel also counts as a stop request, so a loop that only
    checks :attr:`stop_requested` ends on either.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._cancel = threading.Event()

    def request_stop(self) -> None:
        """Finish the current item (keeping its result), then stop."""
        self._stop.set()

    def cancel(self) -> None:
        """Stop now; nothing more is computed or kept."""
        self._cancel.set()
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


def drive(
    gen: Generator[Any, None, Any],
    on_event: Callable[[Any], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    control: StopSignal | None = None,
) -> Any:
    """Run a work generator to its return value.

    Between yields, ``should_stop()`` true or ``control`` cancelled closes the
    work and raises :class:`Cancelled`; a stop *request* is the work's own
    business (it holds ``control`` and ends early with its result).
    """
    try:
        while True:
            event = next(gen)
            if on_event is not None:
                on_event(event)
            if (should_stop is not None and should_stop()) or (
                control is not None and control.cancelled
            ):
                gen.close()
                raise Cancelled()
    except StopIteration as stop:
        return stop.value


def honour_stop(
    gen: Generator[Any, None, Any], control: StopSignal | None
) -> Generator[Any, None, Any]:
    """Drive ``gen`` (a stoppable action's steps); on a stop request, throw
    :class:`~ganstudio.core.specs.StopRequested` into it once, at the yield where it
    waits, so it can stop iterating and return its best result so far.

    A cancel closes it.  ``gen`` must catch the exception (``Action.stoppable``);
    one that lets it escape ends with nothing, as a cancel does.
    """
    thrown = False
    try:
        event = next(gen)
        while True:
            yield event
            if control is not None and control.cancelled:
                gen.close()
                raise Cancelled()
            if control is not None and control.stop_requested and not thrown:
                thrown = True
                try:
                    event = gen.throw(StopRequested())
                except StopRequested:
                    raise Cancelled() from None
            else:
                event = next(gen)
    except StopIteration as stop:
        return stop.value
    finally:
        gen.close()


class JobStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    #: ended early on a stop request, with its result (a checkpoint, the files done,
    #: the best projection so far)
    STOPPED = "stopped"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.STOPPED, JobStatus.CANCELLED, JobStatus.FAILED)

    @property
    def has_result(self) -> bool:
        """Whether ``job.result`` holds what the work returned."""
        return self in (JobStatus.DONE, JobStatus.STOPPED)


INTERACTIVE = "interactive"
BACKGROUND = "background"


@dataclass
class Job:
    """One unit of long work.

    ``work`` makes the generator (called once, on the worker thread); it reads
    ``job.control`` (a :class:`StopSignal`) to honour :meth:`request_stop`.
    ``stoppable`` says whether a stop request keeps a result worth a "Stop"
    button (training, batch, a stoppable action) rather than just letting the
    one item finish; such a job that ends on a stop request is ``STOPPED``
    (with its result), any other that finishes is ``DONE``.  ``spec`` is JSON
    that lets the application re-create the job after a restart (e.g.
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
    stoppable: bool = False
    control: StopSignal = field(default_factory=StopSignal, repr=False)
    _resume: threading.Event = field(default_factory=threading.Event, repr=False)
    #: called with the job after each progress event, on the worker thread (the job
    #: store's throttled ``progress``: a write never stalls the GUI thread)
    progress_sink: Callable[[Job], Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._resume.set()

    # -- control (any thread) ---------------------------------------------------
    def cancel(self) -> None:
        """Stop now and discard (between two steps; a paused job wakes to end)."""
        self.control.cancel()
        self._resume.set()

    def request_stop(self) -> None:
        """Finish the current item, keep the result, then stop (see the module doc)."""
        self.control.request_stop()
        self._resume.set()

    @property
    def cancel_requested(self) -> bool:
        return self.control.cancelled

    @property
    def stop_requested(self) -> bool:
        return self.control.stop_requested

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
                if self.control.cancelled:
                    gen.close()
                    self.status = JobStatus.CANCELLED
                    return
                if not self._resume.is_set():
                    self.status = JobStatus.PAUSED
                    self._resume.wait()  # a stop request or a cancel wakes it too
                    if self.control.cancelled:
                        continue
                    self.status = JobStatus.RUNNING
                event = next(gen)
                fraction = getattr(event, "fraction", None)
                if fraction is not None:
                    self.fraction = float(fraction)
                message = getattr(event, "message", "")
                if message:
                    self.message = str(message)
                if self.progress_sink is not None and (fraction is not None or message):
                    self.progress_sink(self)
                yield event
        except StopIteration as stop:
            self.result = stop.value
            if self.stoppable and self.control.stop_requested:  # ended early, result kept
                self.status = JobStatus.STOPPED
            else:
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


#: how often a running job's progress is written to the store (seconds)
PROGRESS_EVERY_S = 2.0


class JobStore:
    """Background jobs in SQLite, so a restart can offer to resume them.

    The store is a convenience and never stops the application: a damaged
    file (not a database, truncated, a zeroed page, a folder in its place) is
    set aside beside the original as ``jobs.sqlite.damaged-<time>`` and the
    queue starts empty; a file another process holds locked is waited for
    briefly and then left alone for this session.  Either way ``notices``
    holds one line for the user (the GUI shows them once), and the same line
    is logged.  A stored job whose spec cannot be read is skipped, reported
    and marked failed, so it is not offered again.
    """

    def __init__(self, path: str | Path, busy_timeout_s: float = 2.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        #: one line per problem met, for the user (shown once by the GUI)
        self.notices: list[str] = []
        #: False when the file is locked by another process: nothing is recorded
        self.available = True
        self._last_progress: dict[str, tuple[float, float | None]] = {}
        self._open()

    # -- opening ------------------------------------------------------------------
    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._unavailable(f"cannot create {self.path.parent} ({exc.strerror or exc})")
            return
        try:
            self._create_and_check()
        except sqlite3.Error as exc:
            if _is_locked(exc):
                self._unavailable("it is locked by another program (another GAN Studio?)")
                return
            try:
                self._quarantine(str(exc))
            except (OSError, sqlite3.Error) as again:  # cannot set it aside or start afresh
                self._unavailable(f"it is damaged ({exc}) and could not be set aside ({again})")
        except OSError as exc:
            self._unavailable(f"{exc.strerror or exc}")

    def _create_and_check(self) -> None:
        if self.path.exists() and not self.path.is_file():
            raise sqlite3.DatabaseError("not a file")
        with contextlib.closing(self._connect()) as db, db:
            row = db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed ({row[0] if row else '?'})")
            db.execute(
                "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, title TEXT, kind TEXT, "
                "spec TEXT, status TEXT, fraction REAL, message TEXT, error TEXT, "
                "created REAL, updated REAL)"
            )
            db.execute(
                "SELECT id, title, kind, spec, status, fraction, message, error, "
                "created, updated FROM jobs LIMIT 1"
            ).fetchall()

    def _quarantine(self, reason: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while aside.exists() or aside.is_symlink():
            n += 1
            aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
        os.replace(self.path, aside)
        for sidecar in ("-journal", "-wal", "-shm"):  # they belong to the damaged file
            side = self.path.with_name(self.path.name + sidecar)
            if side.is_file():
                with contextlib.suppress(OSError):
                    os.replace(side, aside.with_name(aside.name + sidecar))
        text = (
            f"The job list {self.path.name} was damaged ({reason}); it was set aside as "
            f"{aside.name} and the queue starts empty."
        )
        log.warning("%s", text)
        self.notices.append(text)
        self._create_and_check()

    def _unavailable(self, reason: str) -> None:
        self.available = False
        text = (
            f"The job list {self.path} cannot be used: {reason}. Jobs of this session "
            "will not be offered again after a restart."
        )
        log.warning("%s", text)
        self.notices.append(text)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.busy_timeout_s)

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        """One write; a failure is logged, never raised (the store is a convenience)."""
        if not self.available:
            return
        try:
            with self._lock, contextlib.closing(self._connect()) as db, db:
                db.execute(sql, args)
        except sqlite3.Error as exc:
            log.warning("could not record a job in %s: %s", self.path, exc)

    # -- public -------------------------------------------------------------------
    def record(self, job: Job) -> None:
        if job.spec is None:
            return
        self._last_progress[job.id] = (time.monotonic(), job.fraction)
        self._write(
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

    def progress(self, job: Job, every_s: float = PROGRESS_EVERY_S) -> bool:
        """Store a running job's fraction and message, at most once per ``every_s``.

        Called on every progress event; cheap when it does not write.  Returns
        whether it wrote, so "interrupted at N %" after a crash is near the truth.
        """
        if job.spec is None or not self.available:
            return False
        now = time.monotonic()
        last = self._last_progress.get(job.id)
        if last is not None and (now - last[0] < every_s or last[1] == job.fraction):
            return False
        self._last_progress[job.id] = (now, job.fraction)
        self._write(
            "UPDATE jobs SET fraction=?, message=?, updated=? WHERE id=?",
            (job.fraction, job.message, time.time(), job.id),
        )
        return True

    def unfinished(self) -> list[dict[str, Any]]:
        """Jobs that were pending, running or paused when the app last stopped.

        A row whose spec is not a JSON object with a ``type`` is skipped, marked
        failed and reported in ``notices``.
        """
        if not self.available:
            return []
        keys = ("id", "title", "kind", "spec", "status", "fraction", "message")
        try:
            with self._lock, contextlib.closing(self._connect()) as db:
                rows = db.execute(
                    "SELECT id, title, kind, spec, status, fraction, message FROM jobs "
                    "WHERE status IN ('pending', 'running', 'paused') ORDER BY created"
                ).fetchall()
        except sqlite3.Error as exc:
            text = f"The job list {self.path.name} could not be read ({exc})."
            log.warning("%s", text)
            self.notices.append(text)
            return []
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            try:
                spec = json.loads(item["spec"])
                if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
                    raise ValueError("not a job description")
                fraction = item["fraction"]
                item["fraction"] = (
                    min(max(float(fraction), 0.0), 1.0)
                    if isinstance(fraction, int | float) and math.isfinite(fraction)
                    else None
                )
                item["title"] = str(item["title"])
            except (TypeError, ValueError) as exc:
                self.report_bad(item["id"], item.get("title"), str(exc))
                continue
            item["spec"] = spec
            out.append(item)
        return out

    def report_bad(self, job_id: str, title: Any, reason: str) -> None:
        """A stored job that cannot be re-created: say so once and never offer it again."""
        text = f"A stored job ({str(title)[:80]!r}) cannot be resumed and was dropped: {reason}"
        log.warning("%s", text)
        self.notices.append(text)
        self._write(
            "UPDATE jobs SET status=?, error=?, updated=? WHERE id=?",
            (JobStatus.FAILED.value, reason, time.time(), job_id),
        )

    def mark(self, job_id: str, status: JobStatus) -> None:
        self._write(
            "UPDATE jobs SET status=?, updated=? WHERE id=?", (status.value, time.time(), job_id)
        )


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
