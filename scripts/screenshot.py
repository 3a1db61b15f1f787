"""Render the main window in its main states to PNG (the README's screenshots).

    .venv/bin/python scripts/screenshot.py [--out-dir docs]

Writes, at 1600×1000 (a common laptop screen):

- ``screenshot.png``      generated faces on the canvas and a training run in its dock
- ``gui-model.png``       a model picked: its actions, a live preview of Generate
- ``gui-attributes.png``  Attributes on the StyleGAN demo: grouped sliders, the face edited
- ``gui-upscaling.png``   Super-resolve applied: the canvas grown to the result
- ``gui-training.png``    Tools → Train…: curves, samples, the job in the status bar
- ``gui-face-picker.png`` Project on a photo of two faces: the faces outlined, to click one

Uses the bundled demo models in resources/models.  User state goes to a
temporary GANSTUDIO_HOME, so the screenshots never touch your settings.
Regenerate them whenever the GUI changes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "resources" / "models"
SIZE = (1600, 1000)


def offscreen_screen(size: tuple[int, int]) -> None:
    """Qt's offscreen platform with a screen of ``size`` (its default is 800×800),
    so the window lays out as it does on a real screen of that size."""
    platform = os.environ.get("QT_QPA_PLATFORM") or (
        "" if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") else "offscreen"
    )
    if platform != "offscreen":
        return  # a real display (xvfb-run …): use it as it is
    config = {
        "screens": [
            {
                "name": "shot",
                "x": 0,
                "y": 0,
                "width": size[0],
                "height": size[1],
                "logicalDpi": 96,
                "logicalBaseDpi": 96,
                "dpr": 1,
            }
        ]
    }
    path = Path(tempfile.mkdtemp(prefix="ganstudio-qpa-")) / "screen.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={path}"


def wait_until(app, condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app, window) -> None:
    wait_until(app, lambda: not window.runner.busy or window.runner.running() is not None)
    for _ in range(30):
        app.processEvents()
        time.sleep(0.01)


def model_file(window, name: str):
    from ganstudio.core.model_files import find_model_files

    path = (MODELS / name).resolve()
    return next(m for m in find_model_files() if m.path.resolve() == path)


def pick(app, window, name: str, action: str):
    mf = model_file(window, name)
    window.models.select(mf.path)
    wait_until(app, lambda: window.cache.loaded(mf.path) is not None and not window.runner.busy)
    panel = window.actions_panel
    panel.select_action(action)
    wait_until(app, lambda: panel.form is not None and not window.runner.busy)
    return panel


def shoot(app, window, path: Path) -> None:
    settle(app, window)
    window.grab().save(str(path))
    print(f"wrote {path} ({window.width()}x{window.height()})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "docs"))
    parser.add_argument(
        "--train-steps",
        type=int,
        default=150,
        help="training steps before the training screenshots",
    )
    args = parser.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="ganstudio-shot-")
    os.environ["GANSTUDIO_HOME"] = home
    offscreen_screen(SIZE)

    import torch
    from PIL import Image
    from PySide6.QtCore import QSettings

    torch.set_num_threads(1)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    from ganstudio.core.document import Document
    from ganstudio.gui.app import create_window, make_app
    from ganstudio.gui.tasks import TrainSpec

    app = make_app([])
    window = create_window()
    window.resize(*SIZE)
    window.show()
    app.processEvents()

    # 1. a model picked: Generate previews live
    panel = pick(app, window, "stylegan-faces-32.safetensors", "generate")
    panel.form.set_values({"seed": 11, "truncation": 0.7})
    wait_until(app, lambda: window.canvas.has_preview and not window.runner.busy)
    shoot(app, window, out / "gui-model.png")

    # 2. attributes: the generated face, edited by grouped sliders
    panel.apply_button.click()
    wait_until(app, lambda: len(window.document) == 1)
    panel.select_action("attributes")
    wait_until(app, lambda: panel.form is not None and not window.runner.busy)
    panel.form.set_values({"smile": 2.0, "age": -1.0})
    wait_until(app, lambda: window.canvas.has_preview and not window.runner.busy)
    shoot(app, window, out / "gui-attributes.png")

    # 3. upscaling: a face, super-resolved; the canvas grows to the result
    image = window.document.layer(0).image.copy()
    window.document.dirty = False
    window.set_document(Document())
    face = window.document
    window.add_image(image, "face")
    panel = pick(app, window, "sr-compact-x2.safetensors", "super-resolve")
    panel.apply_button.click()
    wait_until(app, lambda: len(face) == 2 and not window.runner.busy)
    window.canvas.fit()
    shoot(app, window, out / "gui-upscaling.png")

    # 3b. a photo with two faces: Project's "Pick…" outlines them to click one
    from skimage import data

    astronaut = Image.fromarray(data.astronaut())
    photo = Image.new("RGB", (900, 512), (128, 128, 128))
    photo.paste(astronaut, (0, 0))
    photo.paste(astronaut.resize((330, 330)), (560, 90))
    window.document.dirty = False
    window.set_document(Document())
    window.add_image(photo, "two astronauts")
    panel = pick(app, window, "stylegan-faces-32.safetensors", "project")
    window.canvas.fit()
    window.face_picker.start(panel.form.editors["face"])
    settle(app, window)
    shoot(app, window, out / "gui-face-picker.png")
    window.face_picker.cancel()

    # 4. training: generated faces on the canvas, curves and samples in the dock
    window.document.dirty = False
    window.set_document(Document())
    panel = pick(app, window, "stylegan-faces-32.safetensors", "generate")
    panel.form.set_values({"seed": 11, "count": 16})
    wait_until(app, lambda: not window.runner.busy)
    panel.apply_button.click()
    wait_until(app, lambda: len(window.document) == 1)
    window.canvas.fit()
    spec = TrainSpec(
        "dcgan",
        "procedural:faces?count=256",
        str(Path(home) / "runs" / "faces"),
        {"resolution": 32, "width": 16, "z_dim": 32},
        {
            "steps": 400,
            "batch_size": 32,
            "num_workers": 0,
            "sample_every": 25,
            "sample_count": 16,
            "checkpoint_every": 0,
            "ema_decay": 0.0,
        },
    )
    window.submit_training(spec)
    job = window.runner.jobs[-1]
    wait_until(app, lambda: (job.fraction or 0) * 400 >= args.train_steps, timeout=600)
    window.job_status.refresh()
    shoot(app, window, out / "screenshot.png")
    shoot(app, window, out / "gui-training.png")
    window.runner.cancel(job)
    window.document.dirty = False  # no "unsaved changes?" question at close
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
