"""Settings of the three autoencoders (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass

#: how training corrupts its inputs, so the same model denoises and inpaints
CORRUPTIONS = ("none", "noise", "mask", "both")


@dataclass
class AutoencoderConfig:
    """A convolutional autoencoder on faces (the seed lecture's model).

    ``corrupt`` trains it to undo damage: ``noise`` adds Gaussian noise (std up
    to ``noise_std``), ``mask`` blanks one or two random rectangles (the
    encoder also sees the hole as a fourth channel), ``both`` does either; a
    fraction ``corrupt_prob`` of each batch is damaged, the rest stays clean so
    plain reconstruction stays sharp.  ``kl_weight`` is the VAE's β per pixel
    (0 for the plain autoencoder); ``adv_weight`` and ``feature_weight`` weigh
    the VAE-GAN's adversarial loss and its discriminator-feature reconstruction.
    """

    resolution: int = 32
    channels: int = 3
    latent_dim: int = 64
    width: int = 32
    lr: float = 1e-3
    beta1: float = 0.9
    corrupt: str = "both"
    corrupt_prob: float = 0.5
    noise_std: float = 0.3
    kl_weight: float = 0.0
    adv_weight: float = 0.0
    feature_weight: float = 0.0

    @property
    def variational(self) -> bool:
        return self.kl_weight > 0

    def validate(self) -> None:
        r = self.resolution
        if r < 16 or r > 128 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [16, 128], got {r}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")
        if not 1 <= self.latent_dim <= 4096 or not 1 <= self.width <= 512:
            raise ValueError("latent_dim must be in [1, 4096] and width in [1, 512]")
        if self.corrupt not in CORRUPTIONS:
            raise ValueError(f"corrupt must be one of {', '.join(CORRUPTIONS)}")
        if not 0.0 <= self.corrupt_prob <= 1.0 or self.noise_std < 0:
            raise ValueError("corrupt_prob must be in [0, 1] and noise_std ≥ 0")
        if min(self.kl_weight, self.adv_weight, self.feature_weight) < 0 or self.lr <= 0:
            raise ValueError("weights must be ≥ 0 and lr > 0")


@dataclass
class VAEConfig(AutoencoderConfig):
    """Kingma & Welling 2014: the encoder gives μ and log σ², z = μ + σ·ε, a KL term."""

    kl_weight: float = 0.5


@dataclass
class VAEGANConfig(AutoencoderConfig):
    """Larsen et al. 2016: a VAE whose decoder is also a GAN generator; reconstruction is
    also measured in the discriminator's features (a learned similarity)."""

    lr: float = 2e-4
    beta1: float = 0.5
    kl_weight: float = 0.5
    adv_weight: float = 0.02
    feature_weight: float = 1.0
    objective: str = "bce"

    def validate(self) -> None:
        super().validate()
        if not self.objective:
            raise ValueError("the VAE-GAN needs an objective (e.g. bce, hinge)")
