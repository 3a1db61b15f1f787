"""The training dock plots measured metrics beside the losses and shows the routine's status."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ganstudio.core.jobs import Job
from ganstudio.core.training import TrainEvent
from ganstudio.gui.panels.training import TrainingPanel


class FakeRunner(QObject):
    """What the dock listens to: the job runner's two signals."""

    job_event = Signal(object, object)
    job_finished = Signal(object)


def test_the_dock_plots_metrics_and_shows_status(qtbot) -> None:
    runner = FakeRunner()
    dock = TrainingPanel(runner)  # type: ignore[arg-type]
    qtbot.addWidget(dock)
    dock.resize(640, 360)
    dock.show()
    job = Job("train dcgan", lambda j: iter(()), kind="train")
    runner.job_event.emit(job, TrainEvent("start", 0, 100))
    assert dock.metrics_plot.isHidden()  # no clutter for runs that measure nothing …
    assert dock.status.isHidden()  # … or routines that report no status
    for step in range(1, 101):
        status = {"resolution": 16, "fade-in α": step / 100, "phase": "fade"}
        losses = {"loss_D": 1.0 / step, "loss_G": 2.0 - step / 100}
        runner.job_event.emit(job, TrainEvent("step", step, 100, losses, status=status))
        if step % 25 == 0:
            values = {"fid": 80.0 / step, "precision": step / 100, "recall": 0.3}
            runner.job_event.emit(job, TrainEvent("metrics", step, 100, metrics=values))
    assert dock.metrics_plot.isVisible()
    assert [s for s, _ in dock.metrics_plot.series["fid"]] == [25, 50, 75, 100]
    assert dock.metrics_plot.series["fid"][-1][1] == 0.8
    assert set(dock.plot.series) == {"loss_D", "loss_G"}  # metrics stay out of the loss plot
    assert dock.status.isVisible()
    assert dock.status.text() == "resolution 16 · fade-in α 1 · phase fade"
    image = dock.grab().toImage()  # it paints (the curves are drawn, not just stored)
    assert not image.isNull()

    other = Job("train again", lambda j: iter(()), kind="train")
    runner.job_event.emit(other, TrainEvent("start", 0, 10))
    assert dock.metrics_plot.isHidden() and dock.status.isHidden()
