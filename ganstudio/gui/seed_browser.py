"""The seed browser: a grid of samples from consecutive seeds; a click takes one.

The way people explore a generator (NVIDIA's visualizer, A1111's batch grid).
The samples are made by one background job on a worker thread (the model's
own Generate action, one seed per step); each thumbnail appears as soon as
its sample is ready.  Taking one commits it exactly as Generate with that
seed would: a new layer with provenance ``seed=…``, one undo step.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.jobs import BACKGROUND, Job, JobStatus
from ganstudio.core.specs import Action, Progress, SeedParam
from ganstudio.gui.canvas import pil_to_qimage
from ganstudio.gui.tasks import ActionRequest, ModelCache

THUMB = 112


def seed_param(action: Action, model: Any) -> str | None:
    """The name of the action's one seed ("seed"), None when it has none or several."""
    seeds = [p.name for p in action.params_for(model) if isinstance(p, SeedParam)]
    return seeds[0] if len(seeds) == 1 else None


def seeds_job(
    cache: ModelCache, model_path: Path, action: Action, params: dict[str, Any], seeds: list[int]
) -> Job:
    """One background job: ``action`` once per seed; each sample is yielded as it is made
    (``Progress.data``: seed, output), so the grid fills in while the job runs."""

    def work(job: Job) -> Generator[Any, None, int]:
        from ganstudio.core.actions import iterate_action

        model = cache.get(model_path)
        name = seed_param(action, model) or "seed"
        specs = {p.name for p in action.params_for(model)}
        base = {k: v for k, v in params.items() if k in specs}
        if "count" in specs:
            base["count"] = 1  # one sample per cell
        for i, seed in enumerate(seeds):
            output = yield from iterate_action(action, model, {**base, name: seed})
            yield Progress(
                step=i + 1,
                total=len(seeds),
                fraction=(i + 1) / len(seeds),
                message=f"seed {seed}",
                preview=output.composite(),
                data={"seed": seed, "output": output, "params": {**base, name: seed}},
            )
        return len(seeds)

    title = f"Seed browser {seeds[0]}–{seeds[-1]} ({model_path.stem})"
    return Job(title, work, lane=BACKGROUND, kind="seeds", key="seed-browser")


class SeedBrowser(QDialog):
    """A non-modal window over the main window's model, runner and controller."""

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setObjectName("seedBrowser")
        self.setWindowTitle("Seed browser")
        self.job: Job | None = None
        self.action: Action | None = None
        self.model_path: Path | None = None
        self.results: dict[int, tuple[dict[str, Any], Any]] = {}  # seed -> (params, output)
        self.count = QSpinBox()
        self.count.setRange(1, 64)
        self.count.setValue(16)
        self.count.setObjectName("seedCount")
        self.start = QSpinBox()
        self.start.setRange(0, 2**31 - 1)
        self.start.setObjectName("seedStart")
        self.show_button = QPushButton("Show")
        self.show_button.setObjectName("primary")
        self.show_button.clicked.connect(self.browse)
        self.next_button = QPushButton("Next →")
        self.next_button.setToolTip("The next seeds")
        self.next_button.clicked.connect(self.next_page)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.grid = QListWidget()
        self.grid.setObjectName("seedGrid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 16, THUMB + 30))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.itemClicked.connect(self.take_item)
        row = QHBoxLayout()
        row.addWidget(QLabel("Samples"))
        row.addWidget(self.count)
        row.addWidget(QLabel("from seed"))
        row.addWidget(self.start)
        row.addStretch(1)
        row.addWidget(self.show_button)
        row.addWidget(self.next_button)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.status)
        self.resize(4 * (THUMB + 16) + 40, 4 * (THUMB + 30) + 110)
        window.runner.job_event.connect(self._job_event)
        window.runner.job_finished.connect(self._job_finished)

    # -- what to run ------------------------------------------------------------------
    def _pick_action(self) -> tuple[Path, Action, dict[str, Any]] | None:
        """The model's seeded image action: the one in the Action panel if it is one,
        else its Generate; with the panel's other values when it is the same action."""
        controller, panel = self.window_.controller, self.window_.actions_panel
        model_file = controller.model_file
        if model_file is None:
            self.status.setText("Pick a model first (the Models dock or Ctrl+Shift+P).")
            return None
        model = self.window_.cache.loaded(model_file.path)
        candidates = [
            a
            for a in panel.action_specs
            if a.input_kind == "none"
            and a.output_kind == "image"
            and (model is not None or not callable(a.params))
            and seed_param(a, model) is not None
        ]
        if not candidates:
            self.status.setText(f"{model_file.label} has no seeded image action to browse.")
            return None
        current = panel.current_action
        action = next((a for a in candidates if a is current), None) or next(
            (a for a in candidates if a.id == "generate"), candidates[0]
        )
        params = dict(panel.values()) if action is current else {}
        return model_file.path, action, params

    def browse(self) -> Job | None:
        """Start (or restart) the job for ``count`` seeds from ``start``."""
        picked = self._pick_action()
        if picked is None:
            return None
        self.model_path, self.action, params = picked
        if self.job is not None and not self.job.status.finished:
            self.window_.runner.cancel(self.job)
        first = self.start.value()
        seeds = list(range(first, first + self.count.value()))
        self.results.clear()
        self.grid.clear()
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(Qt.GlobalColor.darkGray)
        for seed in seeds:
            item = QListWidgetItem(QIcon(placeholder), f"seed {seed}")
            item.setData(Qt.ItemDataRole.UserRole, seed)
            item.setToolTip("being made…")
            self.grid.addItem(item)
        self.status.setText(f"Making {len(seeds)} samples with {self.action.name}…")
        self.job = self.window_.runner.submit(
            seeds_job(self.window_.cache, self.model_path, self.action, params, seeds)
        )
        return self.job

    def next_page(self) -> None:
        self.start.setValue(self.start.value() + self.count.value())
        self.browse()

    # -- results ----------------------------------------------------------------------
    def _job_event(self, job: Job, event: Any) -> None:
        if job is not self.job or not isinstance(event, Progress) or "seed" not in event.data:
            return
        seed = int(event.data["seed"])
        self.results[seed] = (event.data["params"], event.data["output"])
        image: Image.Image = event.preview.copy()
        image.thumbnail((THUMB, THUMB), Image.Resampling.LANCZOS)
        if image.width < THUMB // 2:  # tiny models (32 px): enlarge crisply to be seen
            factor = THUMB // max(image.width, image.height)
            image = image.resize(
                (image.width * factor, image.height * factor), Image.Resampling.NEAREST
            )
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == seed:
                item.setIcon(QIcon(QPixmap.fromImage(pil_to_qimage(image))))
                item.setToolTip(f"seed {seed}: click to add it as a layer")
        self.status.setText(
            f"{len(self.results)} of {self.grid.count()} ready — click one to take it"
        )

    def _job_finished(self, job: Job) -> None:
        if job is not self.job:
            return
        if job.status == JobStatus.FAILED:
            self.status.setText(f"Could not make the samples: {job.error}")
        elif job.status == JobStatus.CANCELLED:
            self.status.setText(f"Stopped; {len(self.results)} ready")

    def take_item(self, item: QListWidgetItem) -> Any:
        return self.take(int(item.data(Qt.ItemDataRole.UserRole)))

    def take(self, seed: int) -> Any:
        """Add the sample for ``seed`` as a layer, as Generate with that seed would."""
        got = self.results.get(seed)
        if got is None or self.action is None or self.model_path is None:
            self.status.setText(f"seed {seed} is not ready yet")
            return None
        params, output = got
        request = ActionRequest(self.model_path, self.action, dict(params), commit=True)
        layer = self.window_.controller.commit(request, output)
        self.status.setText(f"Took seed {seed} as the layer “{layer.name}”")
        return layer

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if self.job is not None and not self.job.status.finished:
            self.window_.runner.cancel(self.job)
        super().closeEvent(event)
