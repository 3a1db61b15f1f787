"""The jobs panel: every background job with progress, ETA, stop, cancel and errors.

"Stop" finishes the item in hand and keeps the result (a training step and its
checkpoint, the batch's current file, a projection's best result so far); it is
offered for jobs whose stop keeps something (``Job.stoppable``).  "Cancel" stops
now and discards.  The status bar's job button offers the same two.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.jobs import Job, JobStatus
from ganstudio.gui.workers import JobRunner

STOP_TIP = (
    "Finish the current item and keep the result: a training step and a checkpoint, "
    "the batch's current file, a projection's best result so far"
)
CANCEL_TIP = "Stop now; what the job is doing is discarded"


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return ""
    m, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m" if h else f"{m}m {s:02d}s" if m else f"{s}s"


def eta_seconds(
    job: Job, started: float | None, reported: tuple[float, float] | None = None
) -> float | None:
    """Time left: the job's own estimate when its events carry one (``eta_s``, e.g.
    training's step rate; ``reported`` is (eta, when)), else from the fraction done
    and the time spent since it started."""
    frac = job.fraction or 0.0
    if job.status != JobStatus.RUNNING:
        return None
    if reported is not None:
        return max(0.0, reported[0] - (time.monotonic() - reported[1]))
    if not 0 < frac < 1 or started is None:
        return None
    return (time.monotonic() - started) * (1 - frac) / frac


def reported_eta(event: object) -> tuple[float, float] | None:
    eta = getattr(event, "eta_s", None)
    return (float(eta), time.monotonic()) if isinstance(eta, (int, float)) and eta > 0 else None


class JobStatusWidget(QWidget):
    """The status bar's view of the running jobs: name, percentage, time left.

    Hidden while nothing runs; a click asks for the Jobs dock (``open_jobs``).
    """

    open_jobs = Signal()

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setObjectName("jobStatus")
        self.button = QToolButton()
        self.button.setObjectName("jobStatusButton")
        self.button.setAutoRaise(True)
        self.button.setToolTip("Show the Jobs panel")
        self.button.clicked.connect(self.open_jobs)
        self.stop_button = QToolButton()
        self.stop_button.setObjectName("jobStatusStop")
        self.stop_button.setText("Stop")
        self.stop_button.setToolTip(STOP_TIP)
        self.stop_button.setAutoRaise(True)
        self.stop_button.clicked.connect(lambda: self._control("stop"))
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("jobStatusCancel")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip(CANCEL_TIP)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(lambda: self._control("cancel"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(90)
        self.bar.setMaximumHeight(10)
        self.thumb = QLabel()  # the job's latest preview (a projection converging …)
        self.thumb.setObjectName("jobPreview")
        self.thumb.hide()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.thumb)
        lay.addWidget(self.button)
        lay.addWidget(self.bar)
        lay.addWidget(self.stop_button)
        lay.addWidget(self.cancel_button)
        self._started: dict[str, float] = {}
        self._reported: dict[str, tuple[float, float]] = {}
        self._shown: Job | None = None
        self.timer = QTimer(self)  # the time left moves on between progress events
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        runner.job_event.connect(self._event)
        runner.job_added.connect(lambda _job: self.refresh())
        runner.job_changed.connect(lambda _job: self.refresh())
        runner.job_finished.connect(lambda _job: self.refresh())
        self.refresh()

    def live_jobs(self) -> list[Job]:
        return [j for j in self.runner.jobs if not j.status.finished]

    def refresh(self) -> None:
        live = self.live_jobs()
        running = [j for j in live if j.status in (JobStatus.RUNNING, JobStatus.PAUSED)]
        for job in running:
            self._started.setdefault(job.id, time.monotonic())
        if not live:
            self.hide()
            self.thumb.hide()
            self.timer.stop()
            self._shown = None
            return
        job = running[0] if running else live[0]
        if job is not self._shown:
            self.thumb.hide()
        self._shown = job
        frac = job.fraction or 0.0
        parts = [job.title]
        if job.status == JobStatus.PAUSED:
            parts.append("paused")
        elif job.status == JobStatus.PENDING:
            parts.append("waiting")
        else:
            parts.append(f"{frac:.0%}")
            left = format_eta(
                eta_seconds(job, self._started.get(job.id), self._reported.get(job.id))
            )
            if left:
                parts.append(f"{left} left")
        others = len(live) - 1
        if others:
            parts.append(f"+{others} more")
        self.button.setText(" — ".join(parts))
        self.bar.setValue(round(frac * 1000))
        active = job.status in (JobStatus.RUNNING, JobStatus.PAUSED)
        self.stop_button.setVisible(active and job.stoppable and not job.stop_requested)
        self.cancel_button.setVisible(not job.cancel_requested)
        self.show()
        if not self.timer.isActive():
            self.timer.start()

    def _control(self, what: str) -> None:
        job = self._shown
        if job is None or job.status.finished:
            return
        (self.runner.request_stop if what == "stop" else self.runner.cancel)(job)
        self.refresh()

    def _event(self, job: Job, event: object) -> None:
        eta = reported_eta(event)
        if eta is not None:
            self._reported[job.id] = eta
        image = getattr(event, "preview", None)
        if job is not self._shown or image is None or not hasattr(image, "size"):
            return
        from ganstudio.gui.canvas import pil_to_qimage

        pix = QPixmap.fromImage(pil_to_qimage(image.convert("RGBA")))
        self.thumb.setPixmap(pix.scaledToHeight(20, Qt.TransformationMode.SmoothTransformation))
        self.thumb.setToolTip("The job's latest preview")
        self.thumb.show()


class JobsPanel(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.tree = QTreeWidget()
        self.tree.setObjectName("jobTree")
        self.tree.setHeaderLabels(["Job", "Status", "Progress", "ETA"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(1, 70)
        self.tree.setColumnWidth(2, 90)
        self.tree.setColumnWidth(3, 70)
        header = self.tree.header()  # the name takes what is left: no sideways scrolling
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setMinimumWidth(160)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(CANCEL_TIP)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(STOP_TIP)
        self.pause_button = QPushButton("Pause queue")
        self.pause_button.setToolTip("No new job starts; the running one pauses between steps")
        self.pause_button.setCheckable(True)
        self.cancel_button.clicked.connect(self._cancel)
        self.stop_button.clicked.connect(self._stop)
        self.pause_button.toggled.connect(self._pause)
        self.error = QLabel("")
        self.error.setObjectName("jobError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.stop_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.pause_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.error)
        lay.addLayout(row)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._bars: dict[str, QProgressBar] = {}
        self._started: dict[str, float] = {}
        self._reported: dict[str, tuple[float, float]] = {}
        runner.job_event.connect(self._event)
        runner.job_added.connect(self.add_job)
        runner.job_changed.connect(self.update_job)
        runner.job_finished.connect(self.update_job)
        self._update_buttons()

    def add_job(self, job: Job) -> None:
        item = QTreeWidgetItem(self.tree, [job.title, job.status.value, "", ""])
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        self.tree.setItemWidget(item, 2, bar)
        self._items[job.id] = item
        self._bars[job.id] = bar
        item.setData(0, Qt.ItemDataRole.UserRole, job.id)
        self.tree.setCurrentItem(item)
        self.update_job(job)

    def _event(self, job: Job, event: object) -> None:
        eta = reported_eta(event)
        if eta is not None:
            self._reported[job.id] = eta

    def job(self, item: QTreeWidgetItem | None) -> Job | None:
        if item is None:
            return None
        ident = item.data(0, Qt.ItemDataRole.UserRole)
        return next((j for j in self.runner.jobs if j.id == ident), None)

    def update_job(self, job: Job) -> None:
        item = self._items.get(job.id)
        if item is None:
            return
        if job.status == JobStatus.RUNNING:
            self._started.setdefault(job.id, time.monotonic())
        stopping = job.stop_requested and not job.status.finished
        item.setText(
            1,
            ("cancelling" if job.cancel_requested else "stopping")
            if stopping
            else job.status.value,
        )
        frac = job.fraction or 0.0
        bar = self._bars[job.id]
        bar.setValue(round(frac * 1000))
        bar.setFormat(f"{frac:.0%}")
        item.setText(
            3, format_eta(eta_seconds(job, self._started.get(job.id), self._reported.get(job.id)))
        )
        item.setToolTip(0, job.error or job.message)
        if job.status == JobStatus.FAILED:
            item.setForeground(1, Qt.GlobalColor.red)
        if self.job(self.tree.currentItem()) is job:
            self._update_buttons()

    def _update_buttons(self) -> None:
        job = self.job(self.tree.currentItem())
        live = job is not None and not job.status.finished
        self.cancel_button.setEnabled(live)
        self.stop_button.setEnabled(
            live and job is not None and job.stoppable and not job.stop_requested
        )
        self.error.setText(job.error if job is not None and job.error else "")
        self.error.setVisible(bool(self.error.text()))

    def _cancel(self) -> None:
        job = self.job(self.tree.currentItem())
        if job is not None:
            self.runner.cancel(job)

    def _stop(self) -> None:
        job = self.job(self.tree.currentItem())
        if job is not None:
            self.runner.request_stop(job)
            self._update_buttons()

    def _pause(self, paused: bool) -> None:
        self.runner.set_paused(paused)
        self.pause_button.setText("Resume queue" if paused else "Pause queue")
