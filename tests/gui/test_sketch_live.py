"""Live sketching: strokes on the sketch layer drive sketch-to-photo previews.

The action's model step waits on a gate the test opens, so the test decides
when a preview finishes (nothing depends on the machine's speed): requests
made meanwhile are coalesced to the newest, which carries the stroke so far.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication


@pytest.fixture
def sketch_model(isolated_home: Path, registry) -> Path:
    """A pix2pix model with random weights in the user's models folder."""
    import torch

    from ganstudio.core.checkpoints import save_model
    from ganstudio.core.models import model_meta
    from ganstudio.core.specs import apply_overrides

    variant = registry.variant("pix2pix")
    cfg = apply_overrides(
        variant.config(),
        dict(resolution=32, generator="resnet_6blocks", ngf=4, ndf=4, norm="instance"),
    )
    torch.manual_seed(0)
    G = variant.build(cfg)["G"]
    path = isolated_home / "models" / "sketch-tiny.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(
        path,
        {f"G.{k}": v for k, v in G.state_dict().items()},
        model_meta("pix2pix", "pix2pix", cfg),
    )
    return path


class Gate:
    """Wraps the plugin's sketch_to_photo: each run waits until the test releases it."""

    def __init__(self, original) -> None:
        self.original, self.gate = original, threading.Semaphore(0)
        self.inputs: list[np.ndarray] = []

    def __call__(self, model, params, inputs):
        self.gate.acquire(timeout=10)
        self.inputs.append(np.asarray(inputs["image"].convert("L")))
        return self.original(model, params, inputs)


def _point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def test_strokes_preview_live_coalesced_undoable_on_their_own_layer(
    qtbot, sketch_model, window, registry, pick_model, monkeypatch
) -> None:
    pkg = sys.modules[registry.variant("pix2pix").config.__module__].__package__
    actions = importlib.import_module(f"{pkg}.actions")
    gate = Gate(actions.sketch_to_photo)
    monkeypatch.setattr(actions, "sketch_to_photo", gate)
    pick_model(window, sketch_model)
    panel = window.actions_panel
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    for _ in range(8):  # the generate-on-load preview, if any, must not block the gate
        gate.gate.release()
    assert panel.select_action("sketch-to-photo")
    # the sketch action gets the sketch layer (white paper, on top) and the brush
    sketch = window.document.active
    assert sketch.role == "sketch" and window.tools.current_tool == "brush"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    gate.inputs.clear()
    asked: list[object] = []
    panel.preview_requested.connect(lambda a, p: asked.append(a))
    window.canvas.set_zoom(1.0)
    window.canvas.centerOn(100, 100)
    vp, canvas = window.canvas.viewport(), window.canvas
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_point(canvas, 20, 20))
    for i in range(1, 12):  # the stroke goes on while the first preview waits at the gate
        qtbot.mouseMove(vp, _point(canvas, 20 + 10 * i, 20 + 5 * i))
        QApplication.processEvents()
    live = len(asked)
    assert live >= 5  # previews asked while the stroke goes on ...
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_point(canvas, 130, 75))
    for _ in range(len(asked)):
        gate.gate.release()
    qtbot.waitUntil(lambda: not window.runner.busy and window.canvas.has_preview, timeout=20000)
    runs = len(gate.inputs)
    assert 1 <= runs < len(asked)  # ... coalesced: stale requests never ran
    first, last = gate.inputs[0], gate.inputs[-1]
    assert last[75, 130] < 128  # the newest run saw the whole stroke
    assert (last < 128).sum() > (first < 128).sum()  # the first one saw only its start
    assert window.canvas.has_preview
    # the stroke is one undo step on the sketch layer; the photo is never drawn into it
    layer = window.document.layer(window.document.index_of(sketch.id))
    assert np.asarray(layer.image.convert("L"))[75, 130] < 128
    window.document_undo()
    layer = window.document.layer(window.document.index_of(sketch.id))
    assert np.asarray(layer.image.convert("L")).min() == 255
    # Apply makes the photo a layer of its own above the sketch
    for _ in range(4):
        gate.gate.release()
    count = len(window.document)
    panel.apply_requested.emit(panel.current_action, panel.values())
    qtbot.waitUntil(lambda: len(window.document) == count + 1, timeout=20000)
    roles = [window.document.layer(i).role for i in range(len(window.document))]
    assert "sketch" in roles and roles.count("sketch") == 1
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
