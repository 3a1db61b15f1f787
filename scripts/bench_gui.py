"""GUI responsiveness while training: gaps between ticks of a 10 ms timer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_gui.py [--steps 60]

Measured in one run, so machine load affects both alike: first the idle
window for as long as the training will take (the baseline), then the same
window while a small DCGAN trains in the background lane.  Printed: ticks,
the worst gap and the 99th percentile for each, and their ratios.  The test
suite asserts only what is deterministic (no model code on the GUI thread,
tests/gui/test_training_dock.py); this script is where the timings live.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def gaps_ms(ticks: list[float]) -> list[float]:
    return [(b - a) * 1000 for a, b in zip(ticks, ticks[1:], strict=False)]


def summary(name: str, gaps: list[float]) -> tuple[float, float]:
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"{name:10} {len(gaps):6d} {max(gaps):9.1f} {p99:8.1f} {statistics.median(gaps):8.1f}")
    return max(gaps), p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="training steps to measure")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="ganstudio-bench-")
    os.environ["GANSTUDIO_HOME"] = home

    import torch
    from PySide6.QtCore import QSettings, QTimer

    torch.set_num_threads(1)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    from ganstudio.core.jobs import JobStatus
    from ganstudio.gui.app import create_window, make_app
    from ganstudio.gui.tasks import TrainSpec

    app = make_app([])
    window = create_window()
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def pump_until(condition, timeout: float = 600.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    spec = TrainSpec(
        "dcgan",
        "procedural:faces?count=256",
        str(Path(home) / "runs" / "b"),
        {"resolution": 32, "width": 16, "z_dim": 32},
        {
            "steps": args.steps + 5,
            "batch_size": 32,
            "num_workers": 0,
            "sample_every": 10,
            "checkpoint_every": 0,
            "ema_decay": 0.0,
        },
    )
    window.submit_training(spec)
    job = window.runner.jobs[-1]
    # measure the training itself, not torch's import and the data set up
    pump_until(lambda: job.status == JobStatus.RUNNING and (job.fraction or 0) > 0)
    timer.start()
    t0 = time.perf_counter()
    pump_until(lambda: job.status.finished)
    timer.stop()
    busy_s = time.perf_counter() - t0
    busy = gaps_ms(ticks)
    pump_until(lambda: not window.runner.busy)
    ticks.clear()  # the baseline: the same window, idle, for as long
    timer.start()
    end = time.perf_counter() + busy_s
    pump_until(lambda: time.perf_counter() >= end)
    timer.stop()
    idle = gaps_ms(ticks)
    print(f"10 ms timer, {busy_s:.1f} s each; gaps in ms")
    print(f"{'':10} {'ticks':>6} {'worst':>9} {'p99':>8} {'median':>8}")
    worst_idle, p99_idle = summary("idle", idle)
    worst_busy, p99_busy = summary("training", busy)
    print(
        f"ratio training/idle: worst {worst_busy / worst_idle:.2f}, p99 {p99_busy / p99_idle:.2f}"
    )
    window.close()
    return 0 if job.status == JobStatus.DONE else 1


if __name__ == "__main__":
    sys.exit(main())
