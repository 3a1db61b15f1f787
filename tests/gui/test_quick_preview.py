"""A large StyleGAN2 model previews a moving slider quickly, then refines to full size."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt

from ganstudio.core import checkpoints
from ganstudio.core.models import model_meta
from ganstudio.gui.controller import ActionController


@pytest.fixture
def stylegan64(isolated_home: Path, registry) -> Path:
    """A 64 px StyleGAN2 (tiny channels) in the user's models folder; the test treats
    anything above 32 px as 'large', as the app treats 1024 px models."""
    torch.manual_seed(0)
    config = registry.variant("stylegan2").config(
        resolution=64, z_dim=16, w_dim=16, mapping_layers=2, channel_base=256, channel_max=16
    )
    G = registry.variant("stylegan2").build(config)["G"]
    path = isolated_home / "models" / "big.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.save_model(
        path,
        {f"G_ema.{k}": v for k, v in G.state_dict().items()},
        model_meta("stylegan2", "stylegan", config),
    )
    return path


def test_slider_preview_is_quick_then_refined_at_full_size(
    qtbot, window, stylegan64, monkeypatch
) -> None:
    monkeypatch.setattr(ActionController, "QUICK_ABOVE", 32)
    monkeypatch.setattr(ActionController, "PREVIEW_START", 16)
    shown: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    original = window.canvas.show_preview

    def record(image, origin=(0, 0), footprint=None):
        shown.append((image.size, footprint))
        original(image, origin, footprint)

    monkeypatch.setattr(window.canvas, "show_preview", record)
    window.models.refresh()
    item = window.models.item_for(stylegan64)
    window.models.tree.scrollToItem(item)  # more plugins listed can push it out of view
    rect = window.models.tree.visualItemRect(item)
    qtbot.mouseClick(window.models.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.cache.loaded(stylegan64) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    shown.clear()
    assert window.actions_panel.current_action.id == "generate"
    window.actions_panel.form.editors["seed"].editor.setValue(9)  # as a slider move would
    qtbot.waitUntil(lambda: any(size == (64, 64) for size, _ in shown), timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    (w, h), footprint = shown[0]
    assert w == h and w in (16, 32) and footprint == (64, 64)  # quick, drawn at full size
    assert shown[-1][0] == (64, 64)  # then the final render replaces it
    assert window.canvas._preview.sceneBoundingRect().width() == pytest.approx(64)


def test_a_new_request_cancels_the_refinement(qtbot, window, stylegan64, monkeypatch) -> None:
    monkeypatch.setattr(ActionController, "QUICK_ABOVE", 32)
    window.models.refresh()
    window.models.select(stylegan64)
    qtbot.waitUntil(lambda: window.cache.loaded(stylegan64) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    controller = window.controller
    action = window.actions_panel.current_action
    controller.preview(action, window.actions_panel.values())
    qtbot.waitUntil(lambda: controller._refine is not None, timeout=20000)
    refine = controller._refine
    controller.preview(action, {**window.actions_panel.values(), "seed": 5})
    qtbot.waitUntil(lambda: refine.status.finished, timeout=20000)
    assert refine.status.value == "cancelled"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
