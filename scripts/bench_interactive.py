"""Live previews per second while a slider is dragged, for each bundled model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_interactive.py [--seconds 2]

For every model in resources/models with an interactive action, the real
window (action panel → controller → interactive job lane → canvas) is driven
by a scripted drag: the first slider of the action moves one step every 16 ms
(a mouse's event rate) for ``--seconds``.  Printed per model: the previews
shown on the canvas during the drag per second, the rate one preview at a time
sustains when nothing else happens (the ceiling: the model's own speed), their
ratio, and whether the last position was the one rendered at the end.
For a sketch action (sketch-to-photo) it prints instead the time from one
stroke update on a 256 px sketch layer to the photo preview on the canvas.
User state goes to a temporary GANSTUDIO_HOME.
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
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.002)


def pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def drag(app, window, mf, action, seconds: float, shown: list[float]) -> None:
    """Drag the action's first slider (an attribute slider when it has them) for
    ``seconds`` and print the preview rates."""
    panel = window.actions_panel
    panel.select_action(action.id)
    wait_until(app, lambda: panel.form is not None and not window.runner.busy)
    grouped = panel.form.grouped_names()  # a model's attribute sliders first
    editors = [panel.form.editors[n] for n in grouped] + list(panel.form.editors.values())
    editor = next((e for e in editors if e.slider is not None), None)
    if editor is None:
        print(f"{mf.name:28} {action.id:12} (no slider)")
        return
    slider = editor.slider
    # the model alone: previews one after another, each waited for
    shown.clear()
    t0 = time.perf_counter()
    n_alone = 15
    for i in range(n_alone):
        slider.setValue(slider.minimum() + (i % 2) + 1)
        wait_until(app, lambda i=i: len(shown) > i and not window.runner.busy)
    alone = n_alone / (time.perf_counter() - t0)
    # the drag: one step per 16 ms frame, back and forth across the range
    shown.clear()
    slider.setValue(slider.minimum())
    wait_until(app, lambda: not window.runner.busy)
    shown.clear()
    slider.setSliderDown(True)
    steps = int(seconds / 0.016)
    span = max(1, slider.maximum() - slider.minimum())
    t0 = time.perf_counter()
    for i in range(steps):
        phase = i % (2 * span)
        slider.setValue(slider.minimum() + (phase if phase < span else 2 * span - phase))
        pump(app, t0 + (i + 1) * 0.016 - time.perf_counter())
    during = len(shown)  # previews on the canvas before the handle is released
    slider.setSliderDown(False)
    last = editor.value()
    wait_until(app, lambda: not window.runner.busy)
    app.processEvents()
    final = window.controller._last_preview
    ok = final is not None and final[1].params.get(editor.param.name) == last
    rate = during / seconds
    print(
        f"{mf.name:28} {action.id:12} {editor.param.name[:14]:14} {rate:8.1f} "
        f"{alone:9.1f} {rate / alone:6.2f}  {'yes' if ok else 'NO'}"
    )


def sketch_latency(app, window, mf, action, shown: list[float], size: int = 256) -> None:
    """Live sketching: the time from one stroke update on a ``size`` px sketch layer
    to its photo preview on the canvas, one update at a time (median of 15)."""
    from PIL import ImageDraw

    window.actions_panel.select_action(action.id)
    layer = window.tools.sketch_layer((size, size))
    window.tools.follow_sketch_action(action)  # what picking the model in the browser does
    wait_until(app, lambda: not window.runner.busy)
    times = []
    for i in range(16):
        ImageDraw.Draw(layer.image).line((20 + 10 * i, 40, 40 + 10 * i, 200), (0, 0, 0, 255), 3)
        shown.clear()
        t0 = time.perf_counter()
        window.tools.stroke_updated.emit(layer.id, (0, 0, size, size))
        wait_until(app, lambda: bool(shown) and not window.runner.busy)
        if i:  # the first one warms up
            times.append(shown[0] - t0)
    ms = 1000 * sorted(times)[len(times) // 2]
    print(f"{mf.name:28} {action.id:16} one stroke update at {size} px → preview: {ms:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--only", default="", help="bundled models whose name contains this")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="ganstudio-bench-")
    os.environ["GANSTUDIO_HOME"] = home

    import torch
    from PySide6.QtCore import QSettings

    torch.set_num_threads(args.threads)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    from ganstudio.core.model_files import find_model_files
    from ganstudio.gui.app import create_window, make_app

    app = make_app([])
    window = create_window()
    window.show()
    shown: list[float] = []
    original = window.canvas.show_preview

    def show_preview(*a, **k):
        shown.append(time.perf_counter())
        original(*a, **k)

    window.canvas.show_preview = show_preview  # type: ignore[method-assign]
    print(
        f"{'model':28} {'action':12} {'slider':14} {'drag /s':>8} {'alone /s':>9} "
        f"{'ratio':>6}  last shown"
    )
    for mf in find_model_files():
        if mf.source != "bundled" or args.only not in mf.name:
            continue
        window.controller.set_model(mf)
        wait_until(
            app, lambda mf=mf: window.cache.loaded(mf.path) is not None and not window.runner.busy
        )
        panel = window.actions_panel
        actions = [a for a in panel.action_specs if a.interactive]
        if not actions:
            print(f"{mf.name:28} (no interactive action)")
            continue
        for action in actions:
            if "sketch" in action.requires:  # live sketching (issue 13): stroke → photo
                sketch_latency(app, window, mf, action, shown)
            else:
                drag(app, window, mf, action, args.seconds, shown)
    window.document.dirty = False
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
