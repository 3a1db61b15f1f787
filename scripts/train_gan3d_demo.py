"""Train the bundled 3D-GAN demo on procedural shapes, then its image → shape encoder.

Deterministic (seeded, one thread, no loader workers) and small enough for a
shared CPU: measured 101 s of CPU time (user) with the defaults (32³ shapes, width 8;
15 minutes of wall time on the shared 2-core machine), within the 5-minute budget.
A GAN that short learns nothing visible from scratch (measured: 300 adversarial
steps left every voxel under 0.5), so the generator is warm-started by
latent optimisation (GLO, Bojanowski et al. 2018: one learnt code per training
shape, kept on the Gaussian shell, decoded by G with a voxel cross-entropy),
then fine-tuned adversarially through the real Trainer.  The quality is modest
(blobby furniture); more steps and width give better shapes:

    .venv/bin/python scripts/train_gan3d_demo.py                       # the bundled demo
    .venv/bin/python scripts/train_gan3d_demo.py --steps 20000 --width 32 \\
        --objective wgan-gp --out runs/gan3d-big -o gan3d-big.safetensors  # GPU: much better

Writes resources/models/gan3d-shapes-32.safetensors: the EMA generator (role
``G_ema``) and the encoder (extra tensors ``encoder.*``, which
``image-to-shape`` uses).  ``--encoder-only MODEL`` trains and adds an encoder
to an existing gan3d model file.

The encoder is trained on renders of the procedural shapes (the software
renderer, random views around the viewer's default): its z, through the
frozen generator, must rebuild the rendered shape (binary cross-entropy on
the voxels, weighted for the few solid ones).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.shapes import ProceduralShapes
from ganstudio.core.data.voxel_tensors import ProceduralShapesDataset
from ganstudio.core.models import load_model
from ganstudio.core.sources import make_objective
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions
from ganstudio.core.voxels import Camera, render_grid

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "resources" / "models" / "gan3d-shapes-32.safetensors"


def render_views(count: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` procedural shapes and one random view of each: (N, 3, S, S), (N, 1, R, R, R)."""
    shapes = ProceduralShapes(size=32, count=count, seed=seed)
    rng = np.random.default_rng(seed)
    images, grids = [], []
    for i in range(count):
        grid = shapes[i].grid
        camera = Camera(yaw=35.0 + rng.uniform(-40, 40), pitch=rng.uniform(12, 38))
        view = render_grid(grid, camera, size=size, background=(255, 255, 255, 255))
        images.append(np.asarray(view.convert("RGB"), dtype=np.float32))
        grids.append(grid)
    pixels = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2) / 127.5 - 1.0
    return pixels, torch.from_numpy(np.stack(grids))[:, None]


def train_encoder(
    model_path: Path, steps: int, count: int, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Fit the image encoder to the model's frozen generator; returns ``encoder.*`` tensors."""
    sys.path.insert(0, str(REPO / "plugins"))
    from gan3d.models import build_encoder  # the plugin's own module, as the action uses

    registry = plugins.get_registry()
    model = load_model(model_path, registry)
    G = model.generator.eval().requires_grad_(False)
    cfg = model.config
    t0 = time.perf_counter()
    images, grids = render_views(count, cfg.encoder_size, seed)
    print(f"rendered {count} views in {time.perf_counter() - t0:.0f} s", flush=True)
    torch.manual_seed(seed)
    E = build_encoder(cfg).train()
    opt = torch.optim.Adam(E.parameters(), lr=1e-3, betas=(0.5, 0.999))
    solid = grids.mean().item()
    weight = torch.tensor((1 - solid) / max(solid, 1e-3)).clamp(1, 20)
    gen = torch.Generator().manual_seed(seed)
    for step in range(1, steps + 1):
        idx = torch.randint(0, count, (16,), generator=gen)
        z = E(images[idx])
        shape = G(z).clamp(1e-5, 1 - 1e-5)
        target = grids[idx]
        bce = -(weight * target * shape.log() + (1 - target) * (1 - shape).log()).mean()
        loss = bce + 1e-3 * z.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps:
            with torch.no_grad():
                iou = ((shape >= 0.5) & (target >= 0.5)).sum() / (
                    (shape >= 0.5) | (target >= 0.5)
                ).sum()
            print(
                f"encoder step {step}: loss {loss.item():.3f}, batch IoU {iou.item():.3f}",
                flush=True,
            )
    return {f"encoder.{k}": v.detach().clone() for k, v in E.state_dict().items()}


def warm_start(
    G: torch.nn.Module, z_dim: int, shapes: int, steps: int, grids: torch.Tensor | None = None
) -> None:
    """GLO: fit G to ``shapes`` shapes (procedural unless ``grids``, (N, 1, R, R, R), are
    given) from learnt codes kept on the shell of radius √z_dim."""
    if grids is None:
        data = ProceduralShapesDataset(size=32, count=shapes, seed=0)
        grids = torch.stack([data[i]["voxels"] for i in range(shapes)])  # (N, 1, 32, 32, 32)
    shapes = len(grids)
    gen = torch.Generator().manual_seed(1)
    codes = torch.randn(shapes, z_dim, generator=gen)
    codes = (codes * (z_dim**0.5) / codes.norm(dim=1, keepdim=True)).requires_grad_(True)
    opt = torch.optim.Adam(
        [{"params": G.parameters(), "lr": 2e-3}, {"params": [codes], "lr": 3e-2}]
    )
    solid = grids.mean().item()
    weight = (1 - solid) / max(solid, 1e-3)
    G.train()
    for step in range(1, steps + 1):
        idx = torch.randint(0, shapes, (16,), generator=gen)
        out = G(codes[idx]).clamp(1e-5, 1 - 1e-5)
        target = grids[idx]
        loss = -(min(weight, 10) * target * out.log() + (1 - target) * (1 - out).log()).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            codes.mul_((z_dim**0.5) / codes.norm(dim=1, keepdim=True))
        if step % 50 == 0 or step == steps:
            with torch.no_grad():
                hit = ((out >= 0.5) & (target >= 0.5)).sum() / (
                    (out >= 0.5) | (target >= 0.5)
                ).sum()
            print(
                f"warm start {step}/{steps}: loss {loss.item():.3f}, IoU {hit.item():.3f}",
                flush=True,
            )


def train_gan(args: argparse.Namespace, run: Path) -> Path:
    import dataclasses

    registry = plugins.get_registry()
    variant = registry.variant("gan3d")
    overrides = dict(
        resolution=32,
        z_dim=args.z_dim,
        width=args.width,
        objective=args.objective,
        lr_g=args.lr_g,
        lr_d=args.lr_d,
        d_steps=1,
    )
    config = apply_overrides(variant.config(), overrides)
    built = variant.build(config)
    if args.warm_steps:
        warm_start(built["G"], config.z_dim, args.warm_shapes, args.warm_steps)
    # the Trainer builds the models through the variant: hand it the warm-started ones
    variant = dataclasses.replace(variant, build=lambda cfg: built)
    data = ProceduralShapesDataset(size=32, count=6000, seed=0)
    opts = TrainOptions(
        steps=args.steps,
        batch_size=args.batch_size,
        num_workers=0,
        sample_every=max(1, args.steps // 4),
        sample_count=16,
        checkpoint_every=args.steps,
        log_every=25,
        device="cpu",
        amp=False,
        seed=0,
    )
    trainer = Trainer(
        variant,
        config,
        data,
        run,
        opts,
        make_objective(registry, config),
        variant_id="gan3d",
        data_spec="procedural:shapes?count=6000&seed=0",
    )
    for event in trainer.run():
        if event.kind in ("step", "sample", "done") and (
            event.kind != "step" or event.step % 25 == 0
        ):
            losses = ", ".join(f"{k} {v:.3f}" for k, v in event.losses.items())
            print(f"{event.kind} {event.step}/{event.total}: {losses}", flush=True)
    return run / "checkpoints" / "latest.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="adversarial steps")
    parser.add_argument("--warm-steps", type=int, default=450, help="GLO steps (0: none)")
    parser.add_argument("--warm-shapes", type=int, default=600)
    parser.add_argument("--encoder-steps", type=int, default=250)
    parser.add_argument("--encoder-shapes", type=int, default=600)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--z-dim", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--objective", default="bce")
    parser.add_argument("--lr-g", type=float, default=2e-4)
    parser.add_argument("--lr-d", type=float, default=1e-4)
    parser.add_argument("--out", type=Path, help="run folder (default: a temporary folder)")
    parser.add_argument("-o", "--output", type=Path, default=TARGET)
    parser.add_argument(
        "--encoder-only", type=Path, metavar="MODEL", help="add an encoder to MODEL"
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    if args.encoder_only:
        encoder = train_encoder(args.encoder_only, args.encoder_steps, args.encoder_shapes)
        checkpoints.add_tensors(args.encoder_only, encoder, args.output)
        print(f"wrote {args.output} in {time.perf_counter() - t0:.0f} s")
        return
    with tempfile.TemporaryDirectory() as tmp:
        run = args.out or Path(tmp) / "run"
        ckpt = train_gan(args, run)
        tensors, header = checkpoints.load_model_file(ckpt)
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        generator_only = Path(tmp) / "g.safetensors"
        checkpoints.save_model(generator_only, kept, header)
        print(f"GAN trained in {time.perf_counter() - t0:.0f} s", flush=True)
        encoder = train_encoder(generator_only, args.encoder_steps, args.encoder_shapes)
        meta = {**header, "demo": "scripts/train_gan3d_demo.py", "steps": args.steps}
        checkpoints.save_model(args.output, {**kept, **encoder}, meta)
    print(f"wrote {args.output} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
