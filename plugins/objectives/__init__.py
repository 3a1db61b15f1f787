"""GAN loss families any variant that accepts objectives can train with."""

from __future__ import annotations

from ganstudio.core.specs import FloatParam, Objective

GANSTUDIO_API = 1
__version__ = "1.0"


def _bce(**options: float):
    from .losses import NonSaturating

    return NonSaturating(**options)


def _lsgan(**options: float):
    from .losses import LeastSquares

    return LeastSquares(**options)


def _wgan_gp(**options: float):
    from .losses import WassersteinGP

    return WassersteinGP(**options)


def _hinge(**options: float):
    from .losses import Hinge

    return Hinge(**options)


def ganstudio_objectives():
    return [
        Objective(
            "bce",
            "Non-saturating BCE",
            _bce,
            "The original GAN objective with the non-saturating generator loss "
            "(Goodfellow et al. 2014).",
        ),
        Objective(
            "lsgan",
            "Least squares (LSGAN)",
            _lsgan,
            "Mao et al. 2017: D regresses real→b, fake→a; G pushes fakes to c.",
            options=(FloatParam("a", 0.0), FloatParam("b", 1.0), FloatParam("c", 1.0)),
        ),
        Objective(
            "wgan-gp",
            "Wasserstein + gradient penalty",
            _wgan_gp,
            "Gulrajani et al. 2017: critic scores, penalty on gradient norm at "
            "interpolates (λ=10).",
            options=(FloatParam("gp_weight", 10.0, min=0.0),),
        ),
        Objective(
            "hinge",
            "Hinge",
            _hinge,
            "Lim & Ye 2017 / SNGAN / BigGAN: D hinge margins, G maximises D(fake).",
        ),
    ]
