"""The GAN lab: a small GAN trained live on toy data, for watching mode collapse and its fixes.

Pick a toy distribution, an objective and any stabilisers, press Start: the
plot shows the real samples (dark), the generated ones (green), D's decision
surface behind them (orange: D says real, blue: D says fake) and G's gradient
field (white arrows: where G's loss pushes a sample there).  Objective and
stabilisers switch while it trains; a stabiliser that changes D's architecture
(spectral norm, minibatch features, packing) starts D afresh.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.modes import TOY_DISTRIBUTIONS
from ganstudio.core.specs import STABILISERS
from ganstudio.core.toygan import ToyConfig, stabiliser_presets, with_changes
from ganstudio.gui.lab.view import FAKE, REAL, LabView
from ganstudio.gui.lab.worker import LabWorker

#: (id, title, factory) of an objective
ObjectiveChoice = tuple[str, str, Callable[..., Any]]

LEGEND = (
    f"<span style='color:{REAL.name()}'>●</span> real &nbsp; "
    f"<span style='color:{FAKE.name()}'>●</span> generated &nbsp; "
    "<span style='color:#5c78b6'>■</span> D: fake &nbsp; "
    "<span style='color:#eea65c'>■</span> D: real &nbsp; → G's push"
)


class GanLabPanel(QWidget):
    """Controls, the plot, and the worker that trains (started on demand)."""

    def __init__(
        self,
        objectives: Sequence[ObjectiveChoice],
        parent: QWidget | None = None,
        max_steps: int | None = None,
        fps: int = 30,
    ) -> None:
        super().__init__(parent)
        self.objectives = list(objectives)
        self.max_steps = max_steps
        self.worker: LabWorker | None = None
        self.presets = stabiliser_presets()

        self.data = QComboBox()
        self.data.setObjectName("labData")
        for name, dist in TOY_DISTRIBUTIONS.items():
            self.data.addItem(dist.title, name)
        self.data.setCurrentIndex(self.data.findData("ring-8"))
        self.data.currentIndexChanged.connect(self.reset)
        self.objective = QComboBox()
        self.objective.setObjectName("labObjective")
        for ident, title, _ in self.objectives:
            self.objective.addItem(title, ident)
        self.objective.currentIndexChanged.connect(self._settings_changed)

        self.checks: dict[str, QCheckBox] = {}
        box = QGroupBox("Stabilisers")
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setVerticalSpacing(2)
        for i, (name, info) in enumerate(STABILISERS.items()):
            check = QCheckBox(info.title)
            check.setObjectName(f"lab_{name}")
            values = ", ".join(f"{k}={v}" for k, v in self.presets[name].items())
            check.setToolTip(f"{info.explanation}\n({values})")
            check.toggled.connect(self._settings_changed)
            grid.addWidget(check, i // 2, i % 2)
            self.checks[name] = check

        self.start = QPushButton("Start")
        self.start.setObjectName("labStart")
        self.start.setCheckable(True)
        self.start.toggled.connect(self._start_toggled)
        reset = QPushButton("Reset")
        reset.setToolTip("New G and D from a fresh seed, same settings")
        reset.clicked.connect(self.reset)
        self.view = LabView()
        self.status = QLabel("")
        self.status.setObjectName("labStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Data", self.data)
        form.addRow("Objective", self.objective)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start)
        buttons.addWidget(reset)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(box)
        lay.addLayout(buttons)
        lay.addWidget(self.view, 1)
        lay.addWidget(legend)
        lay.addWidget(self.status)
        self.seed = 0
        self.notice = ""  # why the last switch did not happen, until the next one
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, 1000 // fps))
        self.timer.timeout.connect(self._draw)

    # -- settings -------------------------------------------------------------------
    def config(self) -> ToyConfig:
        changes: dict[str, Any] = {}
        for name, check in self.checks.items():
            if check.isChecked():
                changes.update(self.presets[name])
        return with_changes(ToyConfig(), **changes)

    def make_objective(self) -> Any:
        ident = self.objective.currentData()
        factory = next(f for i, _, f in self.objectives if i == ident)
        return factory()

    def _settings_changed(self) -> None:
        self.notice = ""
        if self.worker is not None:
            self.worker.request(self.make_objective(), self.config())

    # -- running --------------------------------------------------------------------
    def _start_toggled(self, on: bool) -> None:
        self.start.setText("Pause" if on else "Start")
        if on and self.worker is None:
            dist = TOY_DISTRIBUTIONS[self.data.currentData()]
            self.worker = LabWorker(
                dist, self.make_objective(), self.config(), self.seed, max_steps=self.max_steps
            )
            self.worker.failed.connect(self._failed)
            self.worker.refused.connect(self._refused)
            self.worker.start()
        elif self.worker is not None:
            self.worker.set_running(on)
        if on:
            self.timer.start()

    def reset(self) -> None:
        """New networks (a new seed) for the chosen data; keeps running if it was."""
        running = self.start.isChecked()
        self.shutdown()
        self.seed += 1
        self.view.show_frame(None)
        self.status.setText("")
        if running:
            self._start_toggled(True)

    def shutdown(self) -> None:
        """Stop the worker thread (the panel is closing or resetting)."""
        self.timer.stop()
        if self.worker is not None:
            self.worker.stop()
            self.worker.deleteLater()
            self.worker = None

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        self.start.setChecked(False)  # no training nobody watches
        super().hideEvent(event)

    def _failed(self, message: str) -> None:
        self.start.setChecked(False)
        self.status.setText(f"Training stopped: {message}")

    def _refused(self, message: str) -> None:
        self.notice = f"Not switched: {message}"
        self.status.setText(self.notice)

    def _draw(self) -> None:
        frame = self.worker.latest() if self.worker is not None else None
        if frame is None or frame is self.view.frame:
            return
        self.view.show_frame(frame)
        losses = "  ".join(f"{k} {v:.3f}" for k, v in sorted(frame.losses.items()))
        text = f"step {frame.step}   {frame.modes}   {losses}"
        self.status.setText(f"{text}\n{self.notice}" if self.notice else text)

    @property
    def steps(self) -> int:
        frame = self.view.frame
        return frame.step if frame is not None else 0

    def settings(self) -> dict[str, Any]:
        """What is switched on now (for tests and the status line)."""
        cfg = self.config()
        return {"objective": self.objective.currentData(), **dataclasses.asdict(cfg)}
