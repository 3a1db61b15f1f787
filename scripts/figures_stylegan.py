"""README figure: a style-mixing grid from the demo StyleGAN2 (docs/stylegan_mix.png).

Rows take the coarse styles (pose, face shape) of the column faces, like
Figure 3 of the StyleGAN paper; a second grid mixes the fine styles (colours).

    .venv/bin/python scripts/figures_stylegan.py [--model MODEL.safetensors] [--out PNG]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from ganstudio import plugins
from ganstudio.core.actions import run_action
from ganstudio.core.imaging import save_image
from ganstudio.core.models import load_model

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "resources/models/stylegan-faces-32.safetensors"))
    ap.add_argument("--out", default=str(ROOT / "docs/stylegan_mix.png"))
    ap.add_argument("--scale", type=int, default=3, help="upscale factor for the README")
    args = ap.parse_args()
    torch.set_num_threads(1)
    reg = plugins.get_registry()
    model = load_model(args.model, reg)
    action = reg.action_for("style-mix", model.capabilities, model.variant_id)
    panels = []
    for styles in ("coarse", "fine"):
        out = run_action(
            action,
            model,
            {
                "grid": True,
                "rows": "1,2,3,4",
                "columns": "10,11,12,13,14",
                "styles": styles,
                "truncation": 0.7,
            },
        )
        img = out.images[0]
        img = img.resize((img.width * args.scale, img.height * args.scale), Image.LANCZOS)
        label = Image.new("RGB", (img.width, 18), (24, 24, 24))
        ImageDraw.Draw(label).text(
            (4, 3), f"rows take the {styles} styles of the top faces", fill=(230, 230, 230)
        )
        panels += [label, img]
    figure = Image.new("RGB", (panels[1].width, sum(p.height for p in panels)), (24, 24, 24))
    y = 0
    for p in panels:
        figure.paste(p, (0, y))
        y += p.height
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_image(
        args.out,
        figure,
        {
            "app": "GAN Studio",
            "kind": "figure",
            "script": "scripts/figures_stylegan.py",
            "model": Path(args.model).name,
        },
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
