"""Screenshots of the editor tools: brush, mask, before/after split, seed browser, palette.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_tools.py docs/tools

Renders a 1600×1000 window with a synthetic photo (no data files needed) and
the bundled StyleGAN demo for the seed browser.  Dialogs are drawn into the
window's picture where they sit on screen.  User state goes to a temporary
GANSTUDIO_HOME.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]


def wait_until(app, condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def landscape(w: int = 640, h: int = 420):
    """A synthetic photo: sky gradient, sun, hills, a lake."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    y = np.linspace(0, 1, h)[:, None, None]
    sky = (1 - y) * np.array([90, 150, 235]) + y * np.array([250, 200, 160])
    img = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    d.ellipse((430, 60, 520, 150), fill=(255, 230, 150))
    for i, (base, color) in enumerate(((250, (70, 120, 80)), (300, (40, 90, 60)))):
        pts = [(x, base + 40 * math.sin(x / (90 + 30 * i) + i)) for x in range(0, w + 10, 10)]
        d.polygon([(0, h), *pts, (w, h)], fill=color)
    d.rectangle((0, 340, w, h), fill=(60, 110, 160))
    return img.filter(ImageFilter.GaussianBlur(1)).convert("RGBA")


def grab_with_dialogs(window, dialogs, path: Path) -> None:
    from PySide6.QtGui import QPainter

    pixmap = window.grab()
    painter = QPainter(pixmap)
    for dialog in dialogs:
        if dialog is not None and dialog.isVisible():
            top_left = dialog.frameGeometry().topLeft() - window.geometry().topLeft()
            painter.drawPixmap(top_left, dialog.grab())
    painter.end()
    pixmap.save(str(path))
    print("wrote", path)


def stroke(tools, points, pressure: float = 1.0) -> None:
    from PySide6.QtCore import QPointF

    tool = tools.active_paint_tool()
    tool.press(QPointF(*points[0]), pressure)
    for p in points[1:]:
        tool.move(QPointF(*p), pressure)
    tool.release(QPointF(*points[-1]), pressure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "tools"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="ganstudio-shot-")
    os.environ["GANSTUDIO_HOME"] = home

    from PIL import ImageOps
    from PySide6.QtCore import QPointF, QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    from ganstudio.core.document import Document
    from ganstudio.gui.app import create_window, make_app

    app = make_app([])
    window = create_window()
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    tools, canvas = window.tools, window.canvas

    # 1. the brush in use
    photo = landscape()
    window.add_image(photo, "Photo")
    canvas.fit()
    tools.select_tool("brush")
    tools.settings.update(size=14, hardness=0.9, color=(250, 250, 250))
    stroke(tools, [(60 + 8 * i, 300 - 40 * math.sin(i / 4)) for i in range(40)])
    tools.settings.update(size=30, hardness=0.2, opacity=0.6, color=(220, 60, 50))
    stroke(tools, [(120 + 10 * i, 120 + 25 * math.cos(i / 3)) for i in range(30)])
    tools.settings.update(size=22, hardness=0.8, opacity=1.0, color=(30, 30, 40))
    canvas._set_hover(QPointF(380, 230))
    app.processEvents()
    grab_with_dialogs(window, [], out / "tools-brush.png")

    # 2. a mask: a result painted out over the photo
    window.set_document(Document())
    window.add_image(photo, "Photo")
    window.add_image(ImageOps.posterize(ImageOps.invert(photo.convert("RGB")), 3), "Result")
    canvas.fit()
    tools.select_tool("mask")
    tools.settings.update(size=90, hardness=0.3, opacity=1.0, mask_value=0)
    stroke(tools, [(40 + 12 * i, 380 - 9 * i) for i in range(45)])
    canvas._set_hover(QPointF(300, 220))
    app.processEvents()
    grab_with_dialogs(window, [], out / "tools-mask.png")

    # 3. before/after split over a preview
    window.set_document(Document())
    window.add_image(photo, "Photo")
    canvas.fit()
    tools.select_tool("select")
    canvas.show_preview(ImageOps.posterize(photo.convert("RGB"), 2).convert("RGBA"))
    tools.split_action.setChecked(True)
    canvas.set_compare_split(True)
    canvas.set_split_fraction(0.45)
    app.processEvents()
    grab_with_dialogs(window, [], out / "tools-before-after.png")
    canvas.set_compare_split(False)
    tools.split_action.setChecked(False)
    canvas.clear_preview()

    # 4. the seed browser on the bundled StyleGAN demo
    model = next(mf.path for mf in window.models.files if mf.path.stem == "stylegan-faces-32")
    window.models.select(model)
    wait_until(app, lambda: window.cache.loaded(model) is not None and not window.runner.busy)
    browser = tools.open_seed_browser()
    browser.move(window.geometry().x() + 420, window.geometry().y() + 120)
    browser.browse()
    wait_until(app, lambda: browser.job.status.finished)
    app.processEvents()
    browser.take(5)
    app.processEvents()
    grab_with_dialogs(window, [browser], out / "tools-seed-browser.png")
    browser.close()

    # 5. the command palette
    palette = tools.open_palette()
    palette.search.setText("mask")
    app.processEvents()
    grab_with_dialogs(window, [palette], out / "tools-palette.png")
    palette.hide()
    window.document.dirty = False
    window.runner.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
