"""ESRGAN / Real-ESRGAN .pth files in every key spelling import and reproduce the reference.

The reference modules below are written in each original repository's layout
(module names and nesting), so their ``state_dict()`` keys are the ones found
in the wild; after import, our model must give the same output for the same
weights and input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganstudio.core.importing import import_checkpoint
from ganstudio.core.models import load_model

NF, NB, GC = 8, 2, 4


class _DenseOriginal(nn.Module):
    """ESRGAN repository (RRDBNet_arch.py): ResidualDenseBlock_5C with plain convs."""

    def __init__(self, nf: int, gc: int, wrap: bool = False) -> None:
        super().__init__()

        def conv(i, o):
            c = nn.Conv2d(i, o, 3, 1, 1)
            return nn.Sequential(c) if wrap else c  # old arch: conv_block → Sequential(conv, act)

        self.conv1, self.conv2 = conv(nf, gc), conv(nf + gc, gc)
        self.conv3, self.conv4 = conv(nf + 2 * gc, gc), conv(nf + 3 * gc, gc)
        self.conv5 = conv(nf + 4 * gc, nf)
        self.lrelu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x


class _RRDBOriginal(nn.Module):
    def __init__(self, nf, gc, wrap=False):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = (_DenseOriginal(nf, gc, wrap) for _ in range(3))

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class OriginalESRGAN(nn.Module):
    """xinntao/ESRGAN RRDBNet: conv_first, RRDB_trunk, trunk_conv, upconv1/2, HRconv, conv_last."""

    def __init__(self, in_nc=3, out_nc=3, nf=NF, nb=NB, gc=GC):
        super().__init__()
        self.conv_first = nn.Conv2d(in_nc, nf, 3, 1, 1)
        self.RRDB_trunk = nn.Sequential(*(_RRDBOriginal(nf, gc) for _ in range(nb)))
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.HRconv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, out_nc, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        fea = self.conv_first(x)
        fea = fea + self.trunk_conv(self.RRDB_trunk(fea))
        fea = self.lrelu(self.upconv1(F.interpolate(fea, scale_factor=2, mode="nearest")))
        fea = self.lrelu(self.upconv2(F.interpolate(fea, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.HRconv(fea)))


class _Shortcut(nn.Module):
    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


class _Lrelu(nn.LeakyReLU):
    def __init__(self):
        super().__init__(0.2, True)


class _DenseOld(_DenseOriginal):
    """Old architecture: every conv sits in a conv_block Sequential with its activation."""

    def __init__(self, nf, gc):
        super().__init__(nf, gc, wrap=True)
        for name in ("conv1", "conv2", "conv3", "conv4"):
            getattr(self, name).append(_Lrelu())

    def forward(self, x):
        x1 = self.conv1(x)
        x2 = self.conv2(torch.cat((x, x1), 1))
        x3 = self.conv3(torch.cat((x, x1, x2), 1))
        x4 = self.conv4(torch.cat((x, x1, x2, x3), 1))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x


class _RRDBOld(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = (_DenseOld(nf, gc) for _ in range(3))

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class OldArchESRGAN(nn.Module):
    """ESRGAN old architecture: one flat ``model`` Sequential, x4 (model.0 … model.10)."""

    def __init__(self, in_nc=3, out_nc=3, nf=NF, nb=NB, gc=GC):
        super().__init__()
        trunk = [_RRDBOld(nf, gc) for _ in range(nb)] + [nn.Conv2d(nf, nf, 3, 1, 1)]
        self.model = nn.Sequential(
            nn.Conv2d(in_nc, nf, 3, 1, 1),
            _Shortcut(nn.Sequential(*trunk)),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(nf, nf, 3, 1, 1),
            _Lrelu(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(nf, nf, 3, 1, 1),
            _Lrelu(),
            nn.Conv2d(nf, nf, 3, 1, 1),
            _Lrelu(),
            nn.Conv2d(nf, out_nc, 3, 1, 1),
        )

    def forward(self, x):
        return self.model(x)


class _DenseBasicSR(_DenseOriginal):
    pass


class _RRDBBasicSR(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = (_DenseBasicSR(nf, gc) for _ in range(3))

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class BasicSRRRDBNet(nn.Module):
    """BasicSR rrdbnet_arch.RRDBNet, with Real-ESRGAN's pixel-unshuffle for x2 / x1."""

    def __init__(
        self, num_in_ch=3, num_out_ch=3, scale=4, num_feat=NF, num_block=NB, num_grow_ch=GC
    ):
        super().__init__()
        self.scale = scale
        num_in_ch *= {4: 1, 2: 4, 1: 16}[scale]
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(_RRDBBasicSR(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        feat = F.pixel_unshuffle(x, 4 // self.scale) if self.scale < 4 else x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


class RefSRVGG(nn.Module):
    """Real-ESRGAN srvgg_arch.SRVGGNetCompact (PReLU)."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=NF, num_conv=3, upscale=4):
        super().__init__()
        self.upscale = upscale
        self.body = nn.ModuleList([nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_feat)])
        for _ in range(num_conv):
            self.body.append(nn.Conv2d(num_feat, num_feat, 3, 1, 1))
            self.body.append(nn.PReLU(num_parameters=num_feat))
        self.body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


def _randomise(module: nn.Module, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.5 / math.sqrt(max(1, p[0].numel()))))
            if p.ndim == 1:
                p.add_(0.1)  # PReLU slopes / biases away from zero
    return module.eval()


def _import_and_compare(
    registry, tmp_path, ref: nn.Module, wrap: str | None, expect: str, size: int = 12
) -> dict:
    state = ref.state_dict()
    if wrap == "both":
        payload = {
            "params": {k: torch.zeros_like(v) for k, v in state.items()},
            "params_ema": state,
        }
    elif wrap:
        payload = {wrap: state}
    else:
        payload = state
    src, out = tmp_path / "foreign.pth", tmp_path / "ours.safetensors"
    torch.save(payload, src)
    assert import_checkpoint(registry, src, out) == expect  # format recognised by itself
    model = load_model(out, registry)
    x = torch.rand(1, ref_in(ref), size, size, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want, got = ref(x), model.generator(x)
    assert got.shape == want.shape
    assert torch.allclose(got, want, atol=1e-5), (got - want).abs().max()
    return model.config


def ref_in(ref: nn.Module) -> int:
    first = next(m for m in ref.modules() if isinstance(m, nn.Conv2d))
    fold2 = (
        {4: 1, 2: 4, 1: 16}.get(getattr(ref, "scale", 4), 1)
        if isinstance(ref, BasicSRRRDBNet)
        else 1
    )
    return first.in_channels // fold2


@pytest.mark.parametrize("wrap", [None, "params", "params_ema", "both"])
def test_basicsr_rrdbnet(registry, tmp_path, wrap) -> None:
    cfg = _import_and_compare(registry, tmp_path, _randomise(BasicSRRRDBNet(), 1), wrap, "esrgan")
    assert (cfg.scale, cfg.num_feat, cfg.num_block, cfg.num_grow_ch) == (4, NF, NB, GC)


@pytest.mark.parametrize("scale", [2, 1])
def test_real_esrgan_pixel_unshuffle_scales(registry, tmp_path, scale) -> None:
    ref = _randomise(BasicSRRRDBNet(scale=scale, num_block=3), 2)
    cfg = _import_and_compare(registry, tmp_path, ref, "params_ema", "esrgan", size=16)
    assert (cfg.scale, cfg.num_block) == (scale, 3)


def test_original_esrgan_keys(registry, tmp_path) -> None:
    ref = _randomise(OriginalESRGAN(), 4)
    assert "RRDB_trunk.1.RDB3.conv5.weight" in ref.state_dict()
    cfg = _import_and_compare(registry, tmp_path, ref, None, "esrgan")
    assert (cfg.scale, cfg.num_block) == (4, NB)


def test_old_architecture_keys(registry, tmp_path) -> None:
    ref = _randomise(OldArchESRGAN(nb=3), 5)
    keys = ref.state_dict().keys()
    for key in (
        "model.0.weight",
        "model.1.sub.0.RDB1.conv1.0.weight",
        "model.1.sub.3.weight",
        "model.3.weight",
        "model.6.weight",
        "model.8.weight",
        "model.10.weight",
    ):
        assert key in keys
    cfg = _import_and_compare(registry, tmp_path, ref, None, "esrgan")
    assert (cfg.scale, cfg.num_block, cfg.num_feat) == (4, 3, NF)


@pytest.mark.parametrize("wrap", [None, "params"])
def test_srvgg_compact(registry, tmp_path, wrap) -> None:
    ref = _randomise(RefSRVGG(num_conv=3, upscale=4), 6)
    cfg = _import_and_compare(registry, tmp_path, ref, wrap, "realesrgan-compact")
    assert (cfg.scale, cfg.num_conv, cfg.num_feat, cfg.act) == (4, 3, NF, "prelu")


def test_unknown_layout_is_refused_clearly(registry, tmp_path) -> None:
    from ganstudio.core.checkpoints import CheckpointError

    src = tmp_path / "x.pth"
    torch.save({"params": {"conv_first.weight": torch.zeros(8, 5, 3, 3)}}, src)
    with pytest.raises(CheckpointError):
        import_checkpoint(registry, src, tmp_path / "y.safetensors")


def _blend(main: nn.Module, weak: nn.Module, strength: float) -> nn.Module:
    """Real-ESRGAN's dni: strength × main + (1 − strength) × weak, parameter by parameter."""
    out = RefSRVGG(num_conv=3, upscale=4).eval()
    w_main, w_weak = main.state_dict(), weak.state_dict()
    out.load_state_dict({k: strength * w_main[k] + (1 - strength) * w_weak[k] for k in w_main})
    return out


def test_denoise_twin_beside_realesr_general_drives_the_denoise_slider(registry, tmp_path):
    from PIL import Image

    from ganstudio.core.actions import run_action

    main = _randomise(RefSRVGG(num_conv=3, upscale=4), 6)
    weak = _randomise(RefSRVGG(num_conv=3, upscale=4), 7)
    torch.save({"params": main.state_dict()}, tmp_path / "realesr-general-x4v3.pth")
    torch.save({"params": weak.state_dict()}, tmp_path / "realesr-general-wdn-x4v3.pth")
    out = tmp_path / "general.safetensors"
    import_checkpoint(registry, tmp_path / "realesr-general-x4v3.pth", out)
    model = load_model(out, registry)
    assert set(model.extras["G_weak"]) == set(main.state_dict())

    image = Image.fromarray((torch.rand(10, 12, 3) * 255).byte().numpy())
    x = torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float() / 255
    for strength in (1.0, 0.3):
        got = run_action(
            registry.action("super-resolve"), model, {"denoise": strength}, {"image": image}
        ).images[0]
        with torch.no_grad():
            want = _blend(main, weak, strength)(x).clamp(0, 1)[0].permute(1, 2, 0) * 255
        diff = np.abs(np.asarray(got, np.float32) - want.numpy())
        assert diff.max() <= 1.0, (strength, diff.max())


def test_denoise_twin_named_on_the_command_line_must_match(registry, tmp_path, capsys):
    from ganstudio.cli import main as cli

    main = _randomise(RefSRVGG(num_conv=3, upscale=4), 6)
    torch.save(main.state_dict(), tmp_path / "compact.pth")
    torch.save(_randomise(RefSRVGG(num_conv=3, upscale=4), 7).state_dict(), tmp_path / "twin.pth")
    torch.save(_randomise(RefSRVGG(num_conv=2, upscale=4), 7).state_dict(), tmp_path / "other.pth")
    out = tmp_path / "c.safetensors"
    assert (
        cli(
            [
                "import",
                str(tmp_path / "compact.pth"),
                "-o",
                str(out),
                "--set",
                f"denoise_twin={tmp_path / 'twin.pth'}",
            ]
        )
        == 0
    )
    assert "G_weak" in load_model(out, registry).extras
    assert (
        cli(
            [
                "import",
                str(tmp_path / "compact.pth"),
                "-o",
                str(out),
                "--force",
                "--set",
                f"denoise_twin={tmp_path / 'other.pth'}",
            ]
        )
        == 2
    )
    assert "not the same network" in capsys.readouterr().err


def test_an_option_the_importer_does_not_take_is_refused(registry, tmp_path, capsys):
    from ganstudio.cli import main as cli

    src = tmp_path / "x4.pth"
    torch.save(_randomise(BasicSRRRDBNet(3, 3, 4, NF, NB, GC), 1).state_dict(), src)
    out = tmp_path / "x4.safetensors"
    assert cli(["import", str(src), "-o", str(out), "--set", "denoise_twin=x.pth"]) == 2
    assert "importer esrgan has no option 'denoise_twin'" in capsys.readouterr().err
    assert not out.exists()
