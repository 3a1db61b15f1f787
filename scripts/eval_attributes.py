"""Does each attribute slider move its own attribute, and the others less?

Loads a W-space model with directions (default: the newest
resources/models/stylegan-faces-*.safetensors), trains an *independent*
attribute classifier on procedural faces (other images and seed than the
fit's), moves every chosen direction from -A to +A over N seeds, and prints
the mean change of each measured attribute in units of its spread in the data:
the diagonal should dominate.  Also renders the README's attribute sweep.

    .venv/bin/python scripts/eval_attributes.py [--model M] [--figure docs/stylegan_attributes.png]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.core.data.tensors import ProceduralFacesDataset, tensor_to_pil  # noqa: E402
from ganstudio.core.jobs import drive  # noqa: E402
from ganstudio.core.models import load_model  # noqa: E402
from ganstudio.plugins import get_registry  # noqa: E402
from plugins.stylegan.editing.attributes import edit_ws  # noqa: E402
from plugins.stylegan.editing.classifier import (  # noqa: E402
    classifier_size,
    load_labelled,
    train_classifier,
)
from plugins.stylegan.editing.directions import safe_name  # noqa: E402
from plugins.stylegan.editing.evaluate import attribute_response  # noqa: E402
from plugins.stylegan.editing.wspace import broadcast, layer_groups, render, w_for_seeds  # noqa: E402

MEASURED = ("smile", "age", "glasses", "hair_length", "head_turn", "beard", "skin_tone", "eye_open")


def default_model() -> Path:
    found = sorted((ROOT / "resources" / "models").glob("stylegan-faces-*.safetensors"))
    if not found:
        raise SystemExit("no resources/models/stylegan-faces-*.safetensors; pass --model")
    return found[-1]


def sweep_figure(G, directions, names, seed, amounts, cell, path: Path) -> None:
    """Rows: directions; columns: slider values; one face (seed) throughout."""
    ws = broadcast(w_for_seeds(G, [seed], 0.7), int(G.num_ws))
    label_w, head = 110, 18
    sheet = Image.new("RGB", (label_w + cell * len(amounts), head + cell * len(names)), "white")
    draw = ImageDraw.Draw(sheet)
    for j, a in enumerate(amounts):
        draw.text((label_w + j * cell + cell // 2 - 10, 3), f"{a:+g}", fill="black")
    for i, name in enumerate(names):
        draw.text((6, head + i * cell + cell // 2 - 6), name.replace("_", " "), fill="black")
        edits = torch.cat(
            [edit_ws(ws, directions, {name: a}, groups=layer_groups(G)) for a in amounts]
        )
        for j, img in enumerate(render(G, edits)):
            tile = tensor_to_pil(img).resize((cell, cell), Image.Resampling.LANCZOS)
            sheet.paste(tile, (label_w + j * cell, head + i * cell))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path)
    ap.add_argument("--seeds", type=int, default=64, help="faces averaged per direction")
    ap.add_argument("--amount", type=float, default=2.0, help="slider moved from -A to +A")
    ap.add_argument("--steps", type=int, default=600, help="evaluator classifier steps")
    ap.add_argument(
        "--keep-fixed",
        default="skin_tone,beard,age",
        help="directions held fixed in the conditional smile row",
    )
    ap.add_argument("--figure", type=Path, help="write the attribute sweep here")
    ap.add_argument("--figure-seed", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    model = load_model(args.model or default_model(), get_registry())
    G = model.generator.eval()
    directions = {k: v.float() for k, v in model.extras.get("directions", {}).items()}
    if not directions:
        raise SystemExit(f"{model.path.name} carries no directions: run 'ganstudio directions fit'")
    resolution = int(model.config.resolution)
    data = ProceduralFacesDataset(size=resolution, count=3000, seed=12345)  # not the fit's data
    images, labels = load_labelled(data, len(data))
    net = drive(
        train_classifier(images, labels, args.steps, seed=99, size=classifier_size(resolution))
    )
    names = [safe_name(n) for n in data.label_names]
    measured = [m for m in MEASURED if m in names]
    cols = [names.index(m) for m in measured]
    std = labels.std(0)
    seeds = list(range(1000, 1000 + args.seeds))
    print(
        f"model {model.path.name}; {len(seeds)} faces; slider -{args.amount:g} -> "
        f"+{args.amount:g}; change of the evaluator's score in label std units\n"
    )
    print(f"{'edit':>18} | " + " ".join(f"{m[:9]:>9}" for m in measured) + " | own/max-other")
    for edit in [m for m in measured if m in directions]:
        d = attribute_response(G, directions, net, edit, seeds, args.amount, label_std=std)[cols]
        own = float(d[measured.index(edit)])
        other = max(abs(float(v)) for k, v in zip(measured, d, strict=True) if k != edit)
        print(
            f"{edit:>18} | "
            + " ".join(f"{float(v):+9.2f}" for v in d)
            + f" | {own / max(other, 1e-6):6.1f}"
        )
    keep = [k for k in args.keep_fixed.split(",") if k in directions and k != "smile"]
    if "smile" in directions and keep:
        d = attribute_response(
            G, directions, net, "smile", seeds, args.amount, keep_fixed=keep, label_std=std
        )[cols]
        others = max(abs(float(v)) for k, v in zip(measured, d, strict=True) if k != "smile")
        print(
            f"{'smile, fixed: ' + ','.join(keep):>18} | "
            + " ".join(f"{float(v):+9.2f}" for v in d)
            + f" | {float(d[measured.index('smile')]) / max(others, 1e-6):6.1f}"
        )
    if args.figure:
        rows = [
            m
            for m in ("smile", "age", "glasses", "hair_length", "head_turn", "beard")
            if m in directions
        ]
        sweep_figure(
            G, directions, rows, args.figure_seed, [-3, -2, -1, 0, 1, 2, 3], 64, args.figure
        )
        print(f"\nwrote {args.figure}")
    print(f"({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
