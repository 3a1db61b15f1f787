"""Train the demo x2 compact super-resolution model shipped in resources/models/.

Data: photos that scikit-image ships under public-domain / CC0 terms (see each
``skimage.data`` docstring).  Training uses random crops of one set; the
figures are measured on photos the model never saw (chelsea, coffee — both
CC0), against Pillow bicubic up-sampling of the same low-resolution input.

    .venv/bin/python scripts/train_sr_demo.py [--steps 4000] \
        [--out resources/models/sr-compact-x2.safetensors]

Deterministic: seeded data, single thread, fixed options.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torch.utils.data import Dataset

from ganstudio.core import checkpoints
from ganstudio.core.models import load_model, model_meta
from ganstudio.core.training import Trainer, TrainOptions
from ganstudio.plugins import get_registry

TRAIN = (
    "astronaut",
    "camera",
    "rocket",
    "hubble_deep_field",
    "brick",
    "grass",
    "gravel",
    "coins",
    "retina",
    "immunohistochemistry",
    "cell",
    "horse",
)
EVAL = ("chelsea", "coffee")
SCALE = 2


def _rgb(name: str) -> np.ndarray:
    arr = getattr(skdata, name)()
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=2)
    return np.ascontiguousarray(arr[:, :, :3]).astype(np.uint8)  # (H, W, 3)


class PhotoCrops(Dataset):
    """``count`` random crops (flips, 90° turns) of the training photos; item i seeded by i."""

    def __init__(self, names: tuple[str, ...], size: int, count: int, seed: int = 0) -> None:
        self.images = [_rgb(n) for n in names]
        areas = np.array([im.shape[0] * im.shape[1] for im in self.images], dtype=np.float64)
        self.p = areas / areas.sum()
        self.size, self.count, self.seed = size, count, seed

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng(self.seed * 1_000_003 + i)
        im = self.images[rng.choice(len(self.images), p=self.p)]
        y = rng.integers(0, im.shape[0] - self.size + 1)
        x = rng.integers(0, im.shape[1] - self.size + 1)
        crop = im[y : y + self.size, x : x + self.size]
        crop = np.rot90(crop, k=int(rng.integers(4)))
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        t = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1).float()
        return {"image": t / 127.5 - 1}  # (3, size, size) in [-1, 1]


def evaluate(G: torch.nn.Module, names: tuple[str, ...]) -> list[dict[str, float | str]]:
    """PSNR / SSIM (RGB, 0-255, a border of SCALE px shaved) for the model and bicubic."""
    rows = []
    for name in names:
        hr = _rgb(name)
        h, w = hr.shape[0] // SCALE * SCALE, hr.shape[1] // SCALE * SCALE
        hr = hr[:h, :w]
        lr = Image.fromarray(hr).resize((w // SCALE, h // SCALE), Image.BICUBIC)
        bic = np.asarray(lr.resize((w, h), Image.BICUBIC))
        x = torch.from_numpy(np.array(lr)).permute(2, 0, 1)[None].float() / 255
        with torch.inference_mode():
            y = G(x).clamp(0, 1)[0].permute(1, 2, 0).numpy()
        sr = (y * 255).round().astype(np.uint8)
        s = slice(SCALE, -SCALE)
        row: dict[str, float | str] = {"image": name}
        for label, img in (("bicubic", bic), ("model", sr)):
            a, b = hr[s, s], img[s, s]
            row[f"psnr_{label}"] = round(float(peak_signal_noise_ratio(a, b, data_range=255)), 2)
            row[f"ssim_{label}"] = round(
                float(structural_similarity(a, b, channel_axis=2, data_range=255)), 4
            )
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--out", default="resources/models/sr-compact-x2.safetensors")
    args = ap.parse_args()
    torch.set_num_threads(1)

    reg = get_registry()
    variant = reg.variant("srvgg")
    config = variant.config(
        scale=SCALE,
        num_feat=32,
        num_conv=10,
        resolution=96,
        lr=5e-4,
        adv_weight=0.0,
        perceptual_weight=0.0,
    )
    config.validate()
    dataset = PhotoCrops(TRAIN, config.resolution, count=200_000, seed=0)
    options = TrainOptions(
        steps=args.steps,
        batch_size=16,
        device="cpu",
        ema_decay=0.995,
        sample_every=0,
        checkpoint_every=1000,
        log_every=100,
        num_workers=0,
        seed=0,
        deterministic=True,
    )
    run_dir = Path(tempfile.mkdtemp(prefix="sr_demo_run_"))
    try:
        trainer = Trainer(
            variant,
            config,
            dataset,
            run_dir,
            options,
            None,
            variant_id="srvgg",
            plugin="srgan",
            data_spec="skimage.data crops",
        )
        gen = trainer.run()
        for event in gen:
            if event.kind == "step" and event.step % 250 == 0:
                print(
                    f"step {event.step}/{event.total} l1={event.losses.get('l1', 0):.4f} "
                    f"{event.img_per_s:.0f} img/s",
                    flush=True,
                )
        model = load_model(run_dir / "checkpoints" / checkpoints.LATEST_NAME, reg)
        G = model.generator.eval()  # the EMA copy
        rows = evaluate(G, EVAL)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    tensors = checkpoints.join_roles({"G": G.state_dict()})
    meta = model_meta(
        "srvgg",
        "srgan",
        config,
        trained_on=(
            "random crops of scikit-image sample photos (public domain / CC0): " + ", ".join(TRAIN)
        ),
        steps=args.steps,
        evaluation=rows,
        evaluation_note=(
            "held-out photos; LR = Pillow bicubic /2; PSNR/SSIM on RGB, border of 2 px shaved"
        ),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.save_model(out, tensors, meta)
    print(json.dumps(rows, indent=1))
    print("\n| photo (held out) | bicubic PSNR | model PSNR | bicubic SSIM | model SSIM |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['image']} | {r['psnr_bicubic']:.2f} dB | {r['psnr_model']:.2f} dB | "
            f"{r['ssim_bicubic']:.4f} | {r['ssim_model']:.4f} |"
        )
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
