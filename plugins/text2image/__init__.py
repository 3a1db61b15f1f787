"""Text to image (StackGAN / AttnGAN in small): type a caption, get faces.

A text encoder trained from scratch on captions written for procedural faces
(no downloaded language model), conditioning augmentation, and a generator in
two stages: stage I draws a rough low-resolution face, stage II refines it to
twice the size.  Discovery imports only this file, config.py and captions.py.
"""

from __future__ import annotations

from ganstudio.core.specs import (
    Action,
    BoolParam,
    FloatParam,
    IntParam,
    SeedParam,
    StrParam,
    Variant,
)

from .config import TextToImageConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"sample", "x-text-prompt"})


def _build(cfg: TextToImageConfig):
    from .models import build_text2image

    return build_text2image(cfg)


def _routine(models, config, objective, ctx):
    from .routine import TextToImageRoutine

    return TextToImageRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "text2image",
            "Text to image (StackGAN)",
            TextToImageConfig,
            _build,
            _routine,
            _CAPS,
            data_kind="labels",
            description="A caption → faces: a GRU text encoder trained from scratch on "
            "captions written from procedural:faces labels, conditioning augmentation, "
            "stage I at half size and stage II refining it.",
            accepts_objectives=True,
        ),
    ]


def _text_to_image(model, params, inputs=None):
    from .actions import text_to_image

    return text_to_image(model, params, inputs)


_PARAMS = (
    StrParam(
        "prompt",
        "a smiling old man with glasses",
        help="a caption in the model's words (an unknown word lists them all)",
    ),
    SeedParam("seed", 0),
    IntParam("count", 4, min=1, max=64),
    FloatParam(
        "variety", 1.0, min=0.0, max=2.0, help="conditioning-augmentation noise: 0 = the mean"
    ),
    BoolParam("stages", False, help="show stage I (scaled up) next to each stage-II image"),
)


def ganstudio_actions():
    return [
        Action(
            "text-to-image",
            "Text to image",
            _text_to_image,
            params=_PARAMS,
            requires=_CAPS,
            output_kind="images",
            variants=frozenset({"text2image"}),
            description="Faces for a caption such as 'a smiling old man with glasses'; "
            "image i uses seed + i.",
        ),
    ]
