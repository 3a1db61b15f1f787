"""The seeds' fully-connected GAN and DCGAN, with generate and interpolate.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from ganstudio.core.specs import (
    Action,
    ChoiceParam,
    FloatParam,
    Importer,
    IntParam,
    SeedParam,
    Variant,
)

from .config import SUPPORTED_STABILISERS, DCGANConfig, MLPGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent"})
_VARIANTS = frozenset({"dcgan", "gan"})


def _build_dcgan(cfg: DCGANConfig):
    from .models import build_dcgan

    return build_dcgan(cfg)


def _build_mlp(cfg: MLPGANConfig):
    from .models import build_mlp

    return build_mlp(cfg)


def _routine(models, config, objective, ctx):
    from .routine import AdversarialRoutine

    return AdversarialRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "dcgan",
            "DCGAN",
            DCGANConfig,
            _build_dcgan,
            _routine,
            _CAPS,
            description="Deep convolutional GAN (Radford et al. 2015), 32–256 px.",
            accepts_objectives=True,
            stabilisers=SUPPORTED_STABILISERS,
        ),
        Variant(
            "gan",
            "GAN (fully connected)",
            MLPGANConfig,
            _build_mlp,
            _routine,
            _CAPS,
            description="The original GAN: MLP generator and discriminator.",
            accepts_objectives=True,
            stabilisers=SUPPORTED_STABILISERS,
        ),
    ]


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def _interpolate(model, params, inputs=None):
    from .actions import interpolate

    return interpolate(model, params, inputs)


_TRUNCATION = FloatParam(
    "truncation",
    1.0,
    min=0.05,
    max=1.0,
    step=0.05,
    help="Scale latents toward the mean: lower is cleaner, less varied.",
)


def ganstudio_actions():
    return [
        Action(
            "generate",
            "Generate",
            _generate,
            params=(SeedParam("seed", 0), IntParam("count", 1, min=1, max=256), _TRUNCATION),
            requires=frozenset({"sample", "latent"}),
            output_kind="image",
            interactive=True,
            variants=_VARIANTS,
            description="Sample images; image i of a batch uses seed + i.",
        ),
        Action(
            "interpolate",
            "Interpolate",
            _interpolate,
            params=(
                SeedParam("seed_a", 0),
                SeedParam("seed_b", 1),
                IntParam("frames", 8, min=2, max=240),
                ChoiceParam("mode", "slerp", choices=("slerp", "lerp")),
                _TRUNCATION,
            ),
            requires=frozenset({"sample", "latent"}),
            output_kind="images",
            variants=_VARIANTS,
            description="Walk the latent space from seed A to seed B: a strip or a GIF.",
        ),
    ]


def _detect(path, state):
    from .importer import detect

    return detect(path, state)


def _convert(path, state, options=None):
    from .importer import convert

    return convert(path, state, options)


def ganstudio_importers():
    return [
        Importer(
            "dcgan-examples",
            "DCGAN netG.pth (PyTorch examples)",
            _convert,
            _detect,
            description="A generator saved by pytorch/examples' dcgan/main.py.",
        ),
    ]
