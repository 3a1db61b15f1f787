"""The latest_net_G.pth importer against an independent restatement of the reference nets.

The classes below restate junyanz/pytorch-CycleGAN-and-pix2pix ``networks.py``
(UnetGenerator / UnetSkipConnectionBlock, ResnetGenerator / ResnetBlock) from
its text, written differently from the plugin's code: their state dicts have
the reference's key names, and their outputs are what the reference computes.
"""

from __future__ import annotations

import functools
import importlib
import sys

import pytest
import torch
from torch import nn

from ganstudio.core.importing import import_checkpoint
from ganstudio.core.models import load_model
from ganstudio.errors import UserError

# --------------------------------------------------------------------------- restatement


def _norm(kind: str):
    if kind == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)


class RefUnetSkip(nn.Module):
    def __init__(
        self,
        outer_nc,
        inner_nc,
        input_nc=None,
        submodule=None,
        outermost=False,
        innermost=False,
        norm_layer=None,
        use_dropout=False,
    ):
        super().__init__()
        self.outermost = outermost
        use_bias = norm_layer.func == nn.InstanceNorm2d
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu, downnorm = nn.LeakyReLU(0.2, True), norm_layer(inner_nc)
        uprelu, upnorm = nn.ReLU(True), norm_layer(outer_nc)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv] + [submodule] + [uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=use_bias)
            model = [downrelu, downconv] + [uprelu, upconv, upnorm]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=use_bias)
            model = [downrelu, downconv, downnorm] + [submodule] + [uprelu, upconv, upnorm]
            if use_dropout:
                model += [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class RefUnet(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf, norm_layer, use_dropout):
        super().__init__()
        block = RefUnetSkip(ngf * 8, ngf * 8, norm_layer=norm_layer, innermost=True)
        for _ in range(num_downs - 5):
            block = RefUnetSkip(
                ngf * 8, ngf * 8, submodule=block, norm_layer=norm_layer, use_dropout=use_dropout
            )
        for mult in (4, 2, 1):
            block = RefUnetSkip(ngf * mult, ngf * mult * 2, submodule=block, norm_layer=norm_layer)
        self.model = RefUnetSkip(
            output_nc,
            ngf,
            input_nc=input_nc,
            submodule=block,
            outermost=True,
            norm_layer=norm_layer,
        )

    def forward(self, x):
        return self.model(x)


class RefResBlock(nn.Module):
    def __init__(self, dim, norm_layer, use_dropout, use_bias):
        super().__init__()
        block = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias),
            norm_layer(dim),
            nn.ReLU(True),
        ]
        if use_dropout:
            block += [nn.Dropout(0.5)]
        block += [
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias),
            norm_layer(dim),
        ]
        self.conv_block = nn.Sequential(*block)

    def forward(self, x):
        return x + self.conv_block(x)


class RefResnet(nn.Module):
    def __init__(self, input_nc, output_nc, ngf, norm_layer, use_dropout, n_blocks):
        super().__init__()
        use_bias = norm_layer.func == nn.InstanceNorm2d
        model = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, kernel_size=7, padding=0, bias=use_bias),
            norm_layer(ngf),
            nn.ReLU(True),
        ]
        for i in range(2):
            mult = 2**i
            model += [
                nn.Conv2d(
                    ngf * mult, ngf * mult * 2, kernel_size=3, stride=2, padding=1, bias=use_bias
                ),
                norm_layer(ngf * mult * 2),
                nn.ReLU(True),
            ]
        model += [RefResBlock(ngf * 4, norm_layer, use_dropout, use_bias) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [
                nn.ConvTranspose2d(
                    ngf * mult,
                    int(ngf * mult / 2),
                    kernel_size=3,
                    stride=2,
                    padding=1,
                    output_padding=1,
                    bias=use_bias,
                ),
                norm_layer(int(ngf * mult / 2)),
                nn.ReLU(True),
            ]
        model += [
            nn.ReflectionPad2d(3),
            nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0),
            nn.Tanh(),
        ]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


def _reference(arch: str, norm: str, input_nc: int, ngf: int, dropout: bool = False) -> nn.Module:
    torch.manual_seed(7)
    layer = _norm(norm)
    if arch.startswith("unet"):
        net = RefUnet(input_nc, 3, {"unet_128": 7, "unet_256": 8}[arch], ngf, layer, dropout)
    else:
        blocks = {"resnet_6blocks": 6, "resnet_9blocks": 9}[arch]
        net = RefResnet(input_nc, 3, ngf, layer, dropout, blocks)
    with torch.no_grad():  # random weights and statistics, far from the defaults
        for name, t in net.state_dict().items():
            if t.dtype.is_floating_point:
                t.copy_(
                    torch.rand_like(t) + 0.5 if "running_var" in name else torch.randn_like(t) * 0.2
                )
    return net.eval()


def _importer(registry):
    pkg = sys.modules[registry.variant("pix2pix").config.__module__].__package__
    return importlib.import_module(f"{pkg}.importer")


CASES = [
    ("unet_128", "batch", 1, 4, False),
    ("unet_256", "instance", 3, 2, False),
    ("resnet_6blocks", "instance", 3, 4, False),
    ("resnet_9blocks", "batch", 1, 2, True),
]


@pytest.mark.parametrize(("arch", "norm", "input_nc", "ngf", "dropout"), CASES)
def test_reference_keys_import_and_reproduce_the_output(
    registry, tmp_path, arch, norm, input_nc, ngf, dropout
) -> None:
    ref = _reference(arch, norm, input_nc, ngf, dropout)
    src = tmp_path / "latest_net_G.pth"
    torch.save(ref.state_dict(), src)
    out = tmp_path / "imported.safetensors"
    assert import_checkpoint(registry, src, out) == "pix2pix"  # detected from the keys
    model = load_model(out, registry)
    cfg = model.config
    assert (cfg.generator, cfg.norm, cfg.ngf, cfg.input_channels) == (arch, norm, ngf, input_nc)
    assert cfg.dropout is True if arch.startswith("unet") else cfg.dropout is dropout
    size = 256 if arch == "unet_256" else 128 if arch == "unet_128" else 40
    x = torch.rand(2, input_nc, size, size) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model.generator(x), ref(x), atol=1e-5)


def test_old_instance_norm_checkpoints_lose_their_running_stats(registry, tmp_path) -> None:
    ref = _reference("resnet_6blocks", "instance", 3, 4)
    state = ref.state_dict()
    old = dict(state)
    for name, module in ref.named_modules():  # what PyTorch 0.3 saved for instance norms
        if isinstance(module, nn.InstanceNorm2d):
            old[f"{name}.running_mean"] = torch.zeros(module.num_features)
            old[f"{name}.running_var"] = torch.ones(module.num_features)
    assert len(old) > len(state)
    imported = _importer(registry).convert(None, {f"module.{k}": v for k, v in old.items()})
    assert set(imported.tensors) == {f"G.{k}" for k in state}
    src = tmp_path / "old.pth"
    torch.save(old, src)
    import_checkpoint(registry, src, tmp_path / "m.safetensors")
    model = load_model(tmp_path / "m.safetensors", registry)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model.generator(x), ref(x), atol=1e-5)


def test_unknown_shapes_are_refused_with_one_line(registry, tmp_path) -> None:
    importer = _importer(registry)
    assert not importer.detect(None, {"main.0.weight": torch.zeros(4, 4, 4, 4)})
    six = RefUnet(1, 3, 6, 2, _norm("batch"), False).state_dict()  # a 6-level U-Net
    with pytest.raises(ValueError, match="neither unet_128"):
        importer.convert(None, six)
    state = _reference("resnet_6blocks", "batch", 3, 2).state_dict()
    state.pop("model.11.conv_block.5.weight")
    src = tmp_path / "broken.pth"
    torch.save(state, src)
    with pytest.raises(UserError, match="missing key 'model.11.conv_block.5.weight'"):
        import_checkpoint(registry, src, tmp_path / "x.safetensors")
