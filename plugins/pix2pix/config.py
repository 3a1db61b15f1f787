"""Configs of pix2pix and CycleGAN (no torch: read at discovery).

Field names follow the reference implementation's options where one exists
(``ngf``, ``ndf``, ``netG`` → ``generator``, ``norm``, ``no_dropout`` →
``dropout``, ``lambda_L1``, ``lambda_A``/``lambda_B`` → ``lambda_cycle``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the reference generators: name → number of U-Net downsamplings or ResNet blocks
GENERATORS = {"unet_128": 7, "unet_256": 8, "resnet_6blocks": 6, "resnet_9blocks": 9}
NORMS = ("batch", "instance")


def check_generator(generator: str, resolution: int, norm: str, n_layers_d: int = 3) -> None:
    """Raise ValueError when the generator or the PatchGAN cannot run at ``resolution``."""
    if resolution < 2 ** (n_layers_d + 2):  # the PatchGAN's last map must exceed 1×1
        raise ValueError(
            f"a {n_layers_d}-layer PatchGAN needs a resolution ≥ {2 ** (n_layers_d + 2)}"
        )
    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, got {generator!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be batch or instance, got {norm!r}")
    if generator.startswith("unet"):
        side = 2 ** GENERATORS[generator]
        if resolution < side or resolution % side:
            raise ValueError(f"{generator} needs a resolution that is a multiple of {side}")
    elif resolution < 16 or resolution % 4:
        raise ValueError(f"{generator} needs a resolution that is a multiple of 4, ≥ 16")


@dataclass
class Pix2PixConfig:
    """Isola et al. 2017: U-Net (or ResNet) G, 70×70 PatchGAN D on the pair, GAN + λ·L1."""

    resolution: int = 256
    generator: str = "unet_256"
    ngf: int = 64
    ndf: int = 64
    n_layers_d: int = 3  # 3: the 70×70 PatchGAN
    norm: str = "batch"
    dropout: bool = True  # in the U-Net decoder / ResNet blocks while training
    input_channels: int = 1  # 1: a sketch; 3: a colour input (labels, another photo)
    channels: int = 3  # output channels (also what the data source is asked for)
    lambda_l1: float = 100.0
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"  # the reference's "vanilla" GAN loss

    def validate(self) -> None:
        check_generator(self.generator, self.resolution, self.norm, self.n_layers_d)
        if self.ngf < 1 or self.ndf < 1 or not 1 <= self.n_layers_d <= 6:
            raise ValueError("ngf and ndf must be positive; n_layers_d in [1, 6]")
        if self.input_channels not in (1, 3) or self.channels not in (1, 3):
            raise ValueError("input_channels and channels must be 1 or 3")
        if self.lambda_l1 < 0:
            raise ValueError("lambda_l1 must be ≥ 0")


@dataclass
class CycleGANConfig:
    """Zhu et al. 2017: two ResNet generators, two PatchGANs, LSGAN + cycle + identity."""

    resolution: int = 256
    generator: str = "resnet_9blocks"
    ngf: int = 64
    ndf: int = 64
    n_layers_d: int = 3
    norm: str = "instance"
    dropout: bool = False
    channels: int = 3  # both domains
    lambda_cycle: float = 10.0  # λ_A = λ_B
    lambda_identity: float = 0.5  # times lambda_cycle
    pool_size: int = 50  # history of generated images shown to D
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "lsgan"

    def validate(self) -> None:
        check_generator(self.generator, self.resolution, self.norm, self.n_layers_d)
        if self.ngf < 1 or self.ndf < 1 or not 1 <= self.n_layers_d <= 6:
            raise ValueError("ngf and ndf must be positive; n_layers_d in [1, 6]")
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if self.lambda_cycle < 0 or self.lambda_identity < 0 or self.pool_size < 0:
            raise ValueError("lambda_cycle, lambda_identity and pool_size must be ≥ 0")
