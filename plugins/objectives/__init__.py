"""GAN loss families any variant that accepts objectives can train with."""

from __future__ import annotations

from ganstudio.core.specs import FloatParam, Objective

GANSTUDIO_API = 1
__version__ = "1.1"


def _bce(**options: float):
    from .losses import NonSaturating

    return NonSaturating(**options)


def _bce_saturating(**options: float):
    from .losses import Saturating

    return Saturating(**options)


def _lsgan(**options: float):
    from .losses import LeastSquares

    return LeastSquares(**options)


def _wgan(**options: float):
    from .losses import Wasserstein

    return Wasserstein(**options)


def _wgan_gp(**options: float):
    from .losses import WassersteinGP

    return WassersteinGP(**options)


def _hinge(**options: float):
    from .losses import Hinge

    return Hinge(**options)


def _ragan(**options: float):
    from .losses import RelativisticAverage

    return RelativisticAverage(**options)


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
            "bce-saturating",
            "Saturating BCE (minimax)",
            _bce_saturating,
            "The minimax game as written: G minimises log(1 − D(G(z))); its gradient "
            "vanishes while D wins, the seeds' reason for the non-saturating loss.",
        ),
        Objective(
            "lsgan",
            "Least squares (LSGAN)",
            _lsgan,
            "Mao et al. 2017: D regresses real→b, fake→a; G pushes fakes to c.",
            options=(FloatParam("a", 0.0), FloatParam("b", 1.0), FloatParam("c", 1.0)),
        ),
        Objective(
            "wgan",
            "Wasserstein (weight clipping)",
            _wgan,
            "Arjovsky et al. 2017: a critic's score difference, kept Lipschitz by "
            "clipping D's weights to [−clip, clip] after each update.",
            options=(FloatParam("clip", 0.01, min=0.0, help="D's weights are clipped to ±clip"),),
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
        Objective(
            "ragan",
            "Relativistic average (RaGAN)",
            _ragan,
            "Jolicoeur-Martineau 2018: D judges whether a real sample looks more real "
            "than the average fake; G's loss uses the real samples too.",
        ),
    ]
