"""Framework cost of the Trainer: images/s vs a plain PyTorch loop, same DCGAN.

Both train the same DCGAN (built by the dcgan plugin), on the same in-memory
procedural faces, with the same batch size, optimizer and device; the plain
loop is pytorch/examples' dcgan/main.py loop (BCE, Adam, .item() per step).
The Trainer runs with its defaults (EMA generator, metrics every 10 steps)
and no sample/checkpoint cadence inside the timed window.  The two are
interleaved over several rounds and the median is reported, so a busy
machine affects both alike.

    python scripts/bench_train.py [--resolution 64] [--batch 64] [--steps 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F

from ganstudio import plugins
from ganstudio.core import hostmem
from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.device import pick_device
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions


class InMemory(torch.utils.data.Dataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"image": self.images[i]}


def plain_loop(
    variant, config, data: InMemory, batch: int, warmup: int, steps: int, device: torch.device
) -> float:
    """images/s of the reference loop over ``steps`` after ``warmup`` steps."""
    torch.manual_seed(0)
    models = variant.build(config)
    G, D = models["G"].to(device), models["D"].to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr, betas=(config.beta1, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr, betas=(config.beta1, 0.999))
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, drop_last=True)
    it = iter(loader)
    t0 = 0.0
    for i in range(warmup + steps):
        if i == warmup:
            t0 = time.perf_counter()
        try:
            real = next(it)["image"].to(device)
        except StopIteration:
            it = iter(loader)
            real = next(it)["image"].to(device)
        z = torch.randn(real.size(0), config.z_dim, device=device)
        fake = G(z)
        opt_d.zero_grad(set_to_none=True)
        d_real, d_fake = D(real), D(fake.detach())
        loss_d = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        g_fake = D(fake)
        loss_g = F.binary_cross_entropy_with_logits(g_fake, torch.ones_like(g_fake))
        loss_g.backward()
        opt_g.step()
        _ = (loss_d.item(), loss_g.item(), d_real.mean().item(), d_fake.mean().item())
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - t0)


def trainer_loop(
    registry, variant, config, data: InMemory, batch: int, warmup: int, steps: int, device: str
) -> float:
    options = TrainOptions(
        steps=warmup + steps,
        batch_size=batch,
        device=device,
        num_workers=0,
        sample_every=0,
        checkpoint_every=0,
        log_every=10,
    )
    with tempfile.TemporaryDirectory() as out:
        trainer = Trainer(variant, config, data, out, options, registry.objective("bce").factory())
        t0 = t1 = 0.0
        for event in trainer.run():
            if event.kind == "step" and event.step == warmup:
                t0 = time.perf_counter()
            elif event.kind == "step" and event.step == warmup + steps:
                if torch.cuda.is_available() and device != "cpu":
                    torch.cuda.synchronize()
                t1 = time.perf_counter()
    return steps * batch / (t1 - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--system-malloc",
        action="store_true",
        help="leave glibc's allocator at its defaults (see core/hostmem.py)",
    )
    args = parser.parse_args()
    if not args.system_malloc:
        hostmem.tune()  # as 'ganstudio train' does, for both loops

    registry = plugins.get_registry()
    variant = registry.variant("dcgan")
    config = apply_overrides(variant.config(), {"resolution": str(args.resolution)})
    device = pick_device(args.device)
    faces = ProceduralFacesDataset(size=args.resolution, count=512, seed=0)
    data = InMemory(torch.stack([faces[i]["image"] for i in range(len(faces))]))
    plain, ours = [], []
    for r in range(args.rounds):
        plain.append(plain_loop(variant, config, data, args.batch, args.warmup, args.steps, device))
        ours.append(
            trainer_loop(
                registry, variant, config, data, args.batch, args.warmup, args.steps, str(device)
            )
        )
        print(f"round {r + 1}: plain {plain[-1]:.1f} img/s, Trainer {ours[-1]:.1f} img/s")
    p, o = statistics.median(plain), statistics.median(ours)
    print(
        f"DCGAN {args.resolution}px, batch {args.batch}, device {device}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"plain PyTorch loop: {p:.1f} img/s")
    print(f"GAN Studio Trainer: {o:.1f} img/s")
    print(f"ratio Trainer/plain: {o / p:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
