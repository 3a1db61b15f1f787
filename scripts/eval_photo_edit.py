"""Measure the photo pipeline (detect → align → project → edit → blend back) on real faces.

Runs the real code path (the ``project`` and ``attributes`` actions through
``ganstudio.core.actions``, as the CLI and the GUI do) on face photos from
``../shared/data`` (CelebA crops, ORL faces) and prints, per photo and mean:

* alignment: which detector found the landmarks (success = a face was found);
* PSNR / SSIM on the face (mask > 0.5, photo pixels) after projection, without
  and with pivotal tuning;
* the share of pixels outside the mask left unchanged by an edit (must be 100 %);
* a seam score: mean gradient magnitude on the mask's soft edge in the edited
  photo over the same in the original (1.0 = the seam adds no edges);
* an attribute score: an attribute classifier trained here on procedural faces
  (its own images, not the ones the directions were fitted with) reads smile
  and age off the aligned face before and after smile +2 / age +2; the change
  should be positive.

Usage (CPU minutes: a few seconds per photo per 100 steps with the 32 px demo):

    python scripts/eval_photo_edit.py --count 10 --steps 100 --pti-steps 50
    python scripts/eval_photo_edit.py --figure docs/photo_edit.png --count 1

The photos are the data sets' own (see ../shared/data/README.md for their
terms); nothing here is shipped.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.core.actions import run_action  # noqa: E402
from ganstudio.core.models import load_model  # noqa: E402
from ganstudio.core.photo import face_region, photo_alignment, warp_to_aligned  # noqa: E402
from ganstudio.core.photo.upscale import find_upscaler  # noqa: E402
from ganstudio.plugins import get_registry  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DEMO = ROOT / "resources" / "models" / "stylegan-faces-32.safetensors"


def photos(count: int) -> list[Path]:
    """Half CelebA crops, half ORL faces (one per person), in a fixed order."""
    celeba = sorted((DATA / "celeba_89x109").glob("*.jpg"))
    orl = sorted((DATA / "orl_faces").glob("s*/1.pgm"), key=lambda p: int(p.parent.name[1:]))
    half = (count + 1) // 2
    return celeba[:half] + orl[: count - half]


def masked_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2)[mask].mean())
    return 10 * math.log10(255.0**2 / max(mse, 1e-10))


def masked_ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    _, full = structural_similarity(a, b, channel_axis=2, data_range=255, full=True, win_size=7)
    return float(full.mean(2)[mask].mean())


def seam_score(edited: np.ndarray, original: np.ndarray, band: np.ndarray) -> float:
    def grad(x: np.ndarray) -> np.ndarray:
        g = x.astype(np.float64).mean(2)
        gy, gx = np.gradient(g)
        return np.hypot(gx, gy)

    return float(grad(edited)[band].mean() / max(grad(original)[band].mean(), 1e-6))


def attribute_scorer(resolution: int, steps: int):
    """A classifier of the procedural faces' attributes, trained now on its own images."""
    from ganstudio.core.data.tensors import ProceduralFacesDataset
    from ganstudio.core.jobs import drive

    registry = get_registry()
    pkg = registry.variant("stylegan2").config.__module__.rsplit(".", 1)[0]
    classifier = importlib.import_module(f"{pkg}.editing.classifier")
    torch.manual_seed(0)
    data = ProceduralFacesDataset(size=resolution, count=3000, seed=777)
    images, labels = classifier.load_labelled(data, len(data))
    net = drive(
        classifier.train_classifier(
            images, labels, steps, seed=5, size=classifier.classifier_size(resolution)
        )
    )
    names = list(data.label_names)

    def read(faces: list[Image.Image]) -> dict[str, float]:
        x = torch.stack(
            [
                torch.from_numpy(np.asarray(f.convert("RGB"), np.float32) / 127.5 - 1).permute(
                    2, 0, 1
                )
                for f in faces
            ]
        )
        s = classifier.score(net, x)
        return {n: float(s[:, names.index(n)].mean()) for n in ("smile", "age")}

    return read


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(DEMO))
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--pti-steps", type=int, default=50)
    ap.add_argument("--amount", type=float, default=2.0, help="smile / age edit strength")
    ap.add_argument("--classifier-steps", type=int, default=400)
    ap.add_argument("--no-upscale", action="store_true", help="skip the super-resolver")
    ap.add_argument("--figure", help="write a before/after figure of the first photo here")
    args = ap.parse_args()
    torch.set_num_threads(2)

    registry = get_registry()
    model = load_model(args.model, registry)
    project = registry.action_for("project", model.capabilities, model.variant_id)
    attributes = registry.action_for("attributes", model.capabilities, model.variant_id)
    upscale = None if args.no_upscale else find_upscaler(registry, model.device)
    resolution = int(model.config.resolution)
    score = attribute_scorer(resolution, args.classifier_steps)
    directions = set(model.extras.get("directions", {}))
    print(
        f"model {Path(args.model).name} ({resolution} px), {args.steps} steps + "
        f"{args.pti_steps} PTI steps, upscaler: {'yes' if upscale else 'none'}"
    )
    header = (
        "photo",
        "detector",
        "psnr",
        "psnr_pti",
        "ssim",
        "ssim_pti",
        "unchanged%",
        "seam",
        "d_smile",
        "d_age",
        "s",
    )
    print(" ".join(f"{h:>12}" for h in header))
    rows = []
    figure = None
    for path in photos(args.count):
        start = time.perf_counter()
        photo = Image.open(path).convert("RGB")
        out = run_action(
            project,
            model,
            {"steps": args.steps, "pivotal_tuning": True, "pti_steps": args.pti_steps},
            {"image": photo},
        )
        latents = dict(out.result.latents)
        alignment = photo_alignment(latents)
        region = face_region(alignment)
        x0, y0, x1, y1 = region.box
        full = np.zeros(photo.size[::-1], np.float32)
        full[y0:y1, x0:x1] = region.alpha
        face, band, outside = full > 0.5, (full > 0.05) & (full < 0.95), full == 0
        orig = np.asarray(photo)
        # the plain projection, blended (noise is off, so ws alone redraws it)
        plain = run_action(attributes, model, {"source": latents}, {"photo": photo})
        plain_img = np.asarray(plain.images[0].convert("RGB"))
        pti_img = np.asarray(out.images[0].convert("RGB"))
        row = {
            "photo": f"{path.parent.name[:6]}/{path.stem}",
            "detector": out.result.info["detector"],
            "psnr": masked_psnr(plain_img, orig, face),
            "psnr_pti": masked_psnr(pti_img, orig, face),
            "ssim": masked_ssim(plain_img, orig, face),
            "ssim_pti": masked_ssim(pti_img, orig, face),
        }
        edits = {}
        for name in ("smile", "age"):
            if name not in directions:
                continue
            edited = run_action(
                attributes,
                model,
                {"source": latents, name: args.amount},
                {"photo": photo},
                upscale=upscale,
            )
            edits[name] = np.asarray(edited.images[0].convert("RGB"))
        ref = edits.get("smile", plain_img)
        row["unchanged%"] = min(
            100.0 * float((img == orig).all(2)[outside].mean())
            for img in [plain_img, *edits.values()]
        )
        row["seam"] = seam_score(ref, orig, band)
        before = score([warp_to_aligned(Image.fromarray(plain_img), alignment)])
        for name, img in edits.items():
            after = score([warp_to_aligned(Image.fromarray(img), alignment)])
            row[f"d_{name}"] = after[name] - before[name]
        row["s"] = time.perf_counter() - start
        rows.append(row)
        print(
            " ".join(
                f"{row.get(h, float('nan')):>12.3f}"
                if not isinstance(row.get(h), str)
                else f"{row[h]:>12}"
                for h in header
            ),
            flush=True,
        )
        if args.figure and figure is None:
            figure = (
                photo,
                out.images[0],
                Image.fromarray(edits.get("smile", plain_img)),
                Image.fromarray(edits.get("age", plain_img)),
            )
    found = [r["detector"] not in ("whole-photo", "none") for r in rows]
    print(
        f"alignment success: {sum(found)}/{len(rows)} "
        f"({', '.join(sorted({r['detector'] for r in rows}))})"
    )
    means = {h: float(np.nanmean([r.get(h, np.nan) for r in rows])) for h in header[2:]}
    print("mean " + " ".join(f"{h}={v:.3f}" for h, v in means.items()))
    if args.figure and figure is not None:
        save_figure(Path(args.figure), figure, args.amount)
    return 0


def save_figure(path: Path, images: tuple[Image.Image, ...], amount: float) -> None:
    titles = ("photo", "projected + PTI", f"smile +{amount:g}", f"age +{amount:g}")
    scale = max(1, 256 // images[0].height)
    w, h = images[0].width * scale, images[0].height * scale
    sheet = Image.new("RGB", (len(images) * (w + 8) + 8, h + 30), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (im, title) in enumerate(zip(images, titles, strict=True)):
        sheet.paste(
            im.convert("RGB").resize((w, h), Image.Resampling.LANCZOS), (8 + i * (w + 8), 24)
        )
        draw.text((8 + i * (w + 8), 6), title, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
