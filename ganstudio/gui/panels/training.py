"""The training dock: live loss and metric curves, the latest sample grid, img/s, ETA,
the routine's status (e.g. ProGAN's resolution and fade-in), controls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ganstudio.core.jobs import Job, JobStatus
from ganstudio.gui.panels.jobs import format_eta
from ganstudio.gui.workers import JobRunner

COLORS = ["#4f8cff", "#ff7a59", "#5fd38d", "#e6c84f", "#c678dd", "#56b6c2"]


class LossPlot(QWidget):
    """Curves drawn with QPainter (no QtCharts in PySide6-Essentials).

    ``own_scale``: each curve spans the height on its own range (metrics such as
    FID and precision differ by orders of magnitude); the legend gives values.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        max_points: int = 2000,
        placeholder: str = "losses appear when training starts",
        own_scale: bool = False,
    ) -> None:
        super().__init__(parent)
        self.series: dict[str, list[tuple[int, float]]] = {}
        self.max_points = max_points
        self.placeholder = placeholder
        self.own_scale = own_scale
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        self.series.clear()
        self.update()

    def add(self, step: int, losses: dict[str, float]) -> None:
        for name, value in losses.items():
            points = self.series.setdefault(name, [])
            points.append((step, float(value)))
            if len(points) > self.max_points:  # keep every other point: bounded, whole run shown
                del points[::2]
        self.update()

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1b1c1f"))
        area = QRectF(self.rect()).adjusted(34, 8, -8, -18)
        p.setPen(QPen(QColor("#34353a"), 1))
        p.drawRect(area)
        points = [pt for s in self.series.values() for pt in s]
        if not points:
            p.setPen(QColor("#6c6f75"))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        x0 = min(x for x, _ in points)
        x1 = max(max(x for x, _ in points), x0 + 1)
        y0 = min(y for _, y in points)
        y1 = max(max(y for _, y in points), y0 + 1e-6)
        p.setPen(QColor("#8a8d93"))
        if not self.own_scale:
            right = Qt.AlignmentFlag.AlignRight
            p.drawText(QRectF(0, area.top() - 6, 32, 14), right, f"{y1:.2f}")
            p.drawText(QRectF(0, area.bottom() - 8, 32, 14), right, f"{y0:.2f}")
        p.drawText(
            QRectF(area.right() - 80, area.bottom() + 2, 80, 14),
            Qt.AlignmentFlag.AlignRight,
            f"step {x1}",
        )

        def at(x: float, y: float) -> QPointF:
            return QPointF(
                area.left() + (x - x0) / (x1 - x0) * area.width(),
                area.bottom() - (y - y0) / (y1 - y0) * area.height(),
            )

        legend_x = area.left() + 6
        for i, (name, series) in enumerate(self.series.items()):
            if self.own_scale:
                y0 = min(y for _, y in series)
                y1 = max(max(y for _, y in series), y0 + 1e-9)
            color = QColor(COLORS[i % len(COLORS)])
            path = QPainterPath(at(*series[0]))
            for pt in series[1:]:
                path.lineTo(at(*pt))
            p.setPen(QPen(color, 1.5))
            p.drawPath(path)
            if len(series) == 1:  # one measurement: a dot, not an invisible line
                p.setBrush(color)
                p.drawEllipse(at(*series[0]), 2.5, 2.5)
            label = f"{name} {series[-1][1]:.4g}"
            p.drawText(QPointF(legend_x, area.top() + 14), label)
            legend_x += p.fontMetrics().horizontalAdvance(label) + 12


class TrainingPanel(QWidget):
    """Follows the newest training job the runner reports."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.job: Job | None = None
        self.title = QLabel("No training running")
        self.title.setObjectName("heading")
        self.plot = LossPlot()
        self.metrics_plot = LossPlot(
            placeholder="metrics appear at each measurement", own_scale=True
        )
        self.metrics_plot.setToolTip(
            "FID/KID (lower is better), IS, precision and recall measured during training "
            "(ganstudio train --metrics fid --metrics-every N); each curve on its own scale"
        )
        self.metrics_plot.setMinimumHeight(60)  # the dock grows little when it appears
        self.metrics_plot.hide()  # shown once a run measures something
        self.status = QLabel("")
        self.status.setObjectName("routineStatus")
        self.status.setToolTip("what the training routine reports about itself")
        self.status.hide()  # takes room only for routines that report a status
        self.samples = QLabel("")
        self.samples.setObjectName("sampleGrid")
        self.samples.setMinimumSize(160, 160)
        self.samples.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stats = QLabel("")
        self.stats.setObjectName("trainStats")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Finish this step, save a checkpoint and stop (resumable)")
        self.stop_button.clicked.connect(lambda: self.job and self.runner.request_stop(self.job))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop now; resuming starts from the last checkpoint")
        self.cancel_button.clicked.connect(self._cancel)
        curves = QVBoxLayout()
        curves.addWidget(self.plot, 1)
        curves.addWidget(self.metrics_plot, 1)
        top = QHBoxLayout()
        top.addLayout(curves, 3)
        top.addWidget(self.samples, 2)
        row = QHBoxLayout()
        row.addWidget(self.stats, 1)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.title)
        lay.addLayout(top, 1)
        lay.addWidget(self.status)
        lay.addLayout(row)
        runner.job_event.connect(self._on_event)
        runner.job_finished.connect(self._on_finished)
        self._set_controls(False)

    def _set_controls(self, live: bool) -> None:
        self.pause_button.setEnabled(live)
        self.stop_button.setEnabled(live)
        self.cancel_button.setEnabled(live)

    def _on_event(self, job: Job, event: Any) -> None:
        if job.kind != "train":
            return
        if job is not self.job:
            self.job = job
            self.plot.clear()
            self.metrics_plot.clear()
            self.metrics_plot.hide()
            self.status.setText("")
            self.status.hide()
            self.title.setText(job.title)
            self.pause_button.setChecked(False)
            self._set_controls(True)
        kind = getattr(event, "kind", "")
        if kind == "step":
            if event.losses:
                self.plot.add(event.step, event.losses)
            eta = format_eta(event.eta_s)
            self.stats.setText(
                f"step {event.step}/{event.total} · {event.img_per_s:.0f} img/s"
                + (f" · ETA {eta}" if eta else "")
            )
            status = getattr(event, "status", None)
            if status:
                self.status.setText(format_status(status))
                self.status.show()
        elif kind == "metrics" and getattr(event, "metrics", None):
            self.metrics_plot.show()
            self.metrics_plot.add(event.step, event.metrics)
        elif kind == "sample" and event.path is not None:
            self.show_samples(Path(event.path))
        elif kind in ("done", "stopped", "cancelled"):
            self.stats.setText(f"{event.message} at step {event.step}")

    def show_samples(self, path: Path) -> None:
        pix = QPixmap(str(path))
        if not pix.isNull():
            size = self.samples.size().shrunkBy(QMargins(4, 4, 4, 4))
            self.samples.setPixmap(
                pix.scaled(
                    size,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            )

    def _on_finished(self, job: Job) -> None:
        if job is self.job:
            self._set_controls(False)
            if job.status == JobStatus.FAILED:
                self.stats.setText(f"failed: {job.error}")
            elif job.status == JobStatus.CANCELLED:
                self.stats.setText(self.stats.text() + " · cancelled (resumable)")

    def _pause(self, paused: bool) -> None:
        if self.job is not None:
            (self.job.pause if paused else self.job.resume)()
            self.pause_button.setText("Resume" if paused else "Pause")

    def _cancel(self) -> None:
        if self.job is not None:
            self.runner.cancel(self.job)


def format_status(status: dict[str, Any]) -> str:
    """``{"resolution": 16, "fade-in α": 0.25}`` → ``resolution 16 · fade-in α 0.25``."""
    parts = []
    for key, value in status.items():
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        parts.append(f"{key} {text}")
    return " · ".join(parts)
