"""Render the main window (a generated image, the action panel, the training dock) to PNG.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py docs/screenshot.png

Uses a bundled demo model from resources/models (or trains a tiny DCGAN when
there is none), applies "generate", runs a short training job so the dock
shows live curves and samples, then grabs the window.  User state goes to a
temporary GANSTUDIO_HOME, so the screenshot never touches your settings.
"""

from __future__ import annotations

import argparse
import os
import sys
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


def pick_model(window) -> Path:
    """A bundled model with a generate action; the first one whose variant is loaded."""
    for mf in window.models.files:
        if mf.source == "bundled" and window.models.item_for(mf.path) is not None:
            try:
                variant = window.registry.variant(mf.variant)
            except Exception:  # noqa: BLE001 - a model of a plugin not present
                continue
            ids = [a.id for a in window.registry.actions_for(variant.capabilities, mf.variant)]
            if "generate" in ids:
                return mf.path
    raise SystemExit("no bundled model with a generate action in resources/models")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--train-steps", type=int, default=300)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="ganstudio-shot-")
    os.environ["GANSTUDIO_HOME"] = home

    import torch
    from PySide6.QtCore import QSettings

    torch.set_num_threads(1)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    from ganstudio.gui.app import create_window, make_app
    from ganstudio.gui.tasks import TrainSpec

    app = make_app([])
    window = create_window()
    window.resize(1440, 900)
    window.show()
    app.processEvents()
    model = pick_model(window)
    window.models.select(model)
    wait_until(app, lambda: window.cache.loaded(model) is not None and not window.runner.busy)
    panel = window.actions_panel
    panel.select_action("generate")
    form = panel.form
    values = {"seed": 11, "count": 16}
    form.set_values({k: v for k, v in values.items() if k in form.editors})
    wait_until(app, lambda: not window.runner.busy)
    panel.apply_button.click()
    wait_until(app, lambda: len(window.document) == 1)
    window.canvas.fit()

    spec = TrainSpec("dcgan", "procedural:faces?count=256", str(Path(home) / "runs" / "faces"),
                     {"resolution": 32, "width": 16, "z_dim": 32},
                     {"steps": 400, "batch_size": 32, "num_workers": 0,
                      "sample_every": 25, "sample_count": 16, "checkpoint_every": 0,
                      "ema_decay": 0.0})
    window.submit_training(spec)
    job = window.runner.jobs[-1]
    wait_until(app, lambda: (job.fraction or 0) * 400 >= args.train_steps, timeout=300)
    window.docks["Training"].raise_()
    window.document.set_active(0)
    for _ in range(20):
        app.processEvents()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"wrote {out} ({window.width()}x{window.height()}), model {model.name}")
    window.runner.cancel(job)
    window.document.dirty = False  # no "unsaved changes?" question at close
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
