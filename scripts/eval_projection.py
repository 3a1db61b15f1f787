"""Projection quality before/after a change: the face in the photo, as the user sees it.

Runs ``ganstudio run project`` (a subprocess per code checkout, so an older
checkout's code can be measured beside this one) on CelebA crops from
``../shared/data`` and prints PSNR / SSIM of the photo-sized result against the
photo inside the face mask of *this* checkout's alignment (mask > 0.5) — the
same pixels for every checkout.

    python scripts/eval_projection.py --code /path/to/old/checkout --code . --steps 60 300
    python scripts/eval_projection.py --existing 'old_{stem}_{steps}.png' --steps 60 300

``--existing`` measures results made earlier (e.g. by an older checkout) instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.core.photo import face_region, locate_face  # noqa: E402
from ganstudio.core.photo.pipeline import face_template  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "celeba_89x109"
DEMO = ROOT / "resources" / "models" / "stylegan-faces-32.safetensors"


def face_mask(photo: Image.Image, resolution: int) -> np.ndarray:
    face = locate_face(
        photo, resolution, template=face_template({"trained_on": "procedural:faces"})
    )
    region = face_region(face.alignment)
    full = np.zeros(photo.size[::-1], np.float32)
    x0, y0, x1, y1 = region.box
    full[y0:y1, x0:x1] = region.alpha
    return full > 0.5


def score(res: np.ndarray, orig: np.ndarray, mask: np.ndarray) -> str:
    """PSNR and SSIM inside the mask, formatted."""
    from skimage.metrics import structural_similarity

    mse = float(((res.astype(np.float64) - orig) ** 2)[mask].mean())
    _, ssim = structural_similarity(
        res, orig, channel_axis=2, data_range=255, full=True, win_size=7
    )
    return f"{10 * np.log10(255**2 / mse):>7.2f} {float(ssim.mean(2)[mask].mean()):>6.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", action="append", default=[], help="checkout to run (repeat)")
    ap.add_argument(
        "--existing", help="measure these files instead: a pattern with {stem} and {steps}"
    )
    ap.add_argument("--model", default=str(DEMO))
    ap.add_argument("--photos", type=int, default=2)
    ap.add_argument("--steps", type=int, nargs="+", default=[60, 300])
    args = ap.parse_args()

    photos = sorted(DATA.glob("*.jpg"))[: args.photos]
    print(f"{'checkout':>24} {'photo':>10} {'steps':>6} {'psnr':>7} {'ssim':>6} {'s':>6}")
    if args.existing:
        for path in photos:
            photo = Image.open(path).convert("RGB")
            mask = face_mask(photo, 32)
            for steps in args.steps:
                res = np.asarray(
                    Image.open(args.existing.format(stem=path.stem, steps=steps)).convert("RGB")
                )
                print(
                    f"{'existing':>24} {path.stem:>10} {steps:>6} "
                    + score(res, np.asarray(photo), mask)
                    + f" {'':>6}"
                )
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for code in args.code:
            env = {**os.environ, "PYTHONPATH": str(Path(code).resolve()), "OMP_NUM_THREADS": "2"}
            for path in photos:
                photo = Image.open(path).convert("RGB")
                mask = face_mask(photo, 32)
                orig = np.asarray(photo)
                for steps in args.steps:
                    out = Path(tmp) / f"{path.stem}_{steps}.png"
                    start = time.perf_counter()
                    # cwd elsewhere: ``-m`` would put the current folder's ganstudio first
                    subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "ganstudio",
                            "run",
                            "project",
                            "--model",
                            str(Path(args.model).resolve()),
                            "--input",
                            str(path),
                            "--param",
                            f"steps={steps}",
                            "-o",
                            str(out),
                            "--no-progress",
                        ],
                        env=env,
                        check=True,
                        capture_output=True,
                        cwd=tmp,
                    )
                    took = time.perf_counter() - start
                    res = np.asarray(Image.open(out).convert("RGB"))
                    print(
                        f"{Path(code).resolve().name:>24} {path.stem:>10} {steps:>6} "
                        + score(res, orig, mask)
                        + f" {took:>6.1f}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
