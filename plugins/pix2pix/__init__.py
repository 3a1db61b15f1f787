"""Image-to-image translation: pix2pix (paired, sketch → photo) and CycleGAN (unpaired).

Actions: ``photo-to-sketch`` (no model), ``sketch-to-photo`` (pix2pix) and
``translate`` (CycleGAN A→B or B→A).  Data: ``paired:``, ``aligned:``,
``photos:`` and ``unpaired:`` folders.  The importer reads the reference
implementation's ``latest_net_G.pth``.  Discovery imports only this file and
config.py; torch loads on first use.
"""

from __future__ import annotations

from ganstudio.core.specs import (
    Action,
    BoolParam,
    ChoiceParam,
    DatasetSource,
    FloatParam,
    Importer,
    IntParam,
    SeedParam,
    Variant,
)

from .config import CycleGANConfig, Pix2PixConfig

GANSTUDIO_API = 1
__version__ = "1.0"


def _build_pix2pix(cfg: Pix2PixConfig):
    from .models import build_pix2pix

    return build_pix2pix(cfg)


def _build_cyclegan(cfg: CycleGANConfig):
    from .models import build_cyclegan

    return build_cyclegan(cfg)


def _pix2pix_routine(models, config, objective, ctx):
    from .routine import Pix2PixRoutine

    return Pix2PixRoutine(models, config, objective, ctx)


def _cyclegan_routine(models, config, objective, ctx):
    from .routine import CycleGANRoutine

    return CycleGANRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "pix2pix",
            "pix2pix (sketch → photo)",
            Pix2PixConfig,
            _build_pix2pix,
            _pix2pix_routine,
            frozenset({"translate", "sketch"}),
            data_kind="paired",
            description="Paired image translation (Isola et al. 2017): U-Net or ResNet "
            "generator, 70×70 PatchGAN on the pair, adversarial + 100·L1.",
            accepts_objectives=True,
        ),
        Variant(
            "cyclegan",
            "CycleGAN (unpaired)",
            CycleGANConfig,
            _build_cyclegan,
            _cyclegan_routine,
            frozenset({"translate"}),
            data_kind="unpaired",
            description="Unpaired translation (Zhu et al. 2017): two ResNet generators, "
            "two PatchGANs, LSGAN + 10·cycle + 5·identity, a history pool of 50.",
            accepts_objectives=True,
        ),
    ]


def _photo_to_sketch(model, params, inputs):
    from .actions import sketch_action

    return sketch_action(model, params, inputs)


def _sketch_to_photo(model, params, inputs):
    from .actions import sketch_to_photo

    return sketch_to_photo(model, params, inputs)


def _translate(model, params, inputs):
    from .actions import translate

    return translate(model, params, inputs)


_DETAIL = FloatParam(
    "detail",
    1.5,
    min=0.5,
    max=6.0,
    step=0.25,
    label="Line scale",
    help="Scale (px) of the edges traced: small follows fine detail, large keeps outlines.",
)
_DROPOUT = BoolParam(
    "dropout",
    False,
    label="Dropout noise",
    help="Keep the generator's dropout on, as the pix2pix paper does at test time: "
    "varied results (by seed) instead of the deterministic one.",
)
_FULL_SIZE = BoolParam(
    "full_size",
    False,
    label="Full size",
    help="Run a ResNet generator at the image's own size instead of the model's "
    "(U-Nets always run at theirs).",
)


def ganstudio_actions():
    return [
        Action(
            "photo-to-sketch",
            "Photo → sketch",
            _photo_to_sketch,
            params=(
                _DETAIL,
                IntParam("thickness", 1, min=1, max=5, help="Line width in pixels."),
            ),
            input_kind="image",
            interactive=True,
            batchable=True,
            description="Trace thin dark lines of an image's edges on white (no model; "
            "the same sketches pix2pix trains on from a folder of photos).",
        ),
        Action(
            "sketch-to-photo",
            "Sketch → photo",
            _sketch_to_photo,
            params=(
                BoolParam(
                    "extract_sketch",
                    False,
                    label="Sketch the input first",
                    help="Turn the input (a photo) into a sketch first, as photo-to-sketch does.",
                ),
                _DETAIL,
                _DROPOUT,
                SeedParam("seed", 0, help="Dropout noise seed (with dropout on)."),
                _FULL_SIZE,
            ),
            requires=frozenset({"sketch"}),
            input_kind="image",
            interactive=True,
            batchable=True,
            variants=frozenset({"pix2pix"}),
            description="Turn a line drawing into a photo. On a sketch layer every "
            "brush or eraser stroke updates the preview.",
        ),
        Action(
            "translate",
            "Translate (CycleGAN)",
            _translate,
            params=(
                ChoiceParam(
                    "direction",
                    "a2b",
                    choices=("a2b", "b2a"),
                    help="a2b: domain A to B (the model's G_A); b2a: back (G_B).",
                ),
                _FULL_SIZE,
            ),
            requires=frozenset({"translate"}),
            input_kind="image",
            interactive=True,
            batchable=True,
            variants=frozenset({"cyclegan"}),
            description="Translate an image between the model's two domains.",
        ),
    ]


def _source(kind: str):
    def open_(arg, request):
        from . import data

        opener = {
            "paired": data.open_paired,
            "aligned": data.open_aligned,
            "photos": data.open_photos,
            "unpaired": data.open_unpaired,
        }[kind]
        return opener(arg, request.resolution)

    return open_


def ganstudio_datasets():
    return [
        DatasetSource(
            "paired",
            "Paired folders A/ B/",
            _source("paired"),
            kinds=frozenset({"paired"}),
            description="paired:ROOT[?direction=BtoA] — ROOT/A and ROOT/B matched by file "
            "name; names without a partner are reported.",
        ),
        DatasetSource(
            "aligned",
            "Side-by-side A|B images",
            _source("aligned"),
            kinds=frozenset({"paired"}),
            description="aligned:ROOT[?direction=BtoA] — images holding A left and B right "
            "(the public pix2pix data sets).",
        ),
        DatasetSource(
            "photos",
            "Photos (sketches traced)",
            _source("photos"),
            kinds=frozenset({"paired"}),
            description="photos:ROOT — a folder of photos; each sketch is traced by "
            "photo-to-sketch.",
        ),
        DatasetSource(
            "unpaired",
            "Unpaired folders A/ B/",
            _source("unpaired"),
            kinds=frozenset({"unpaired"}),
            description="unpaired:ROOT[?direction=BtoA] — ROOT/A and ROOT/B, any sizes (CycleGAN).",
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
            "pix2pix",
            "pix2pix / CycleGAN latest_net_G.pth",
            _convert,
            _detect,
            description="A generator saved by junyanz/pytorch-CycleGAN-and-pix2pix: "
            "unet_256, unet_128, resnet_9blocks or resnet_6blocks, batch or instance "
            "norm (old instance-norm files with running statistics too).",
        ),
    ]
