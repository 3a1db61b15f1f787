"""Screenshot of the GAN lab after some live training (docs/objectives/lab*.png).

QT_QPA_PLATFORM=offscreen python scripts/figure_lab.py --data ring-8 --steps 600
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="ring-8")
    ap.add_argument("--objective", default="bce")
    ap.add_argument("--stabilisers", default="", help="comma-separated, e.g. pack,unrolled")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "objectives" / "lab.png")
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from ganstudio import plugins
    from ganstudio.gui.lab import objective_choices
    from ganstudio.gui.lab.panel import GanLabPanel

    app = QApplication.instance() or QApplication([])
    panel = GanLabPanel(objective_choices(plugins.discover()), max_steps=args.steps)
    panel.resize(520, 800)
    panel.show()
    panel.data.setCurrentIndex(panel.data.findData(args.data))
    panel.objective.setCurrentIndex(panel.objective.findData(args.objective))
    for name in filter(None, args.stabilisers.split(",")):
        panel.checks[name].setChecked(True)
    panel.start.click()
    deadline = time.monotonic() + 600
    while panel.steps < args.steps and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(args.out))
    panel.shutdown()
    print(args.out, panel.status.text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
