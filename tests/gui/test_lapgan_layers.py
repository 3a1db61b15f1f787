"""Layout "layers" in the GUI: LAPGAN's refine applies one layer per level, one undo step."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import Qt


def _lapgan_file(registry, folder):
    """A 32 px LAPGAN with random weights, saved where the model browser looks."""
    import torch

    from ganstudio.core import checkpoints
    from ganstudio.core.models import model_meta
    from ganstudio.core.specs import apply_overrides

    variant = registry.variant("lapgan")
    cfg = apply_overrides(variant.config(), {"resolution": 32, "z_dim": 8, "width": 8})
    torch.manual_seed(0)
    modules = variant.build(cfg)
    tensors = checkpoints.join_roles({role: m.state_dict() for role, m in modules.items()})
    path = folder / "models" / "lapgan-test.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.save_model(path, tensors, model_meta("lapgan", "lapgan", cfg))
    return path


def test_refine_applies_a_layer_per_level(qtbot, window, registry, isolated_home, pick_model):
    path = _lapgan_file(registry, isolated_home)
    window.add_image(Image.new("RGB", (32, 32), (200, 40, 40)), "photo")
    window.models.refresh()
    pick_model(window, path)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert window.actions_panel.select_action("refine")
    qtbot.mouseClick(window.actions_panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document) == 4, timeout=20000)
    doc = window.document
    names = [doc.layer(i).name for i in range(1, 4)]
    assert names == ["Refine: 8×8 (input)", "Refine: + detail 16×16", "Refine: + detail 32×32"]
    assert all(doc.layer(i).size == (32, 32) for i in range(1, 4))
    assert doc.layer(1).image.getpixel((3, 3))[:3] == (200, 40, 40)  # the input, at 8 px
    window.document_undo()  # one Apply, one undo step
    assert len(doc) == 1
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
