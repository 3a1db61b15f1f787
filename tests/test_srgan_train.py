"""The SR training routine learns under the generic Trainer; degradations behave."""

from __future__ import annotations

import sys

import pytest
import torch

from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.models import load_model
from ganstudio.core.training import Trainer, TrainOptions


def _degrade_mod(registry):
    pkg = sys.modules[registry.variant("srvgg").config.__module__].__package__
    __import__(f"{pkg}.degrade")
    return sys.modules[f"{pkg}.degrade"]


def test_training_lowers_the_pixel_loss_and_logs_the_perceptual_fallback(registry, tmp_path):
    variant = registry.variant("srvgg")
    cfg = variant.config(
        scale=2,
        num_feat=16,
        num_conv=2,
        d_feat=8,
        resolution=32,
        lr=2e-3,
        adv_weight=0.01,
        perceptual_weight=0.1,
    )
    options = TrainOptions(
        steps=30,
        batch_size=4,
        device="cpu",
        sample_every=30,
        sample_count=4,
        checkpoint_every=0,
        log_every=10,
        num_workers=0,
    )
    trainer = Trainer(
        variant,
        cfg,
        ProceduralFacesDataset(size=32, count=64),
        tmp_path / "run",
        options,
        None,
        variant_id="srvgg",
        plugin="srgan",
    )
    l1 = [e.losses["l1"] for e in trainer.run() if e.kind == "step"]
    assert len(l1) == 30
    assert sum(l1[-5:]) / 5 < 0.8 * sum(l1[:5]) / 5
    log = (tmp_path / "run" / "train.log").read_text()
    assert "discriminator feature matching" in log
    model = load_model(tmp_path / "run" / "checkpoints" / "latest.safetensors", registry)
    out = model.generator(torch.rand(1, 3, 8, 8))
    assert out.shape == (1, 3, 16, 16)
    assert (tmp_path / "run" / "samples").is_dir()


def test_degradation_shrinks_and_quantises(registry) -> None:
    d = _degrade_mod(registry)
    cfg = registry.variant("srvgg").config(
        scale=4, resolution=32, blur_prob=1.0, noise_prob=1.0, jpeg_prob=1.0
    )
    torch.manual_seed(0)
    hr = torch.rand(2, 3, 32, 32)
    lr = d.degrade(hr, cfg)
    assert lr.shape == (2, 3, 8, 8)
    assert torch.equal(lr, (lr * 255).round() / 255) and lr.min() >= 0 and lr.max() <= 1
    plain = d.degrade(hr, registry.variant("srvgg").config(scale=4, resolution=32))
    assert not torch.allclose(lr, plain, atol=0.02)  # blur, noise and JPEG did something
    flat = torch.full((1, 3, 32, 32), 0.5)
    assert torch.allclose(d.bicubic_down(flat, 4), torch.full((1, 3, 8, 8), 0.5), atol=1e-6)


def _vgg_features_file(path, seed: int = 0):
    """torchvision's VGG19 ``features.*`` entries with random weights (no download)."""
    from torchvision.models import vgg19

    torch.manual_seed(seed)
    with torch.device("meta"):
        net = vgg19(weights=None)
    features = net.features[:35].to_empty(device="cpu")
    for m in features.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight)
            torch.nn.init.zeros_(m.bias)
    torch.save({f"features.{k}": v for k, v in features.state_dict().items()}, path)
    return path


def test_training_with_local_vgg19_weights_uses_the_perceptual_loss(registry, tmp_path):
    losses = sys.modules[f"{_degrade_mod(registry).__package__}.losses"]
    weights = _vgg_features_file(tmp_path / "vgg19.pth")
    vgg = losses.VGGPerceptual(weights)
    a, b = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert vgg(a, a).item() == 0.0
    sr = a.clone().requires_grad_(True)
    loss = vgg(sr, b)
    loss.backward()
    assert loss.item() > 0 and sr.grad.abs().sum() > 0

    variant = registry.variant("srvgg")
    cfg = variant.config(
        scale=2,
        num_feat=8,
        num_conv=1,
        d_feat=8,
        resolution=32,
        adv_weight=0.0,
        perceptual_weight=0.1,
        vgg_weights=str(weights),
    )
    options = TrainOptions(
        steps=2,
        batch_size=2,
        device="cpu",
        sample_every=0,
        checkpoint_every=0,
        log_every=1,
        num_workers=0,
    )
    trainer = Trainer(
        variant,
        cfg,
        ProceduralFacesDataset(size=32, count=8),
        tmp_path / "run",
        options,
        None,
        variant_id="srvgg",
        plugin="srgan",
    )
    steps = [e for e in trainer.run() if e.kind == "step"]
    assert all(e.losses["perceptual"] > 0 for e in steps)
    log = (tmp_path / "run" / "train.log").read_text()
    assert "perceptual loss: VGG19 conv5_4" in log and "feature matching" not in log


def test_wrong_vgg19_files_are_refused_with_a_clear_message(registry, tmp_path):
    losses = sys.modules[f"{_degrade_mod(registry).__package__}.losses"]
    other = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(1)}, other)
    with pytest.raises(losses.VGGWeightsError, match=r"no features\.0\.(bias|weight)"):
        losses.VGGPerceptual(other)
    with pytest.raises(FileNotFoundError):
        losses.VGGPerceptual(tmp_path / "missing.pth")
    (tmp_path / "notes.pth").write_text("not weights")
    with pytest.raises(losses.VGGWeightsError, match="cannot be read"):
        losses.VGGPerceptual(tmp_path / "notes.pth")


def test_esrgan_trains_with_the_shared_relativistic_objective(train_steps):
    """``--set objective=ragan`` (the objectives plugin's RaGAN) is ESRGAN's own loss:
    G's adversarial term needs D's real logits, which the routine must pass."""
    run = train_steps(
        "srvgg",
        steps=2,
        overrides={
            "objective": "ragan",
            "scale": 2,
            "num_feat": 8,
            "num_conv": 2,
            "d_feat": 8,
            "resolution": 32,
            "adv_weight": 0.1,
            "perceptual_weight": 0.0,
        },
    )
    assert (run / "checkpoints" / "latest.safetensors").is_file()
