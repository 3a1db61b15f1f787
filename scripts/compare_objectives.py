"""Train the same small GAN with each objective and each stabiliser; write the table.

Every setting trains for the same number of ``step()`` calls on

- the ring of 8 and the grid of 25 2-D Gaussians (``ganstudio.core.toygan``: a
  3-layer MLP GAN), scored by modes covered and the high-quality share of 2 500
  samples (PacGAN's measures, ``ganstudio.core.modes``);
- procedural faces at 16 px (the built-in fully-connected ``gan`` variant),
  scored by FID with the built-in pixel extractor of ``ganstudio.core.metrics``
  (1 000 real against 1 000 generated faces; not comparable with Inception FIDs);

over several seeds, and writes mean ± standard deviation.  Stabilisers are each
switched on alone on top of the non-saturating BCE objective.  Each run is
appended to ``runs.jsonl`` as it ends, so an interrupted comparison resumes
where it stopped; ``--table-only`` rewrites the table from what is there.

The committed table (docs/objectives/compare.md) came from the defaults, on one
CPU thread of a shared machine:

    OMP_NUM_THREADS=1 python scripts/compare_objectives.py

A longer budget gives a clearer picture (the toy GANs are far from converged
after 400 steps): ``--steps 5000 --face-steps 2000 --seeds 5``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganstudio import plugins  # noqa: E402
from ganstudio.core.modes import toy_distribution  # noqa: E402
from ganstudio.core.toygan import stabiliser_presets  # noqa: E402

OBJECTIVES = ("bce", "bce-saturating", "lsgan", "wgan", "wgan-gp", "hinge", "ragan")


def settings(steps: int, lr: float) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, objective, config changes) for every row of the table."""
    for obj in OBJECTIVES:
        yield obj, obj, {}
    for name, changes in stabiliser_presets(steps, lr).items():
        yield f"bce + {name}", "bce", changes


# --------------------------------------------------------------------------- runs


def run_toy(reg: Any, dataset: str, objective: str, changes: dict, seed: int, steps: int) -> dict:
    from ganstudio.core.toygan import ToyConfig, ToyGAN, with_changes

    cfg = with_changes(ToyConfig(hidden=64, batch=128), **changes)
    gan = ToyGAN(toy_distribution(dataset), reg.objective(objective).factory(), cfg, seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        gan.step()
    wall = time.perf_counter() - start
    report = gan.modes(2500)
    return {"modes": report.covered, "hq": report.high_quality, "wall": wall}


_FACES: dict[str, torch.Tensor] = {}


def faces(count: int) -> torch.Tensor:
    """``count`` procedural faces at 16 px, (N, 3, 16, 16) in [-1, 1], made once."""
    if "x" not in _FACES:
        from ganstudio.core.data.tensors import ProceduralFacesDataset

        data = ProceduralFacesDataset(size=32, count=count)
        x = torch.stack([data[i]["image"] for i in range(count)])
        _FACES["x"] = torch.nn.functional.avg_pool2d(x, 2)
    return _FACES["x"]


def run_faces(reg: Any, objective: str, changes: dict, seed: int, steps: int) -> dict:
    from ganstudio.core.device import Precision
    from ganstudio.core.metrics import fid
    from ganstudio.core.specs import RoutineContext, apply_overrides

    variant = reg.variant("gan")
    base = {"resolution": 16, "hidden": 128, "z_dim": 32, "objective": objective}
    cfg = apply_overrides(variant.config(), {**base, **changes})
    torch.manual_seed(seed)
    models = variant.build(cfg)
    device = torch.device("cpu")
    ctx = RoutineContext(device, Precision(device, False), batch_size=64)
    routine = variant.routine(models, cfg, reg.objective(objective).factory(), ctx)
    data = faces(1000)
    g = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(steps):
        routine.step({"image": data[torch.randint(len(data), (64,), generator=g)]})
    wall = time.perf_counter() - start
    G = models["G"].eval()
    with torch.no_grad():
        fake = G(torch.randn(len(data), cfg.z_dim, generator=g))
    score = fid(data, fake) if torch.isfinite(fake).all() else float("nan")
    return {"fid": score, "wall": wall}


# --------------------------------------------------------------------------- table


def _cell(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    v = np.array([x for x in values if np.isfinite(x)], dtype=float) * scale
    if len(v) == 0:
        return "—"
    spread = v.std(ddof=1) if len(v) > 1 else 0.0
    return f"{v.mean():.{digits}f} ± {spread:.{digits}f}"


def write_table(runs: list[dict], out: Path, args: argparse.Namespace) -> str:
    labels = [label for label, _, _ in settings(args.steps, 1e-3)]
    by: dict[tuple[str, str], list[dict]] = {}
    seen = set()
    for r in runs:  # the first run of each (setting, data, seed) if a seed ran twice
        if (r["label"], r["dataset"], r["seed"]) not in seen:
            seen.add((r["label"], r["dataset"], r["seed"]))
            by.setdefault((r["label"], r["dataset"]), []).append(r)

    def col(label: str, dataset: str, key: str) -> list[float]:
        return [float(r[key]) for r in by.get((label, dataset), [])]

    head = (
        "| setting | ring-8 modes (/8) | ring-8 high quality % | grid-25 modes (/25) "
        "| grid-25 high quality % | faces FID (pixels16) | s per toy run | s per faces run "
        "| seeds (ring/grid/faces) |"
    )
    lines = [head, "|" + " --- |" * 9]
    for label in labels:
        toy_wall = col(label, "ring-8", "wall") + col(label, "grid-25", "wall")
        counts = "/".join(str(len(col(label, d, "wall"))) for d in ("ring-8", "grid-25", "faces"))
        lines.append(
            f"| {label} | {_cell(col(label, 'ring-8', 'modes'))} "
            f"| {_cell(col(label, 'ring-8', 'hq'), 100)} "
            f"| {_cell(col(label, 'grid-25', 'modes'))} "
            f"| {_cell(col(label, 'grid-25', 'hq'), 100)} "
            f"| {_cell(col(label, 'faces', 'fid'), 1, 2)} "
            f"| {_cell(toy_wall)} | {_cell(col(label, 'faces', 'wall'))} "
            f"| {counts} |"
        )
    seeds = sorted({r["seed"] for r in runs})
    note = (
        f"Budget: {args.steps} steps per toy run (batch 128, MLP width 64), "
        f"{args.face_steps} steps per faces run (batch 64, 16 px); seeds {seeds} "
        "(the last column says how many ran for each row); mean ± standard deviation over "
        "seeds. Modes and high-quality share from 2 500 "
        "samples (3σ rule); FID from 1 000 real and 1 000 generated faces. "
        "Stabilisers are each switched on alone, on top of non-saturating BCE. Wall times "
        "were measured on a shared, heavily loaded 2-core machine: compare them within the "
        "table only (unrolled and minibatch discrimination cost the most per step)."
    )
    text = "\n".join(lines) + "\n\n" + note + "\n"
    out.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=400, help="steps per toy run")
    ap.add_argument("--face-steps", type=int, default=150, help="steps per faces run")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--seed-list", default="", help="run only these seeds (e.g. 2 or 0,1)")
    ap.add_argument("--sets", default="ring-8,grid-25,faces")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "objectives")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "runs.jsonl"
    runs = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    done = {(r["label"], r["dataset"], r["seed"]) for r in runs}
    reg = plugins.discover()
    seeds = [int(s) for s in args.seed_list.split(",") if s] or list(range(args.seeds))
    if not args.table_only:
        for dataset in args.sets.split(","):
            steps = args.face_steps if dataset == "faces" else args.steps
            lr = 2e-4 if dataset == "faces" else 1e-3
            for label, objective, changes in settings(steps, lr):
                for seed in seeds:
                    if log.exists():  # another process may share the log
                        done |= {
                            (r["label"], r["dataset"], r["seed"])
                            for r in map(json.loads, log.read_text().splitlines())
                        }
                    if (label, dataset, seed) in done:
                        continue
                    if dataset == "faces":
                        result = run_faces(reg, objective, changes, seed, steps)
                    else:
                        result = run_toy(reg, dataset, objective, changes, seed, steps)
                    row = {"label": label, "dataset": dataset, "seed": seed, **result}
                    print(json.dumps(row), flush=True)
                    with log.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")
                    runs.append(row)
    print(write_table(runs, args.out / "compare.md", args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
