"""How fluid the GAN lab stays while it trains: GUI-thread timer gaps and frames drawn.

Runs the lab on the grid of 25 for a few seconds, ticking a 60 Hz timer on the
GUI thread, and prints the training rate, the frames drawn per second and the
longest gap the GUI thread saw (what a user feels as a stutter).

    QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=1 python scripts/bench_lab.py --seconds 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio import plugins
    from ganstudio.gui.lab import objective_choices
    from ganstudio.gui.lab.panel import GanLabPanel

    app = QApplication.instance() or QApplication([])
    panel = GanLabPanel(objective_choices(plugins.discover()))
    panel.resize(520, 800)
    panel.show()
    panel.data.setCurrentIndex(panel.data.findData("grid-25"))
    ticks: list[float] = []
    drawn: list[int] = []
    timer = QTimer()
    timer.setInterval(16)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    panel.view.show_frame = _counting(panel.view.show_frame, drawn)  # type: ignore[method-assign]
    panel.start.click()
    while panel.steps == 0:  # the first frame: torch and the networks are ready
        app.processEvents()
        time.sleep(0.005)
    first_step = panel.steps
    timer.start()
    start = time.perf_counter()
    drawn.clear()
    while time.perf_counter() - start < args.seconds:
        app.processEvents()
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    steps = panel.steps - first_step
    panel.shutdown()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    print(f"training: {steps / elapsed:.0f} steps/s on the worker thread")
    print(f"frames drawn: {len(drawn) / elapsed:.1f} per second")
    print(
        f"GUI timer (16 ms): {len(ticks)} ticks, longest gap {1000 * max(gaps):.0f} ms, "
        f"median {1000 * sorted(gaps)[len(gaps) // 2]:.0f} ms"
    )
    return 0


def _counting(show, drawn):  # type: ignore[no-untyped-def]
    def wrapped(frame):  # type: ignore[no-untyped-def]
        if frame is not None:
            drawn.append(frame.step)
        return show(frame)

    return wrapped


if __name__ == "__main__":
    raise SystemExit(main())
