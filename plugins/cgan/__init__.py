"""Conditional GAN (Mirza & Osindero 2014): pick the class, or sweep through them.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.specs import Action, ChoiceParam, IntParam, Param, SeedParam, Variant

from .config import SUPPORTED_STABILISERS, CGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent", "condition"})
_VARIANTS = frozenset({"cgan"})


def _build(cfg: CGANConfig):
    from .models import build_cgan

    return build_cgan(cfg)


def _routine(models, config, objective, ctx):
    from .routine import ConditionalRoutine

    return ConditionalRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "cgan",
            "Conditional GAN",
            CGANConfig,
            _build,
            _routine,
            _CAPS,
            description="Label-conditioned DCGAN with a projection discriminator: a class "
            "or a binned attribute (age young → old) picks what it draws.",
            accepts_objectives=True,
            stabilisers=SUPPORTED_STABILISERS,
        ),
    ]


def _config(model: Any) -> CGANConfig:
    cfg = getattr(model, "config", None)
    return cfg if isinstance(cfg, CGANConfig) else CGANConfig()


def _generate_params(model: Any) -> list[Param]:
    names = _config(model).class_names
    return [
        SeedParam("seed", 0),
        IntParam("count", 1, min=1, max=256),
        ChoiceParam(
            "class",
            names[0] if names else "",
            choices=names,
            help="The condition the generator draws.",
        ),
    ]


_SWEEP_PARAMS = (
    SeedParam("seed", 0),
    IntParam(
        "frames",
        0,
        min=0,
        max=240,
        help="0: one frame per class; more blends neighbouring classes smoothly.",
    ),
    ChoiceParam("layout", "strip", choices=("strip", "animation")),
)


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def _sweep(model, params, inputs=None):
    from .actions import condition_sweep

    return condition_sweep(model, params, inputs)


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
            description="Sample images of one class; image i of a batch uses seed + i.",
        ),
        Action(
            "condition-sweep",
            "Condition sweep",
            _sweep,
            params=_SWEEP_PARAMS,
            requires=frozenset({"sample", "condition"}),
            output_kind="images",
            variants=_VARIANTS,
            description="One face through every class in order, e.g. ageing young → old: "
            "a strip or a GIF.",
        ),
    ]
