"""pix2pix: the edge extractor, the paired data sources, training, sketch-to-photo."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from scipy import ndimage

from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.sources import open_dataset
from ganstudio.core.specs import DataRequest, apply_overrides
from ganstudio.errors import UserError
from ganstudio.testing import build_model

TINY = dict(resolution=32, generator="resnet_6blocks", ngf=8, ndf=8, norm="instance")


def _module(registry, sub: str) -> ModuleType:
    pkg = sys.modules[registry.variant("pix2pix").config.__module__].__package__
    return importlib.import_module(f"{pkg}.{sub}")


def _drawing() -> Image.Image:
    image = Image.new("RGB", (96, 96), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 70, 60), fill=(40, 60, 30))
    draw.ellipse((50, 50, 90, 90), fill=(230, 120, 20))
    return image


# --------------------------------------------------------------------------- photo → sketch


def test_sketch_is_deterministic_thin_and_empty_for_flat_images(registry, run_action) -> None:
    sketch = _module(registry, "sketch")
    photo = _drawing()
    first, second = sketch.photo_to_sketch(photo), sketch.photo_to_sketch(photo.copy())
    assert first.mode == "L" and first.size == photo.size
    assert first.tobytes() == second.tobytes()
    ink = np.asarray(first) < 128
    assert ink.sum() > 100  # the shapes' outlines are traced ...
    # ... as lines one pixel wide: eroding them leaves (almost) nothing
    assert ndimage.binary_erosion(ink).sum() <= 0.02 * ink.sum()
    thick = np.asarray(sketch.photo_to_sketch(photo, thickness=3)) < 128
    assert thick.sum() > 2 * ink.sum()
    for flat in (
        Image.new("RGB", (64, 48), (0, 0, 0)),
        Image.new("RGBA", (40, 40), (9, 200, 9, 0)),
    ):
        assert np.asarray(sketch.photo_to_sketch(flat)).min() == 255
    # the action: any image in, the same sketch out (as RGB), batchable
    out = run_action("photo-to-sketch", image=photo)
    assert np.array_equal(np.asarray(out.images[0].convert("L")), np.asarray(first))


# --------------------------------------------------------------------------- data


def _save(folder: Path, names: list[str], size=(24, 24)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        Image.new("RGB", size, (10 * i, 100, 200)).save(folder / name)


def test_paired_folders_match_names_and_report_mismatches(registry, tmp_path) -> None:
    request = DataRequest(resolution=16, kind="paired")
    root = tmp_path / "pairs"
    _save(root / "A", ["x.png", "y.png"])
    _save(root / "B", ["x.jpg", "y.png"])  # extensions may differ
    data = open_dataset(registry, f"paired:{root}", request)
    item = data[1]
    assert (
        len(data) == 2
        and item["image"].shape == (3, 16, 16)
        and item["sketch"].shape[1:] == (16, 16)
    )
    _save(root / "A", ["only_a.png"])
    _save(root / "B", ["only_b.png", "z.png"])
    with pytest.raises(UserError) as err:
        open_dataset(registry, f"paired:{root}", request)
    line = str(err.value)
    assert "\n" not in line and "3 image(s) without a partner" in line
    assert "only in A/: only_a.png" in line and "only in B/: only_b.png, z.png" in line
    with pytest.raises(UserError, match="no folder A/"):
        open_dataset(registry, f"paired:{tmp_path}", request)


def test_side_by_side_and_photo_folders(registry, tmp_path) -> None:
    request = DataRequest(resolution=16, kind="paired")
    ab = Image.new("RGB", (64, 32), (255, 0, 0))
    ab.paste((0, 0, 255), (32, 0, 64, 32))  # A red on the left, B blue on the right
    (tmp_path / "ab").mkdir()
    ab.save(tmp_path / "ab" / "1.png")
    (tmp_path / "ab" / "broken.png").write_bytes(b"not a png")
    data = open_dataset(registry, f"aligned:{tmp_path / 'ab'}", request)
    item = data[0]
    assert item["sketch"][0].mean() > 0.9 and item["image"][2].mean() > 0.9  # A red, B blue
    swapped = open_dataset(registry, f"aligned:{tmp_path / 'ab'}?direction=BtoA", request)[0]
    assert swapped["sketch"][2].mean() > 0.9
    assert data[1]["image"].shape == (3, 16, 16)  # the broken file is replaced ...
    assert [why for _, why in data.skipped]  # ... and reported
    (tmp_path / "photos").mkdir()
    _drawing().save(tmp_path / "photos" / "p.jpg")
    photo = open_dataset(registry, f"photos:{tmp_path / 'photos'}", request)[0]
    assert (
        photo["sketch"].shape == (1, 16, 16) and photo["sketch"].min() < 0 < photo["sketch"].max()
    )


# --------------------------------------------------------------------------- training


class _Ctx:
    def __init__(self) -> None:
        from ganstudio.core.device import Precision

        self.device = torch.device("cpu")
        self.precision = Precision(self.device, False)
        self.rank, self.world_size, self.batch_size, self.label_names = 0, 1, 4, ()


def _pairs(n: int, size: int) -> dict[str, torch.Tensor]:
    faces = ProceduralFaces(size=32, count=n, seed=3)
    to = _module_tensor
    return {  # (n, C, size, size)
        "image": F.interpolate(torch.stack([to(faces[i].image) for i in range(n)]), size),
        "sketch": F.interpolate(torch.stack([to(faces[i].sketch) for i in range(n)]), size),
    }


def _module_tensor(image: Image.Image) -> torch.Tensor:
    arr = np.asarray(image, dtype=np.float32)
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return torch.from_numpy(arr.copy()).permute(2, 0, 1) / 127.5 - 1


def test_a_few_steps_reduce_l1(registry) -> None:
    torch.manual_seed(0)
    variant = registry.variant("pix2pix")
    cfg = apply_overrides(variant.config(), {**TINY, "ngf": 4, "ndf": 4, "lr": 2e-3})
    models = variant.build(cfg)
    objective = registry.objective(cfg.objective).factory()
    routine = variant.routine(models, cfg, objective, _Ctx())
    batch = _pairs(2, 32)

    def l1() -> float:
        with torch.no_grad():
            return float((models["G"].eval()(batch["sketch"]) - batch["image"]).abs().mean())

    before = l1()
    models["G"].train()
    for _ in range(6):
        losses = routine.step(batch)
    assert set(losses) == {"loss_d", "loss_g_gan", "l1"}
    after = l1()
    assert after < 0.85 * before, (before, after)
    assert routine.samples(3, 0).shape == (3, 3, 32, 32)


def test_trains_saves_and_resumes_through_the_trainer(train_steps, run_action, tmp_path) -> None:
    run = train_steps("pix2pix", steps=2, overrides=TINY, resume_steps=1)
    model = run / "checkpoints" / "latest.safetensors"
    sketch = Image.new("RGBA", (50, 30), (255, 255, 255, 255))
    ImageDraw.Draw(sketch).line((5, 5, 45, 25), fill=(0, 0, 0, 255), width=2)
    out = run_action("sketch-to-photo", model=model, image=sketch)
    assert out.images[0].size == (50, 30) and out.images[0].mode == "RGB"


# --------------------------------------------------------------------------- sketch-to-photo


def test_sketch_to_photo_params(registry, run_action) -> None:
    cfg = apply_overrides(
        registry.variant("pix2pix").config(),
        dict(resolution=128, generator="unet_128", ngf=4, ndf=4, dropout=True),
    )
    model = build_model(registry, "pix2pix", cfg)
    for m in model.generator.modules():  # PyTorch's default init: outputs far from grey
        if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
            m.reset_parameters()
    photo = _drawing()

    def run(**params) -> np.ndarray:
        return np.asarray(
            run_action("sketch-to-photo", model=model, params=params, image=photo).images[0]
        )

    plain = run()
    assert plain.shape == (96, 96, 3)
    assert np.array_equal(plain, run())  # eval mode, dropout off: deterministic
    noisy = run(dropout=True, seed=1)
    assert not np.array_equal(noisy, plain) and np.array_equal(noisy, run(dropout=True, seed=1))
    assert not np.array_equal(run(extract_sketch=True), plain)
    assert all(not m.training for m in model.generator.modules())  # dropout back off
