"""A small BigGAN (Brock et al. 2019): pick the class, trade variety for fidelity.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.specs import (
    Action,
    ChoiceParam,
    FloatParam,
    IntParam,
    Param,
    SeedParam,
    Variant,
)

from .config import BigGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent", "condition"})
_VARIANTS = frozenset({"biggan"})


def _build(cfg: BigGANConfig):
    from .models import build_biggan

    return build_biggan(cfg)


def _routine(models, config, objective, ctx):
    from .routine import BigGANRoutine

    return BigGANRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "biggan",
            "BigGAN (class-conditional)",
            BigGANConfig,
            _build,
            _routine,
            _CAPS,
            data_kind="labels",
            description="Class-conditional GAN with conditional batch norm, a shared class "
            "embedding, self-attention, spectral norm, hinge loss and orthogonal "
            "regularisation; the truncation trick trades variety for fidelity.",
            accepts_objectives=True,
        ),
    ]


def _generate_params(model: Any) -> list[Param]:
    cfg = getattr(model, "config", None)
    names = (cfg if isinstance(cfg, BigGANConfig) else BigGANConfig()).class_names
    return [
        ChoiceParam("class", names[0], choices=names, help="The class the generator draws."),
        FloatParam(
            "truncation",
            1.0,
            min=0.05,
            max=3.0,
            step=0.05,
            help="Cut the latent at ±this: lower is more faithful and less varied; "
            "3 is nearly untruncated.",
        ),
        SeedParam("seed", 0),
        IntParam("count", 1, min=1, max=256),
    ]


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def ganstudio_actions():
    return [
        Action(
            "generate",
            "Generate",
            _generate,
            params=_generate_params,
            requires=frozenset({"sample", "condition"}),
            output_kind="image",
            interactive=True,
            variants=_VARIANTS,
            description="Sample images of the picked class; image i of a batch uses seed + i.",
        ),
    ]
