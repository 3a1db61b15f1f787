"""The GAN lab trains on a worker thread and draws its frames; settings switch live."""

from __future__ import annotations

import pytest

from ganstudio.gui.lab import objective_choices
from ganstudio.gui.lab.panel import GanLabPanel


@pytest.fixture
def lab(qtbot, registry):
    panel = GanLabPanel(objective_choices(registry), max_steps=10, fps=60)
    qtbot.addWidget(panel)
    panel.resize(480, 720)
    panel.show()
    yield panel
    panel.shutdown()


def test_the_lab_trains_ten_steps_and_shows_them(qtbot, lab) -> None:
    assert lab.view.frame is None
    lab.start.click()
    qtbot.waitUntil(lambda: lab.steps == 10, timeout=30000)
    frame = lab.view.frame
    assert frame.real.shape[1] == 2 and frame.fake.shape == frame.real.shape  # ring of 8
    assert frame.surface.shape == (64, 64) and 0 <= frame.surface.min() <= frame.surface.max() <= 1
    assert frame.field.shape == frame.field_points.shape and abs(frame.field).sum() > 0
    assert "step 10" in lab.status.text() and "/8 modes" in lab.status.text()
    assert lab.worker.isRunning()  # the GUI thread never trained: the worker did
    image = lab.view.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).isValid()


def test_objective_and_stabilisers_switch_while_it_runs(qtbot, lab) -> None:
    lab.start.click()
    qtbot.waitUntil(lambda: lab.steps == 10, timeout=30000)
    lab.objective.setCurrentIndex(lab.objective.findData("wgan-gp"))
    lab.checks["pack"].setChecked(True)
    lab.checks["spectral-norm"].setChecked(True)
    assert lab.settings()["objective"] == "wgan-gp" and lab.settings()["pack"] == 4
    first = lab.view.frame
    qtbot.waitUntil(lambda: lab.view.frame is not first, timeout=30000)  # redrawn after the switch
    assert lab.worker.isRunning() and lab.status.text().startswith("step 10")


def test_one_d_data_and_pause(qtbot, lab) -> None:
    lab.data.setCurrentIndex(lab.data.findData("mixture-1d"))
    lab.start.click()
    qtbot.waitUntil(lambda: lab.steps == 10, timeout=30000)
    assert lab.view.frame.surface.shape == (1, 64) and "/4 modes" in lab.status.text()
    lab.start.click()  # pause
    assert lab.start.text() == "Start"
    lab.reset()
    assert lab.view.frame is None and lab.worker is None


def test_tools_menu_opens_the_lab_dock(qtbot, make_window) -> None:
    from PySide6.QtWidgets import QDockWidget

    window = make_window()
    action = next(
        a for m in window.menuBar().actions() for a in m.menu().actions() if a.text() == "GAN &lab…"
    )
    action.trigger()
    dock = window.findChild(QDockWidget, "dock_gan_lab")
    assert dock is not None and dock.isVisible()
    panel = dock.widget()
    assert isinstance(panel, GanLabPanel) and panel.worker is None  # nothing trains unasked
    assert panel.objective.findData("ragan") >= 0 and len(panel.checks) == 13


def test_a_switch_that_does_not_fit_is_refused_and_training_goes_on(qtbot, lab) -> None:
    lab.start.click()
    qtbot.waitUntil(lambda: lab.steps == 10, timeout=30000)
    lab.objective.setCurrentIndex(lab.objective.findData("wgan"))
    lab.checks["label-smoothing"].setChecked(True)  # WGAN has no targets to smooth
    qtbot.waitUntil(lambda: "Not switched" in lab.status.text(), timeout=30000)
    assert "label_smoothing" in lab.status.text() and lab.worker.isRunning()
