"""Training from the GUI: dialog → background job → dock; responsiveness; resume."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ganstudio.core.jobs import JobStatus
from ganstudio.gui.dialogs.train import TrainDialog
from ganstudio.gui.tasks import TrainSpec

TINY = {"resolution": 32, "width": 8, "z_dim": 16}


def tiny_spec(out: Path, steps: int) -> TrainSpec:
    options = {
        "steps": steps,
        "batch_size": 8,
        "num_workers": 0,
        "sample_every": 2,
        "checkpoint_every": 2,
        "ema_decay": 0.0,
    }
    return TrainSpec("dcgan", "procedural:faces?count=32", str(out), dict(TINY), options)


def open_train_dialog(qtbot, window) -> TrainDialog:
    menu_action = next(
        a for m in window.menuBar().actions() for a in m.menu().actions() if a.text() == "&Train…"
    )
    menu_action.trigger()
    dialog = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, TrainDialog) and w.isVisible()
    )
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
    qtbot.waitUntil(
        lambda: bool(window.runner.jobs) and window.runner.jobs[-1].status.finished, timeout=30000
    )
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


def test_no_model_code_runs_on_the_gui_thread(
    qtbot, window, tmp_path, pick_model, home_model
) -> None:
    """The GUI stays responsive because it never runs a forward pass itself: every
    module call (training, previews, Apply) is recorded with the thread that made it.
    The timing itself (worst gap, 99th percentile) is scripts/bench_gui.py's job."""
    import torch

    gui_thread = threading.get_ident()
    threads: list[int] = []
    hook = torch.nn.modules.module.register_module_forward_pre_hook(
        lambda module, args: threads.append(threading.get_ident())
    )
    try:
        window.submit_training(tiny_spec(tmp_path / "resp", steps=4))
        job = window.runner.jobs[-1]
        window.models.refresh()
        pick_model(window, home_model)  # a preview runs while the training does
        qtbot.waitUntil(lambda: window.canvas.has_preview, timeout=30000)
        window.actions_panel.apply_button.click()
        qtbot.waitUntil(lambda: len(window.document) == 1, timeout=30000)
        qtbot.waitUntil(lambda: job.status.finished, timeout=60000)
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    finally:
        hook.remove()
    assert job.status == JobStatus.DONE, job.error
    assert threads, "the instrument saw the model run"
    assert gui_thread not in threads, "a forward pass ran on the GUI thread"


def test_closing_mid_training_offers_to_resume_from_the_checkpoint(
    qtbot, make_window, tmp_path
) -> None:
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
        lambda j, ev: starts.append(ev.step) if getattr(ev, "kind", "") == "start" else None
    )
    second.startup_checks()  # answers yes to "resume?"
    resumed = second.runner.jobs[-1]
    assert resumed.kind == "train"
    qtbot.waitUntil(lambda: bool(starts), timeout=30000)
    assert starts[0] >= 4  # continued from the checkpoint, not from zero
    second.runner.cancel(resumed)
    qtbot.waitUntil(lambda: not second.runner.busy, timeout=30000)
    assert not first.store.unfinished()
