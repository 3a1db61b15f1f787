"""Train the three autoencoders briefly on procedural faces; write figures and the demo AE.

Deterministic (seeded, one thread).  The faces are rendered once (2048 at 32 px)
so the budget goes to training: about 5 CPU minutes for the three variants on
this machine at the default 250 steps each.  Writes

- docs/variants/ae_reconstruct.png, ae_denoise.png, ae_inpaint.png,
  ae_interpolate.png, ae_samples.png (held-out faces, seed 1);
- resources/models/ae-faces-32.safetensors (the AE's EMA weights only);

and prints the held-out numbers the README quotes.  Quality is modest at this
budget; ``--steps 5000`` (about 1.5 h on one core, minutes on a GPU) gives
clearly sharper faces.

    .venv/bin/python scripts/train_autoencoder_demo.py [--steps N] [--no-export]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.actions import run_action
from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.imaging import compose
from ganstudio.core.models import load_model
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "variants"
VARIANTS = ("ae", "vae", "vae-gan")
CONFIG = {"resolution": 32, "width": 32, "latent_dim": 64}


class Faces(torch.utils.data.Dataset):
    """Procedural faces rendered once into memory, as the Trainer's dicts."""

    def __init__(self, count: int, seed: int) -> None:
        faces = ProceduralFaces(size=32, count=count, seed=seed)
        arr = np.stack([np.asarray(faces[i].image, dtype=np.float32) for i in range(count)])
        self.images = torch.from_numpy(arr / 127.5 - 1).permute(0, 3, 1, 2).contiguous()
        self.pil = [faces[i].image for i in range(min(count, 16))]

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": self.images[index]}


def train(registry, variant: str, data: Faces, steps: int, out: Path) -> Path:
    spec = registry.variant(variant)
    config = apply_overrides(spec.config(), CONFIG)
    objective = registry.objective(config.objective).factory() if spec.accepts_objectives else None
    opts = TrainOptions(
        steps=steps,
        batch_size=32,
        num_workers=0,
        sample_every=steps,
        sample_count=16,
        checkpoint_every=steps,
        ema_decay=0.99,
        seed=0,
        device="cpu",
    )
    trainer = Trainer(
        spec,
        config,
        data,
        out,
        opts,
        objective,
        plugin="autoencoder",
        data_spec="procedural:faces?count=2048&seed=0",
    )
    t0 = time.perf_counter()
    for event in trainer.run():
        if event.kind == "step" and (event.step % 50 == 0 or event.step == steps):
            losses = " ".join(f"{k}={v:.4f}" for k, v in event.losses.items())
            print(
                f"{variant} step {event.step}/{steps} {losses} ({time.perf_counter() - t0:.0f} s)"
            )
    return out / "checkpoints" / checkpoints.LATEST_NAME


def _arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / max(float(((a - b) ** 2).mean()), 1e-10)))


def _row(images: list[Image.Image]) -> Image.Image:
    return compose([im.convert("RGB") for im in images], "strip")


def _figure(rows: list[list[Image.Image]], path: Path, scale: int = 3) -> None:
    """Rows of images stacked top to bottom, scaled up (nearest) so 32 px faces show."""
    strips = [_row(r) for r in rows]
    stacked = Image.new("RGB", (max(s.width for s in strips), sum(s.height for s in strips)))
    y = 0
    for strip in strips:
        stacked.paste(strip, (0, y))
        y += strip.height
    big = stacked.resize((stacked.width * scale, stacked.height * scale), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    big.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def evaluate(registry, models: dict[str, Path]) -> None:
    held = ProceduralFaces(size=32, count=8, seed=1)
    faces = [held[i].image for i in range(8)]
    rng = np.random.default_rng(1)
    noisy = [
        Image.fromarray(
            np.clip(
                np.asarray(f, dtype=np.float32) + rng.normal(0, 0.2 * 127.5, (32, 32, 3)), 0, 255
            ).astype(np.uint8)
        )
        for f in faces
    ]
    masks = []
    for i in range(8):
        m = Image.new("L", (32, 32), 0)
        x, y = 6 + (i % 3) * 3, 10 + (i % 2) * 6
        m.paste(255, (x, y, x + 14, y + 10))  # eyes or mouth go missing
        masks.append(m)
    holed = [
        Image.composite(Image.new("RGB", (32, 32), (128, 128, 128)), f, m)
        for f, m in zip(faces, masks, strict=True)
    ]
    rec_rows, den_rows, inp_rows, walks, samples = [faces], [noisy], [holed], [], []
    print("variant  recon PSNR  denoise PSNR (noisy)  hole MSE (grey fill)")
    for variant, path in models.items():
        loaded = load_model(path, registry, torch.device("cpu"))

        def act(action_id: str, params=None, image=None, mask=None, loaded=loaded):
            spec = registry.action_for(action_id, loaded.capabilities, loaded.variant_id)
            inputs = {} if image is None else {"image": image}
            if mask is not None:
                inputs["mask"] = mask
            return run_action(spec, loaded, dict(params or {}), inputs)

        recon = [act("reconstruct", image=f).images[0] for f in faces]
        den = [act("denoise", image=n).images[0] for n in noisy]
        inp = [
            act("inpaint", {"feather": 0}, f, m).images[0]
            for f, m in zip(faces, masks, strict=True)
        ]
        rec_rows.append(recon)
        den_rows.append(den)
        inp_rows.append(inp)
        psnr_rec = np.mean([_psnr(_arr(a), _arr(b)) for a, b in zip(faces, recon, strict=True)])
        psnr_den = np.mean([_psnr(_arr(a), _arr(b)) for a, b in zip(faces, den, strict=True)])
        psnr_noisy = np.mean([_psnr(_arr(a), _arr(b)) for a, b in zip(faces, noisy, strict=True)])
        hole = [np.asarray(m) > 127 for m in masks]
        mse_hole = np.mean(
            [((_arr(a) - _arr(b))[h] ** 2).mean() for a, b, h in zip(faces, inp, hole, strict=True)]
        )
        mse_grey = np.mean(
            [
                ((_arr(a) - _arr(b))[h] ** 2).mean()
                for a, b, h in zip(faces, holed, hole, strict=True)
            ]
        )
        print(
            f"{variant:8s} {psnr_rec:9.2f}  {psnr_den:11.2f} ({psnr_noisy:.2f})"
            f"  {mse_hole:.4f} ({mse_grey:.4f})"
        )
        z_b = act("encode", image=faces[1]).result.latents
        walks.append(act("morph-photos", {"to": z_b, "frames": 8}, faces[0]).images)
        if variant != "ae":
            samples.append(act("generate", {"count": 8, "seed": 0}).images)
    _figure(rec_rows, DOCS / "ae_reconstruct.png")
    _figure(den_rows, DOCS / "ae_denoise.png")
    _figure(inp_rows, DOCS / "ae_inpaint.png")
    _figure(walks, DOCS / "ae_interpolate.png")
    _figure(samples, DOCS / "ae_samples.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=250, help="training steps per variant")
    parser.add_argument("--out", type=Path, default=None, help="runs folder (default: a temp dir)")
    parser.add_argument("--no-export", action="store_true", help="do not write the demo model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    registry = plugins.get_registry()
    root = args.out or Path(tempfile.mkdtemp(prefix="ae-demo-"))
    t0 = time.perf_counter()
    data = Faces(2048, seed=0)
    print(f"rendered {len(data)} faces in {time.perf_counter() - t0:.0f} s")
    models = {v: train(registry, v, data, args.steps, root / v) for v in VARIANTS}
    print(f"trained in {time.perf_counter() - t0:.0f} s; runs in {root}")
    evaluate(registry, models)
    if not args.no_export:
        tensors, header = checkpoints.load_model_file(models["ae"])
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        target = REPO / "resources" / "models" / "ae-faces-32.safetensors"
        info = f"procedural faces (32 px, 2048, seed 0), {args.steps} steps"
        checkpoints.save_model(target, kept, {**header, "trained_on": info})
        print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
