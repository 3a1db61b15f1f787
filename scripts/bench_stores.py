"""What the store guards cost (issue #12): job progress writes, resume checks, temp cleanup.

Prints figures and ratios measured in one run; no assertions.

    PYTHONPATH=. python scripts/bench_stores.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ganstudio.core.atomic import remove_stale_temps
from ganstudio.core.batch import BatchOptions, BatchRunner
from ganstudio.core.jobs import Job, JobStore
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import Action, ActionResult, Variant


def _timeit(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def bench_progress(folder: Path) -> None:
    store = JobStore(folder / "jobs.sqlite")

    def work(job):
        yield None

    job = Job("bench", work, spec={"type": "batch"})
    store.record(job)
    i = 0

    def throttled() -> None:
        nonlocal i
        i += 1
        job.fraction = i / 1e6
        store.progress(job)  # within PROGRESS_EVERY_S of the last write: no write

    def written() -> None:
        nonlocal i
        i += 1
        job.fraction = i / 1e6
        store.progress(job, every_s=0)

    skip = _timeit(throttled, 20000)
    write = _timeit(written, 200)
    print(
        f"JobStore.progress: {skip * 1e6:.1f} µs when throttled, {write * 1e3:.2f} ms "
        f"when it writes (ratio {write / skip:.0f}); at most one write per 2 s per job"
    )


def bench_resume(folder: Path, n: int = 200) -> None:
    src, dst = folder / "in", folder / "out"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(
            src / f"{i:04d}.png"
        )
    action = Action(
        "mirror",
        "Mirror",
        lambda m, p, x: ActionResult([ImageOps.mirror(x["image"])]),
        input_kind="image",
        batchable=True,
    )
    model = LoadedModel(
        path=None,
        variant=Variant("t", "T", object, lambda c: {}),
        variant_id="t",
        config=None,
        modules={},
    )

    def run(resume: bool) -> float:
        runner = BatchRunner(action, model, src, dst, {}, BatchOptions(resume=resume))
        t0 = time.perf_counter()
        for _ in runner.run():
            pass
        return time.perf_counter() - t0

    full = run(False)
    resumed = run(True)
    print(
        f"batch of {n} 256² PNGs: {full * 1e3 / n:.2f} ms per file processed, "
        f"{resumed * 1e3 / n:.2f} ms per file skipped by --resume (input hashed, output "
        f"decoded and its provenance compared); ratio {full / resumed:.1f}"
    )


def bench_cleanup(folder: Path, n: int = 10000) -> None:
    many = folder / "many"
    many.mkdir()
    for i in range(n):
        (many / f"{i:05d}.png").touch()
    t = _timeit(lambda: remove_stale_temps(many), 5)
    print(f"remove_stale_temps on a folder of {n} files: {t * 1e3:.1f} ms")


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_progress(folder)
        bench_resume(folder)
        bench_cleanup(folder)


if __name__ == "__main__":
    main()
