"""The reference pix2pix/CycleGAN networks, module for module.

The module tree (attribute names and ``nn.Sequential`` indices) is the one of
junyanz/pytorch-CycleGAN-and-pix2pix ``models/networks.py``, so a
``latest_net_G.pth`` saved there loads here with its own key names:
``model.model.1.model.3…`` for a U-Net, ``model.10.conv_block.1.weight`` for
a ResNet block, ``model.0.weight`` for the PatchGAN.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import Tensor, nn

from .config import GENERATORS

NormFactory = Callable[[int], nn.Module]


def norm_factory(norm: str) -> NormFactory:
    """Batch norm (affine, running stats) or instance norm (neither): the reference's."""
    if norm == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if norm == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    raise ValueError(f"norm must be batch or instance, got {norm!r}")


class UnetSkipBlock(nn.Module):
    """One level of the U-Net: down, the inner levels, up, then the skip concat."""

    def __init__(
        self,
        outer: int,
        inner: int,
        norm: str,
        input_nc: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        make_norm = norm_factory(norm)
        bias = norm == "instance"  # batch norm has its own shift
        down = nn.Conv2d(input_nc or outer, inner, 4, 2, 1, bias=bias)
        layers: list[nn.Module]
        if outermost:
            up = nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1)
            assert submodule is not None
            layers = [down, submodule, nn.ReLU(True), up, nn.Tanh()]
        elif innermost:
            up = nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), up, make_norm(outer)]
        else:
            up = nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias)
            assert submodule is not None
            layers = [nn.LeakyReLU(0.2, True), down, make_norm(inner), submodule]
            layers += [nn.ReLU(True), up, make_norm(outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)  # (B, outer + outer, H, W)


class UnetGenerator(nn.Module):
    """``num_downs`` halvings down to 1×1 at the design size (7: unet_128, 8: unet_256)."""

    def __init__(
        self, input_nc: int, output_nc: int, num_downs: int, ngf: int, norm: str, dropout: bool
    ) -> None:
        super().__init__()
        block = UnetSkipBlock(ngf * 8, ngf * 8, norm, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetSkipBlock(ngf * 8, ngf * 8, norm, submodule=block, dropout=dropout)
        block = UnetSkipBlock(ngf * 4, ngf * 8, norm, submodule=block)
        block = UnetSkipBlock(ngf * 2, ngf * 4, norm, submodule=block)
        block = UnetSkipBlock(ngf, ngf * 2, norm, submodule=block)
        self.model = UnetSkipBlock(
            output_nc, ngf, norm, input_nc=input_nc, submodule=block, outermost=True
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)  # (B, output_nc, H, W) in [-1, 1]


class ResnetBlock(nn.Module):
    """x + (pad, conv3, norm, ReLU, [dropout], pad, conv3, norm)(x), reflection padded."""

    def __init__(self, dim: int, norm: str, dropout: bool) -> None:
        super().__init__()
        make_norm = norm_factory(norm)
        bias = norm == "instance"
        layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias)]
        layers += [make_norm(dim), nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), make_norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """Johnson et al.'s transformer net: c7s1-ngf, two stride-2 downs, blocks, two ups, c7s1."""

    def __init__(
        self, input_nc: int, output_nc: int, n_blocks: int, ngf: int, norm: str, dropout: bool
    ) -> None:
        super().__init__()
        make_norm = norm_factory(norm)
        bias = norm == "instance"
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias)]
        layers += [make_norm(ngf), nn.ReLU(True)]
        for i in range(2):  # (B, ngf·2^i, H/2^i) → (B, ngf·2^(i+1), H/2^(i+1))
            c = ngf * 2**i
            layers += [nn.Conv2d(c, c * 2, 3, 2, 1, bias=bias), make_norm(c * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4, norm, dropout) for _ in range(n_blocks)]
        for i in range(2):
            c = ngf * 2 ** (2 - i)
            up = nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias)
            layers += [up, make_norm(c // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)  # (B, output_nc, H, W) in [-1, 1]


class PatchDiscriminator(nn.Module):
    """PatchGAN: one logit per overlapping patch (70×70 for n_layers=3)."""

    def __init__(self, input_nc: int, ndf: int, n_layers: int, norm: str) -> None:
        super().__init__()
        make_norm = norm_factory(norm)
        bias = norm == "instance"
        layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            conv = nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=bias)
            layers += [conv, make_norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)  # (B, 1, H/8 - 2, W/8 - 2) for n_layers=3


def make_generator(
    generator: str, input_nc: int, output_nc: int, ngf: int, norm: str, dropout: bool
) -> nn.Module:
    """One of the four reference generators by its ``netG`` name."""
    depth = GENERATORS[generator]
    if generator.startswith("unet"):
        return UnetGenerator(input_nc, output_nc, depth, ngf, norm, dropout)
    return ResnetGenerator(input_nc, output_nc, depth, ngf, norm, dropout)


def init_weights(module: nn.Module, gain: float = 0.02) -> None:
    """The reference's "normal" init: conv weights N(0, 0.02), norm weights N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
