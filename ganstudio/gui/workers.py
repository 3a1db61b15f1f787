"""The QThread bridge: core jobs (generators) driven off the GUI thread.

A :class:`JobWorker` runs one :class:`~ganstudio.core.jobs.Job` and turns its
events into signals on a separate :class:`WorkerSignals` object (superqt's
pattern), so the GUI only ever receives results.  :class:`JobRunner` owns the
core :class:`~ganstudio.core.jobs.JobQueue`: the interactive lane runs one job
at a time and keeps only the newest pending request per key (a dragged slider
never queues up stale previews); the background lane is FIFO, one at a time,
pausable, and recorded in the :class:`~ganstudio.core.jobs.JobStore`.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ganstudio.core.jobs import (
    BACKGROUND,
    INTERACTIVE,
    Cancelled,
    Job,
    JobQueue,
    JobStatus,
    JobStore,
)


def traced(
    work: Callable[[Job], Generator[Any, None, Any]], record: Callable[[str], None]
) -> Callable[[Job], Generator[Any, None, Any]]:
    """The same work, but a failure's full traceback is handed to ``record`` first
    (the job itself keeps only "Type: message"; the error dialog shows the rest)."""

    def run(job: Job) -> Generator[Any, None, Any]:
        try:
            return (yield from work(job))
        except (Cancelled, GeneratorExit):
            raise
        except Exception:
            record(traceback.format_exc())
            raise

    return run


class WorkerSignals(QObject):
    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(str)
    finished = Signal()


class JobWorker(QThread):
    """Drives ``job.events()`` on its own thread; a failing job only emits ``errored``."""

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.signals = WorkerSignals()
        self.details = ""  # the traceback of a failure
        self.thread_id: int | None = None  # which thread ran the work (tests check it)
        job.work = traced(job.work, self._record_details)

    def _record_details(self, details: str) -> None:
        self.details = details

    def run(self) -> None:  # worker thread
        self.thread_id = threading.get_ident()
        self.signals.started.emit()
        try:
            for event in self.job.events():
                self.signals.yielded.emit(event)
        except BaseException as exc:  # noqa: BLE001 - never let a job kill the app
            self.job.error = f"{type(exc).__name__}: {exc}"
            self.details = self.details or traceback.format_exc()
            self.job.status = JobStatus.FAILED
        if self.job.status.has_result:  # done, or stopped early with its result
            self.signals.returned.emit(self.job.result)
        elif self.job.status == JobStatus.FAILED:
            self.signals.errored.emit(self.job.error)
        self.signals.finished.emit()


class JobRunner(QObject):
    """Schedules jobs on the two lanes and tells the GUI what happened."""

    job_added = Signal(object)  # Job
    job_changed = Signal(object)  # Job (status / progress)
    job_event = Signal(object, object)  # Job, event
    job_finished = Signal(object)  # Job

    def __init__(self, store: JobStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = JobQueue()
        self.store = store
        self.jobs: list[Job] = []
        #: tracebacks of failed jobs by id, for the error dialog's details
        self.details: dict[str, str] = {}
        self._running: dict[str, JobWorker] = {}  # lane -> worker
        self._closing = False

    # -- public -------------------------------------------------------------------
    def submit(self, job: Job) -> Job:
        for stale in self.queue.submit(job):
            self._forget(stale)
        if job.lane == BACKGROUND:
            self.jobs.append(job)
            if self.store is not None:  # throttled, on the worker: "interrupted at N %" is true
                job.progress_sink = self.store.progress
            self._record(job)
            self.job_added.emit(job)
        self._pump()
        return job

    def cancel(self, job: Job) -> None:
        job.cancel()
        if self.queue.remove(job):
            job.status = JobStatus.CANCELLED
            self._record(job)
            self.job_changed.emit(job)
            self.job_finished.emit(job)

    def request_stop(self, job: Job) -> None:
        """Stop keeping the result: the running job finishes its item (a training step
        and a checkpoint, a batch file, a projection's best so far); a job that has not
        started has nothing to keep and is cancelled."""
        if job in self.queue.pending():
            self.cancel(job)
            return
        job.request_stop()
        self.job_changed.emit(job)

    def set_paused(self, paused: bool) -> None:
        """Pause the background queue: the running job pauses between steps, none starts."""
        self.queue.paused = paused
        worker = self._running.get(BACKGROUND)
        if worker is not None:
            (worker.job.pause if paused else worker.job.resume)()
            self._record(worker.job)
            self.job_changed.emit(worker.job)
        self._pump()

    @property
    def paused(self) -> bool:
        return self.queue.paused

    def running(self, lane: str = BACKGROUND) -> Job | None:
        worker = self._running.get(lane)
        return worker.job if worker is not None else None

    @property
    def busy(self) -> bool:
        return bool(self._running) or bool(self.queue.pending())

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """End everything and wait for the threads (app exit); stored jobs stay resumable.

        A training run is asked to stop (the step in hand, then a checkpoint: the
        restart resumes from there); everything else is cancelled."""
        self._closing = True  # stored jobs keep their last state, to be offered again
        for job in self.queue.pending():
            self.queue.remove(job)
        for worker in list(self._running.values()):
            if worker.job.kind == "train":
                worker.job.request_stop()
            else:
                worker.job.cancel()
        for worker in list(self._running.values()):
            worker.wait(timeout_ms)
        self._running.clear()

    # -- internals ----------------------------------------------------------------
    def _forget(self, job: Job) -> None:
        job.status = JobStatus.CANCELLED

    def _record(self, job: Job) -> None:
        if self.store is not None and job.lane == BACKGROUND and not self._closing:
            self.store.record(job)

    def _pump(self) -> None:
        if self._closing:
            return
        if INTERACTIVE not in self._running:
            job = self.queue.next_interactive()
            if job is not None:
                self._start(job)
        if BACKGROUND not in self._running:
            job = self.queue.next_background()
            if job is not None:
                self._start(job)

    def _start(self, job: Job) -> None:
        worker = JobWorker(job, self)
        self._running[job.lane] = worker
        sig = worker.signals
        sig.started.connect(lambda j=job: self._changed(j))
        sig.yielded.connect(lambda ev, j=job: self._event(j, ev))
        sig.finished.connect(lambda w=worker: self._done(w))
        job.status = JobStatus.RUNNING
        self._record(job)
        worker.start()

    def _changed(self, job: Job) -> None:
        self._record(job)
        self.job_changed.emit(job)

    def _event(self, job: Job, event: Any) -> None:
        self.job_event.emit(job, event)
        self.job_changed.emit(job)

    def _done(self, worker: JobWorker) -> None:
        worker.wait()
        job = worker.job
        if job.status == JobStatus.FAILED:
            self.details[job.id] = worker.details or job.error
        if self._running.get(job.lane) is worker:
            del self._running[job.lane]
        self._record(job)
        self.job_changed.emit(job)
        self.job_finished.emit(job)
        worker.deleteLater()
        self._pump()
