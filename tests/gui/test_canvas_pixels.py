"""A small image fitted to the canvas is drawn smoothly; zoomed in, its true pixels show."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ganstudio.core.document import Document
from ganstudio.gui.canvas import Canvas, qimage_to_pil


def checkerboard(n: int = 8) -> Image.Image:
    img = Image.new("RGBA", (n, n))
    img.putdata(
        [
            (255, 255, 255, 255) if (x + y) % 2 else (0, 0, 0, 255)
            for y in range(n)
            for x in range(n)
        ]
    )
    return img


def grey_levels_in_the_middle(canvas: Canvas) -> set[int]:
    shot = qimage_to_pil(canvas.viewport().grab().toImage()).convert("L")
    w, h = shot.size
    middle = shot.crop((w // 2 - 40, h // 2 - 40, w // 2 + 40, h // 2 + 40))
    return {int(v) for v in np.unique(np.asarray(middle))}


def test_fitted_small_image_is_smooth_and_zoomed_in_shows_true_pixels(qtbot) -> None:
    doc = Document()
    doc.add_layer(checkerboard(), "face")
    canvas = Canvas(doc)
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.fit()  # 8 px → about 48× on screen
    assert canvas.smooth
    assert len(grey_levels_in_the_middle(canvas)) > 20  # interpolated, not blocks
    canvas.set_zoom(32.0)  # the user zooms in to inspect pixels
    canvas.centerOn(4, 4)
    assert not canvas.smooth
    assert grey_levels_in_the_middle(canvas) <= {0, 255}  # only the image's own values
    canvas.actual_size()  # 100 %: true pixels too
    assert not canvas.smooth
    canvas.set_zoom(0.5)  # zoomed out: averaged, not every other pixel dropped
    assert canvas.smooth


def test_a_quick_preview_follows_the_pixel_mode(qtbot) -> None:
    doc = Document()
    doc.add_layer(checkerboard(), "face")
    canvas = Canvas(doc)
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.fit()
    canvas.show_preview(checkerboard(4), (0, 0), (8, 8))
    assert canvas._preview.transformationMode().name == "SmoothTransformation"
    canvas.set_zoom(16.0)
    assert canvas._preview.transformationMode().name == "FastTransformation"
