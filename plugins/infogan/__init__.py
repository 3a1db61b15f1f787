"""InfoGAN (Chen et al. 2016): unsupervised, interpretable codes as pickers and sliders.

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

from .config import (
    SUPPORTED_STABILISERS,
    InfoGANConfig,
    category_param_names,
    code_param_names,
)

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "latent", "codes"})
_VARIANTS = frozenset({"infogan"})


def _build(cfg: InfoGANConfig):
    from .models import build_infogan

    return build_infogan(cfg)


def _routine(models, config, objective, ctx):
    from .routine import InfoGANRoutine

    return InfoGANRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "infogan",
            "InfoGAN",
            InfoGANConfig,
            _build,
            _routine,
            _CAPS,
            description="DCGAN whose latent carries categorical and continuous codes "
            "that D's Q head must recover (Chen et al. 2016).",
            accepts_objectives=True,
            stabilisers=SUPPORTED_STABILISERS,
        ),
    ]


def _config(model: Any) -> InfoGANConfig:
    cfg = getattr(model, "config", None)
    return cfg if isinstance(cfg, InfoGANConfig) else InfoGANConfig()


def _code_params(cfg: InfoGANConfig) -> list[Param]:
    """One picker per categorical code, one unlabelled slider per continuous code."""
    params: list[Param] = []
    for name, k in zip(category_param_names(cfg), cfg.categorical, strict=True):
        params.append(
            ChoiceParam(
                name,
                "random",
                choices=("random", *map(str, range(k))),
                help=f"Value of a learned categorical code (0–{k - 1}).",
            )
        )
    for i, name in enumerate(code_param_names(cfg)):
        params.append(
            FloatParam(
                name,
                0.0,
                label=f"Code {i + 1}",
                min=-2.0,
                max=2.0,
                step=0.05,
                help="A learned continuous code; trained on [-1, 1].",
            )
        )
    return params


def _generate_params(model: Any) -> list[Param]:
    return [
        SeedParam("seed", 0),
        IntParam("count", 1, min=1, max=256),
        *_code_params(_config(model)),
    ]


def _sweep_params(model: Any) -> list[Param]:
    cfg = _config(model)
    codes = (*code_param_names(cfg), *category_param_names(cfg))
    return [
        SeedParam("seed", 0),
        ChoiceParam(
            "code",
            codes[0],
            choices=codes,
            help="The code to walk; the noise and other codes stay fixed.",
        ),
        IntParam("frames", 8, min=2, max=240, help="Frames for a continuous code."),
        FloatParam(
            "span",
            2.0,
            min=0.1,
            max=4.0,
            step=0.1,
            help="A continuous code goes from -span to +span.",
        ),
        ChoiceParam("layout", "strip", choices=("strip", "animation")),
    ]


def _generate(model, params, inputs=None):
    from .actions import generate

    return generate(model, params, inputs)


def _sweep(model, params, inputs=None):
    from .actions import sweep

    return sweep(model, params, inputs)


def ganstudio_actions():
    return [
        Action(
            "generate",
            "Generate",
            _generate,
            params=_generate_params,
            requires=frozenset({"sample", "codes"}),
            output_kind="image",
            interactive=True,
            variants=_VARIANTS,
            description="Sample images with chosen categories and code sliders; "
            "image i of a batch uses seed + i.",
        ),
        Action(
            "interpolate",
            "Sweep a code",
            _sweep,
            params=_sweep_params,
            requires=frozenset({"sample", "codes"}),
            output_kind="images",
            variants=_VARIANTS,
            description="Same noise, one code walked across its range: a strip or a GIF.",
        ),
    ]
