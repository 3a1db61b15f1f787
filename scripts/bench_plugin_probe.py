"""What the plugin probe costs: `ganstudio plugins` with N new drop-in plugins, then again.

Prints the wall time of the first start (every plugin new: probed in child
processes, in parallel) and of the next starts (verdicts cached by file hash),
and the same with the probe's cache warm but one plugin edited.

    python scripts/bench_plugin_probe.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGIN = """
from ganstudio.core.specs import Action, ActionResult
GANSTUDIO_API = 1
def ganstudio_actions():
    return [Action("bench-{i}", "Bench {i}", lambda m, p, i: ActionResult([]))]
"""


def start(env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ganstudio", "plugins"], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plugins"
        folder.mkdir()
        for i in range(n):
            (folder / f"bench_{i}.py").write_text(PLUGIN.replace("{i}", str(i)))
        base = {**os.environ, "PYTHONPATH": str(REPO), "GANSTUDIO_PLUGIN_PATH": str(folder)}
        env = {**base, "GANSTUDIO_HOME": str(Path(tmp) / "home")}
        first = start(env)
        cached = [start(env) for _ in range(3)]
        (folder / "bench_0.py").write_text(PLUGIN.replace("{i}", "0") + "\n# edited\n")
        edited = start(env)
        none = [
            start({**base, "GANSTUDIO_HOME": str(Path(tmp) / "home2"), "GANSTUDIO_PLUGIN_PATH": ""})
            for _ in range(3)
        ]
    c, z = statistics.median(cached), statistics.median(none)
    print(f"{n} new third-party plugins, first start (all probed): {first:.2f} s")
    print(f"next starts (cached verdicts), median of 3:          {c:.2f} s")
    print(f"one plugin edited (one probe):                        {edited:.2f} s")
    print(f"no third-party plugins at all, median of 3:           {z:.2f} s")
    print(f"probe cost on first start: {first - c:+.2f} s; cached start vs none: {c / z:.2f}x")


if __name__ == "__main__":
    main()
