"""Training from the GUI: dialog → background job → dock; responsiveness; resume."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ganstudio.core.jobs import JobStatus
from ganstudio.gui.dialogs.train import TrainDialog
from ganstudio.gui.tasks import TrainSpec

TINY = {"resolution": 32, "width": 8, "z_dim": 16}


def tiny_spec(out: Path, steps: int) -> TrainSpec:
    options = {"steps": steps, "batch_size": 8, "num_workers": 0, "sample_every": 2,
               "checkpoint_every": 2, "ema_decay": 0.0}
    return TrainSpec("dcgan", "procedural:faces?count=32", str(out), dict(TINY), options)


def open_train_dialog(qtbot, window) -> TrainDialog:
    menu_action = next(a for m in window.menuBar().actions() for a in m.menu().actions()
                       if a.text() == "&Train…")
    menu_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, TrainDialog) and w.isVisible())
    qtbot.addWidget(dialog)
    return dialog


def test_dialog_starts_a_job_and_the_dock_shows_losses_and_samples(qtbot, window) -> None:
    dialog = open_train_dialog(qtbot, window)
    assert dialog.variant_combo.findData("dcgan") >= 0
    dialog.variant_combo.setCurrentIndex(dialog.variant_combo.findData("dcgan"))
    form = dialog.config_form
    assert form.editors["resolution"].value() == 64  # the config's default
    for name, value in TINY.items():
        form.set_value(name, value)
    dialog.count.setValue(32)
    dialog.steps.setValue(4)
    dialog.batch.setValue(8)
    dialog.sample_every.setValue(2)
    out = Path(dialog.out.text())
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: bool(window.runner.jobs)
                    and window.runner.jobs[-1].status.finished, timeout=30000)
    job = window.runner.jobs[-1]
    assert job.status == JobStatus.DONE, job.error
    # the job's status flips on its thread; the GUI hears of it when the runner is idle
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    dock = window.training
    assert set(dock.plot.series) >= {"loss_D", "loss_G"} or dock.plot.series
    assert "step 4/4" in dock.stats.text() or "finished" in dock.stats.text()
    assert dock.samples.pixmap() is not None and not dock.samples.pixmap().isNull()
    assert window.models.item_for(out / "checkpoints" / "latest.safetensors") is not None


def test_bad_config_value_is_reported_in_the_dialog(qtbot, window) -> None:
    dialog = open_train_dialog(qtbot, window)
    dialog.variant_combo.setCurrentIndex(dialog.variant_combo.findData("dcgan"))
    dialog.config_form.set_value("resolution", 48)  # not a power of two
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert "resolution" in dialog.error.text()
    assert dialog.isVisible() and not window.runner.jobs


def test_gui_thread_stays_responsive_while_training(qtbot, window, tmp_path) -> None:
    """Quality bar: the longest gap between ticks of a 10 ms timer stays under 100 ms."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    window.submit_training(tiny_spec(tmp_path / "resp", steps=30))
    job = window.runner.jobs[-1]
    qtbot.waitUntil(lambda: job.status == JobStatus.RUNNING and (job.fraction or 0) > 0,
                    timeout=30000)  # measure the training itself, not torch's import
    timer.start()
    qtbot.waitUntil(lambda: job.status.finished, timeout=60000)
    timer.stop()
    assert job.status == JobStatus.DONE, job.error
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    print(f"timer gaps: max {max(gaps) * 1000:.1f} ms over {len(gaps)} ticks")
    assert len(gaps) > 10
    assert max(gaps) < 0.100, f"longest gap {max(gaps) * 1000:.0f} ms"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)


def test_closing_mid_training_offers_to_resume_from_the_checkpoint(
        qtbot, make_window, tmp_path) -> None:
    first = make_window()
    out = tmp_path / "resume"
    first.submit_training(tiny_spec(out, steps=400))
    job = first.runner.jobs[-1]
    qtbot.waitUntil(lambda: (job.fraction or 0) >= 4 / 400, timeout=30000)
    first.close()  # quits: the job stops with a checkpoint and stays in the store
    assert (out / "checkpoints" / "latest.safetensors").is_file()
    starts: list[int] = []
    second = make_window()
    second.runner.job_event.connect(
        lambda j, ev: starts.append(ev.step) if getattr(ev, "kind", "") == "start" else None)
    second.startup_checks()  # answers yes to "resume?"
    resumed = second.runner.jobs[-1]
    assert resumed.kind == "train"
    qtbot.waitUntil(lambda: bool(starts), timeout=30000)
    assert starts[0] >= 4  # continued from the checkpoint, not from zero
    second.runner.cancel(resumed)
    qtbot.waitUntil(lambda: not second.runner.busy, timeout=30000)
    assert not first.store.unfinished()
