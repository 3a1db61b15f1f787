"""LAPGAN (Denton et al. 2015): a Laplacian pyramid of generators, coarse to fine.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.specs import Action, ChoiceParam, IntParam, Param, SeedParam, Variant

from .config import LAPGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent"})
_VARIANTS = frozenset({"lapgan"})


def _build(cfg: LAPGANConfig):
    from .models import build_lapgan

    return build_lapgan(cfg)


def _routine(models, config, objective, ctx):
    from .routine import PyramidRoutine

    return PyramidRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "lapgan",
            "LAPGAN (Laplacian pyramid)",
            LAPGANConfig,
            _build,
            _routine,
            _CAPS,
            description="A coarse generator and one conditional generator per octave, each "
            "adding the detail of its resolution to the upsampled image below it.",
            accepts_objectives=True,
        ),
    ]


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def _refine(model, params, inputs=None):
    from .actions import refine

    return refine(model, params, inputs or {})


def _refine_params(model: Any) -> list[Param]:
    cfg = getattr(model, "config", None)
    cfg = cfg if isinstance(cfg, LAPGANConfig) else LAPGANConfig()
    starts = tuple(str(r) for r in cfg.resolutions[:-1])
    return [
        ChoiceParam(
            "from",
            starts[0],
            choices=starts,
            label="Start at (px)",
            help="The resolution the image is reduced to before the pyramid adds detail.",
        ),
        SeedParam("seed", 0),
    ]


def ganstudio_actions():
    return [
        Action(
            "generate",
            "Generate",
            _generate,
            params=(SeedParam("seed", 0), IntParam("count", 1, min=1, max=256)),
            requires=_CAPS,
            output_kind="image",
            interactive=True,
            variants=_VARIANTS,
            description="Sample coarse to fine from noise; image i of a batch uses seed + i.",
        ),
        Action(
            "refine",
            "Refine",
            _refine,
            params=_refine_params,
            requires=_CAPS,
            input_kind="image",
            output_kind="images",
            variants=_VARIANTS,
            description="Reduce the image to a low resolution, then add detail level by "
            "level: one layer per level, coarse at the bottom.",
        ),
    ]
