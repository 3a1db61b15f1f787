"""How much a super-resolution model beats bicubic, on photos it never saw.

Runs the real ``super-resolve`` action (tiles, colour handling and all) on
low-resolution copies (Pillow bicubic ÷ scale) of:

- scikit-image's CC0 / public-domain photos that the demo was not trained on
  (chelsea, coffee, clock), always;
- real face photos from ``../shared/data`` when that folder is there:
  CelebA (non-commercial research use; evaluation only, nothing is trained
  on them) and the ORL / AT&T faces (credit: Olivetti Research Laboratory).

It prints PSNR / SSIM (RGB, 0-255, a border of ``scale`` px shaved) for
bicubic and the model, and for the face sets the mean over the photos and the
share of photos where the model wins.

    .venv/bin/python scripts/eval_sr.py [--model sr-compact-x2] [--faces 2500]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PHOTOS = ("chelsea", "coffee", "clock")


def skimage_photo(name: str) -> np.ndarray:
    arr = getattr(skdata, name)()
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=2)
    return np.ascontiguousarray(arr[:, :, :3])


def face_photos(folder: Path, count: int) -> Iterator[np.ndarray]:
    """The first ``count`` photos of a folder (sorted, so every run sees the same)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".png", ".pgm"))
    for path in files[:count]:
        with Image.open(path) as im:
            yield np.asarray(im.convert("RGB"))


def score(hr: np.ndarray, out: np.ndarray, shave: int) -> tuple[float, float]:
    a, b = hr[shave:-shave, shave:-shave], out[shave:-shave, shave:-shave]
    return (
        float(peak_signal_noise_ratio(a, b, data_range=255)),
        float(structural_similarity(a, b, channel_axis=2, data_range=255)),
    )


def compare(hr: np.ndarray, upscale, scale: int) -> dict[str, float]:
    h, w = hr.shape[0] // scale * scale, hr.shape[1] // scale * scale
    hr = hr[:h, :w]
    lr = Image.fromarray(hr).resize((w // scale, h // scale), Image.Resampling.BICUBIC)
    bicubic = np.asarray(lr.resize((w, h), Image.Resampling.BICUBIC))
    model = np.asarray(upscale(lr).convert("RGB"))
    (pb, sb), (pm, sm) = score(hr, bicubic, scale), score(hr, model, scale)
    return {"psnr_bicubic": pb, "psnr_model": pm, "ssim_bicubic": sb, "ssim_model": sm}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--model", default="sr-compact-x2", help="model file or name (default: the bundled demo)"
    )
    ap.add_argument(
        "--faces",
        type=int,
        default=2500,
        help="face photos per set at most (default 2500: all of them)",
    )
    args = ap.parse_args()

    import torch

    from ganstudio.core.actions import run_action
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model
    from ganstudio.plugins import get_registry

    torch.set_num_threads(2)
    reg = get_registry()
    model = load_model(resolve_model(args.model), reg)
    action = reg.action_for("super-resolve", model.capabilities, model.variant_id)
    scale = int(getattr(model.config, "scale", 2))

    def upscale(image: Image.Image) -> Image.Image:
        return run_action(action, model, {}, {"image": image}).composite()

    print(
        f"{args.model}: ×{scale}; LR = Pillow bicubic ÷{scale}; PSNR/SSIM on RGB, "
        f"{scale} px border shaved\n"
    )
    print(
        "| photos (held out) | n | bicubic PSNR | model PSNR | gain | bicubic SSIM "
        "| model SSIM | model wins |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")

    def report(label: str, rows: list[dict[str, float]]) -> None:
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        wins = sum(r["psnr_model"] > r["psnr_bicubic"] for r in rows)
        gain = mean["psnr_model"] - mean["psnr_bicubic"]
        print(
            f"| {label} | {len(rows)} | {mean['psnr_bicubic']:.2f} dB | "
            f"{mean['psnr_model']:.2f} dB | {gain:+.2f} dB | {mean['ssim_bicubic']:.4f} | "
            f"{mean['ssim_model']:.4f} | {wins}/{len(rows)} |",
            flush=True,
        )

    for name in PHOTOS:
        report(f"scikit-image {name}", [compare(skimage_photo(name), upscale, scale)])
    sets = {
        "CelebA faces (89×109)": SHARED / "celeba_89x109",
        "ORL faces (92×112, grey)": SHARED / "orl_faces",
    }
    for label, folder in sets.items():
        if not folder.is_dir():
            print(f"({label}: {folder} not found, skipped)", file=sys.stderr)
            continue
        rows = [
            compare(photo, upscale, scale)
            for photo in tqdm(
                face_photos(folder, args.faces),
                total=args.faces,
                desc=label,
                leave=False,
                file=sys.stderr,
            )
        ]
        report(label, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
