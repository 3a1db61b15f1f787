"""Figures of the voxel tools for the README: docs/voxels/*.png (a few seconds).

    .venv/bin/python scripts/figures_voxels.py

* ``procedural.png``: one procedural shape of each class (the training data);
* ``samples.png``: demo-model shapes (seeds 0–5), each as a turntable strip;
* ``viewer.png``: the viewer dock showing a sample (offscreen Qt screenshot).
"""

from __future__ import annotations

import os
from pathlib import Path

from ganstudio import plugins
from ganstudio.blocks import seeded_normal
from ganstudio.core.data.shapes import CLASSES, ProceduralShapes
from ganstudio.core.imaging import make_grid
from ganstudio.core.model_files import resolve_model
from ganstudio.core.models import load_model
from ganstudio.core.voxels import render_grid, turntable

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "voxels"
WHITE = (255, 255, 255, 255)


def main() -> None:
    import torch

    OUT.mkdir(parents=True, exist_ok=True)
    shapes = ProceduralShapes(size=32, count=len(CLASSES), seed=0)
    views = [
        render_grid(shapes[i].grid, size=128, background=WHITE, supersample=2).convert("RGB")
        for i in range(len(CLASSES))
    ]
    make_grid(views, columns=len(views)).save(OUT / "procedural.png", optimize=True)
    model = load_model(resolve_model("gan3d-shapes-32"), plugins.get_registry())
    with torch.no_grad():
        z = seeded_normal(6, int(model.config.z_dim), seed=0)
        grids = model.generator.eval()(z)[:, 0].numpy()
    frames = [f.convert("RGB") for g in grids for f in turntable(g, 4, 112)]
    make_grid(frames, columns=8).save(OUT / "samples.png", optimize=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ganstudio.gui.voxel_view import VoxelViewer

    app = QApplication.instance() or QApplication([])
    viewer = VoxelViewer()
    viewer.resize(360, 440)
    viewer.show()
    viewer.show_result(grids, {"action": "voxel-preview"}, threshold=0.5)
    app.processEvents()
    viewer.grab().save(str(OUT / "viewer.png"))
    print("wrote", ", ".join(p.name for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
