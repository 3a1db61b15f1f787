"""Progressive growing of GANs (Karras et al. 2018): generate, and show the growth.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from ganstudio.core.specs import Action, FloatParam, IntParam, SeedParam, Variant

from .config import ProGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent"})
_VARIANTS = frozenset({"progan"})


def _build(cfg: ProGANConfig):
    from .models import build_progan

    return build_progan(cfg)


def _routine(models, config, objective, ctx):
    from .routine import ProgressiveRoutine

    return ProgressiveRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "progan",
            "ProGAN (progressive growing)",
            ProGANConfig,
            _build,
            _routine,
            _CAPS,
            description="Grows G and D from 4 px to full size, fading each new resolution in; "
            "equalised learning rate, pixel norm, minibatch stddev (Karras et al. 2018).",
            accepts_objectives=True,
        ),
    ]


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def _growth(model, params, inputs=None):
    from .actions import show_growth

    return show_growth(model, params, inputs)


def ganstudio_actions():
    return [
        Action(
            "generate",
            "Generate",
            _generate,
            params=(
                SeedParam("seed", 0),
                IntParam("count", 1, min=1, max=256),
                FloatParam(
                    "truncation",
                    1.0,
                    min=0.05,
                    max=1.0,
                    step=0.05,
                    help="Scale latents toward the mean: lower is cleaner, less varied.",
                ),
            ),
            requires=_CAPS,
            output_kind="image",
            interactive=True,
            variants=_VARIANTS,
            description="Sample at the resolution the model has grown to, shown at full size.",
        ),
        Action(
            "show-growth",
            "Show growth",
            _growth,
            params=(SeedParam("seed", 0),),
            requires=_CAPS,
            output_kind="images",
            variants=_VARIANTS,
            description="One latent at every resolution the model grew through: a strip, "
            "coarse to fine.",
        ),
    ]
