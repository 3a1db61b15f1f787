"""Inpainting in the editor: the region painted out with the mask brush (or the selection)
reaches the autoencoder's inpaint action, and the new layer changes only that region."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from ganstudio.core.masks import masked_inputs


@pytest.fixture(scope="module")
def ae_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16 px autoencoder trained for one step (what a user has after 'ganstudio train')."""
    from ganstudio import plugins
    from ganstudio.testing import train_steps_with

    registry = plugins.discover(safe_mode=True)
    run = tmp_path_factory.mktemp("ae") / "run"
    overrides = {"resolution": 16, "width": 8, "latent_dim": 8}
    train_steps_with(registry, "ae", run, steps=1, overrides=overrides)
    return run / "checkpoints" / "latest.safetensors"


@pytest.fixture
def photo() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (40, 48, 4), dtype=np.uint8)).convert("RGB")


def _apply_inpaint(qtbot, window, pick_model, isolated_home: Path, ae_model: Path) -> None:
    dest = isolated_home / "models" / "ae-test.safetensors"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ae_model, dest)
    window.models.refresh()
    pick_model(window, dest)
    assert window.actions_panel.select_action("inpaint")
    before = len(window.document)
    qtbot.mouseClick(window.actions_panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document) == before + 1, timeout=30000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)


def test_the_mask_brushs_hole_is_filled_and_nothing_else_changes(
    qtbot, window, pick_model, isolated_home, ae_model, photo
) -> None:
    window.add_image(photo, "photo")
    doc = window.document
    doc.add_mask(0)  # reveal all, then paint a hole out (what the mask brush leaves)
    mask = doc.layer(0).mask.copy()
    mask.paste(0, (10, 8, 30, 20))
    doc.set_layer(0, mask=mask)
    _apply_inpaint(qtbot, window, pick_model, isolated_home, ae_model)
    top = doc.layer(1)
    assert top.provenance["action"] == "inpaint" and top.offset == (0, 0)
    assert top.size == photo.size
    before = np.asarray(photo)
    after = np.asarray(top.image.convert("RGB"))
    hole = np.zeros(before.shape[:2], bool)
    hole[8:20, 10:30] = True
    assert np.array_equal(after[~hole], before[~hole])
    assert not np.array_equal(after[hole], before[hole])


def test_without_a_mask_the_selection_is_the_region(
    qtbot, window, pick_model, isolated_home, ae_model, photo
) -> None:
    window.add_image(photo, "photo")
    window.canvas.set_selection((4, 4, 14, 12))
    _apply_inpaint(qtbot, window, pick_model, isolated_home, ae_model)
    after = np.asarray(window.document.layer(1).image.convert("RGB"))
    before = np.asarray(photo)
    region = np.zeros(before.shape[:2], bool)
    region[4:12, 4:14] = True
    assert np.array_equal(after[~region], before[~region])
    assert not np.array_equal(after[region], before[region])


def test_masked_inputs_follow_the_layer_offset_and_crop_the_mask_to_the_selection(photo):
    class Layer:
        image, offset = photo, (100, 50)
        mask = Image.new("L", photo.size, 0)  # hides everything: all of it is the hole

    inputs, origin = masked_inputs(Layer, (105, 55, 115, 60))
    assert origin == (100, 50) and inputs["image"] is photo
    assert inputs["mask"].getbbox() == (5, 5, 15, 10)
    inputs, _ = masked_inputs(Layer, (0, 0, 10, 10))  # a selection off this layer
    assert inputs["mask"].getbbox() == (0, 0, 48, 40)
    Layer.mask = Image.new("L", photo.size, 255)  # a mask that hides nothing
    inputs, _ = masked_inputs(Layer, None)
    assert "mask" not in inputs
    assert masked_inputs(None, None) is None
