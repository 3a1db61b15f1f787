"""Params speak the artist's language: labels, "Auto", lists, what does not apply."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ganstudio.gui.panels.params import ListEditor


def label_of(form, name: str) -> str:
    editor = form.editors[name]
    for layout in [form.layout().itemAt(0).layout(), *(s.form for s in form.sections.values())]:
        label = layout.labelForField(editor)
        if isinstance(label, QLabel):
            return label.text()
    raise AssertionError(f"no label for {name}")


def test_no_code_names_in_the_built_in_actions(registry) -> None:
    titles = {p.title for a in registry.specs("actions") for p in a.params_for(None)}
    assert titles, "the built-in actions were listed"
    assert not titles & {"Lr", "Pti steps", "Layer from", "Layer to", "Tile", "Outscale"}
    assert {
        "Learning rate",
        "Pivotal tuning steps",
        "Style layers from",
        "Style layers to",
        "Tile size",
        "Output scale",
    } <= titles


def test_super_resolve_says_auto_and_why_denoise_does_not_apply(qtbot, window, use_model) -> None:
    form = use_model(window, "sr-compact-x2.safetensors", "super-resolve")
    assert form.editors["tile"].editor.text() == "Auto"
    assert form.editors["tile_overlap"].editor.text() == "Auto"
    assert form.editors["outscale"].editor.text() == "Model's own"
    assert label_of(form, "tile") == "Tile size"
    denoise = form.editors["denoise"]
    assert not denoise.isEnabled()
    assert "denoise twin" in denoise.toolTip()
    assert form.editors["tile"].isEnabled()


def test_keep_fixed_is_a_checkable_list_and_source_is_the_active_layer(
    qtbot, window, use_model
) -> None:
    layer = window.document.add_layer(
        Image.new("RGB", (32, 32)), "face", latents={"w": np.zeros((1, 512), np.float32)}
    )
    window.document.set_active(0)
    form = use_model(window, "stylegan-faces-32.safetensors", "attributes")
    assert form.editors["source"].value() == layer.id  # the face on the canvas
    keep = form.editors["keep_fixed"].editor
    assert isinstance(keep, ListEditor)
    names = [keep.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(keep.list.count())]
    assert "smile" in names and "age" in names
    keep.list.item(names.index("smile")).setCheckState(Qt.CheckState.Checked)
    keep.list.item(names.index("age")).setCheckState(Qt.CheckState.Checked)
    assert form.values()["keep_fixed"] == "age,smile"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30000)


def test_grid_seeds_are_a_list_editor(qtbot, window, use_model) -> None:
    form = use_model(window, "stylegan-faces-32.safetensors", "style-mix")
    rows = form.editors["rows"].editor
    assert isinstance(rows, ListEditor)
    for seed in (10, 11):
        rows.entry.setValue(seed)
        rows.add_button.click()
    assert form.values()["rows"] == "10,11"
    rows.remove_button.click()
    assert form.values()["rows"] == "10"
    assert label_of(form, "layer_from") == "Style layers from"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30000)
