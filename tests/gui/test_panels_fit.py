"""Panels fit the screen: the action panel scrolls, long slider lists filter and fold,
and a saved geometry larger than the screen comes back clamped to it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from ganstudio.core.model_files import find_model_files
from ganstudio.gui.panels.params import slider_groups

ROOT = Path(__file__).resolve().parents[2]
STYLEGAN_DEMO = ROOT / "resources" / "models" / "stylegan-faces-32.safetensors"


def stylegan_attributes(qtbot, window):
    mf = next(m for m in find_model_files() if m.path.resolve() == STYLEGAN_DEMO.resolve())
    window.controller.set_model(mf)
    qtbot.waitUntil(lambda: window.cache.loaded(mf.path) is not None, timeout=30000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30000)
    panel = window.actions_panel
    assert panel.select_action("attributes")
    qtbot.waitUntil(lambda: panel.form is not None, timeout=10000)
    return panel


def test_attributes_of_the_stylegan_demo_fit_the_screen_and_filter(qtbot, window) -> None:
    screen = QApplication.primaryScreen().availableGeometry()
    window.resize(screen.width() - 80, screen.height() - 80)
    panel = stylegan_attributes(qtbot, window)
    sliders = [n for n, ed in panel.form.editors.items() if ed.param.help.startswith("Standard")]
    assert len(sliders) >= 19
    for _ in range(5):
        QApplication.processEvents()
    assert window.height() <= screen.height() and window.width() <= screen.width()
    assert panel.apply_button.isVisibleTo(window)
    # the apply button is inside the dock's visible area, not pushed below it
    dock = window.docks["Action"]
    bottom = panel.apply_button.mapTo(dock, panel.apply_button.rect().bottomLeft()).y()
    assert bottom <= dock.height()
    # grouped: background and hair colours fold away; the filter finds sliders by name
    assert {"Background (6)", "Hair colour (5)"} <= {
        s.header.text() for s in panel.form.sections.values()
    }
    assert panel.filter.isVisible()
    panel.filter.setText("hair")
    visible = [n for n in panel.form.visible_names() if n in sliders]
    assert visible and all("hair" in n for n in visible)
    assert "hair_colour_red" in visible and "hair_length" in visible
    panel.filter.clear()
    assert "smile" in panel.form.visible_names()


def test_slider_groups_come_from_shared_name_prefixes() -> None:
    groups = slider_groups(
        [
            "age",
            "background_blue",
            "background_pink",
            "hair_colour_red",
            "hair_colour_black",
            "hair_length",
            "smile",
        ]
    )
    assert groups == {
        "Background": ["background_blue", "background_pink"],
        "Hair colour": ["hair_colour_red", "hair_colour_black"],
        "Other": ["age", "hair_length", "smile"],
    }


def test_a_saved_geometry_larger_than_the_screen_is_clamped(make_window) -> None:
    first = make_window()
    screen = QApplication.primaryScreen().availableGeometry()
    first.resize(screen.width() + 400, screen.height() + 600)
    first.move(screen.right() - 50, screen.bottom() - 50)
    first.save_state()
    second = make_window()
    assert second.width() <= screen.width() and second.height() <= screen.height()
    assert screen.contains(second.geometry().topLeft())
    assert screen.contains(second.geometry().bottomRight())
