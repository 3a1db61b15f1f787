"""Brush stroke costs: dab rate, stroke set-up and commit, undo memory, screen update.

    QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=1 .venv/bin/python scripts/bench_paint.py

Prints figures measured in this one run (this machine, this load); nothing is asserted.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from ganstudio.core.document import Document  # noqa: E402
from ganstudio.core.paint import Brush, Stroke  # noqa: E402


def timed(fn, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    side = 4096
    doc = Document()
    doc.add_layer(Image.new("RGBA", (side, side), (255, 255, 255, 255)), "paper")
    layer_bytes = side * side * 4
    print(f"layer {side}×{side} ({layer_bytes / 2**20:.0f} MiB)")
    for size in (8, 64, 256):
        stroke = Stroke(np.array(doc.layer(0).image), Brush(size=size, hardness=0.5))
        points = [(100 + 3 * i, 200 + 2 * i) for i in range(200)]
        t = timed(lambda s=stroke, p=points: [s.add_point(x, y) for x, y in p])
        print(
            f"size {size:4d} px: {len(points) / t:8.0f} pointer events/s "
            f"({t / len(points) * 1000:.2f} ms each, spacing 12 %)"
        )
    t_array = timed(lambda: np.array(doc.layer(0).image), 3)
    pixels = np.array(doc.layer(0).image)
    t_setup = timed(lambda: Stroke(pixels, Brush(), copy=False), 3)
    print(
        f"pen down: the layer as an array (Pillow) {t_array * 1000:.0f} ms, "
        f"then the stroke's own set-up {t_setup * 1000:.1f} ms"
    )
    stroke = Stroke(np.array(doc.layer(0).image), Brush(size=40))
    for i in range(300):
        stroke.add_point(200 + i, 300 + i / 3)
    box = stroke.finish()
    t_commit = timed(lambda: doc.apply_patch(0, box, stroke.pixels))
    step = doc._undo[-1]
    print(
        f"commit (one undo step): {t_commit * 1000:.0f} ms; it keeps {step.nbytes / 1024:.0f} KiB"
        f" for a box of {box[2] - box[0]}×{box[3] - box[1]} = "
        f"{step.nbytes / layer_bytes:.2%} of the layer"
    )
    t_undo = timed(doc.undo)
    print(f"undo: {t_undo * 1000:.0f} ms")

    from ganstudio.gui.app import make_app
    from ganstudio.gui.canvas import Canvas

    app = make_app([])
    canvas = Canvas(doc)
    canvas.resize(800, 600)
    canvas.show()
    app.processEvents()
    patch = np.zeros((48, 48, 4), np.uint8)
    t_show = timed(lambda: canvas.show_layer_pixels(0, (100, 100), patch), 50)
    print(f"screen update of a 48 px box on the {side} px layer: {t_show * 1000:.2f} ms")


if __name__ == "__main__":
    main()
