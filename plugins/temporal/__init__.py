"""Temporal GAN (MoCoGAN, seed book §6.6): short clips with content and motion apart.

Discovery imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from ganstudio.core.specs import Action, IntParam, SeedParam, Variant

from .config import TemporalGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

#: a model that draws clips: what ``animate`` needs
VIDEO = "x-temporal-video"
_CAPS = frozenset({"sample", VIDEO})


def _build(cfg: TemporalGANConfig):
    from .models import build_temporal

    return build_temporal(cfg)


def _routine(models, config, objective, ctx):
    from .routine import TemporalRoutine

    return TemporalRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "temporal",
            "Temporal GAN (MoCoGAN)",
            TemporalGANConfig,
            _build,
            _routine,
            _CAPS,  # type: ignore[arg-type]  # a plugin's own capability word
            data_kind="video",
            description="Short clips: a content code per clip and a motion code per frame "
            "from a GRU, judged by an image and a video (3-D conv) critic. "
            "Trains on procedural:face-clips.",
            accepts_objectives=True,
        ),
    ]


def _animate(model, params, inputs=None):
    from .actions import animate

    return animate(model, params, inputs)


def ganstudio_actions():
    return [
        Action(
            "animate",
            "Animate",
            _animate,
            params=(
                SeedParam("seed", 0, help="Who is in the clip (the content code)."),
                SeedParam(
                    "motion_seed",
                    0,
                    label="Motion seed",
                    help="How it moves: same face, other motion.",
                ),
                IntParam(
                    "frames",
                    0,
                    min=0,
                    max=64,
                    special="Auto",
                    help="Clip length; Auto: the length the model trained on.",
                ),
                IntParam("fps", 8, min=1, max=60, label="FPS", help="Playback speed."),
            ),
            requires=_CAPS,  # type: ignore[arg-type]
            output_kind="images",
            variants=frozenset({"temporal"}),
            description="A short clip: a face that turns its head or smiles. "
            "Plays as one layer; -o clip.gif / clip.webp animates, strip.png tiles the frames.",
        ),
    ]
