"""Benchmark: procedural faces per second on one core, at 64 and 128 px.

Usage: python scripts/bench_procedural.py [--count N] [--sizes 64 128]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

if importlib.util.find_spec("ganstudio") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganstudio.core.data.procedural import ProceduralFaces  # noqa: E402


def faces_per_second(size: int, count: int, seed: int = 0) -> float:
    """Render ``count`` faces (image, sketch, labels) and return the rate."""
    faces = ProceduralFaces(size=size, count=count, seed=seed)
    faces[0]  # warm-up: first-call imports and caches
    start = time.perf_counter()
    for i in range(count):
        faces[i]
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="faces per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    args = parser.parse_args()
    for size in args.sizes:
        rate = faces_per_second(size, args.count)
        print(f"{size:4d} px: {rate:7.0f} faces/s")


if __name__ == "__main__":
    main()
