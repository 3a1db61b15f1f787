"""CycleGAN: the cycle loss falls, the history pool, unpaired folders, translate both ways."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.device import Precision
from ganstudio.core.sources import open_dataset
from ganstudio.core.specs import DataRequest, apply_overrides
from ganstudio.testing import build_model

TINY = dict(resolution=32, generator="resnet_6blocks", ngf=4, ndf=4, lr=2e-3, pool_size=4)


def _routine_module(registry):
    pkg = sys.modules[registry.variant("cyclegan").config.__module__].__package__
    return importlib.import_module(f"{pkg}.routine")


class _Ctx:
    device = torch.device("cpu")
    precision = Precision(torch.device("cpu"), False)
    rank, world_size, batch_size, label_names = 0, 1, 2, ()


def _tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image, np.float32).copy()).permute(2, 0, 1) / 127.5 - 1


def test_cycle_loss_falls_on_a_tiny_set(registry) -> None:
    torch.manual_seed(0)
    variant = registry.variant("cyclegan")
    cfg = apply_overrides(variant.config(), TINY)
    models = variant.build(cfg)
    routine = variant.routine(models, cfg, registry.objective("lsgan").factory(), _Ctx())
    faces = ProceduralFaces(size=32, count=4, seed=1)
    a = torch.stack([_tensor(faces[i].image) for i in (0, 1)])
    b = torch.stack([_tensor(ImageOps.posterize(faces[i].image, 2)) for i in (2, 3)])  # unpaired
    cycles = [routine.step({"source": a, "image": b})["cycle"] for _ in range(6)]
    assert cycles[-1] < 0.8 * cycles[0], cycles
    assert routine.samples(2, 0).shape == (2, 3, 32, 32)
    with torch.no_grad():  # the generators now roughly invert each other
        G = models["G"].eval()
        assert F.l1_loss(G.b2a(G.a2b(a)), a) < cycles[0] / 2


def test_history_pool(registry) -> None:
    pool = _routine_module(registry).ImagePool(2, seed=0)
    first = torch.arange(2.0).view(2, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # filling up: returned as they are
    seen = set()
    for i in range(20):
        out = pool.query(torch.full((1, 1, 1, 1), 10.0 + i))
        seen.add(float(out))
    assert seen & {0.0, 1.0}  # older images came back instead of new ones
    assert seen - {0.0, 1.0}  # and new ones passed through too
    assert torch.equal(_routine_module(registry).ImagePool(0).query(first), first)


def test_unpaired_folders_and_translate(registry, run_action, tmp_path) -> None:
    for side, colour in (("A", (200, 0, 0)), ("B", (0, 0, 200))):
        (tmp_path / side).mkdir()
        for i in range(2 if side == "A" else 3):
            Image.new("RGB", (20, 20), colour).save(tmp_path / side / f"{i}.png")
    data = open_dataset(
        registry, f"unpaired:{tmp_path}", DataRequest(resolution=16, kind="unpaired")
    )
    item = data[0]
    assert len(data) == 3 and item["source"][0].mean() > 0.5 and item["image"][2].mean() > 0.5
    cfg = apply_overrides(registry.variant("cyclegan").config(), TINY)
    model = build_model(registry, "cyclegan", cfg)
    for m in model.generator.modules():
        if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
            m.reset_parameters()
    photo = Image.new("RGB", (30, 22), (90, 140, 30))

    def run(**params) -> np.ndarray:
        return np.asarray(
            run_action("translate", model=model, params=params, image=photo).images[0]
        )

    a2b, b2a = run(direction="a2b"), run(direction="b2a")
    assert a2b.shape == (22, 30, 3) and not np.array_equal(a2b, b2a)
    assert run(direction="a2b", full_size=True).shape == (22, 30, 3)
