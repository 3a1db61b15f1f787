"""Super-resolution: SRGAN, ESRGAN (RRDBNet) and the compact SRVGG network.

One action, ``super-resolve``, upscales an image of any size tile by tile;
importers read ESRGAN / Real-ESRGAN ``.pth`` files in every key spelling in
circulation.  Discovery imports only this file and config.py; torch loads on
first use.
"""

from __future__ import annotations

from ganstudio.core.specs import Action, FloatParam, Importer, IntParam, Variant

from .config import ESRGANConfig, SRGANConfig, SRVGGConfig

GANSTUDIO_API = 1
__version__ = "1.0"

_CAPS = frozenset({"upscale"})


def _build_srgan(cfg: SRGANConfig):
    from .models import build_srgan

    return build_srgan(cfg)


def _build_esrgan(cfg: ESRGANConfig):
    from .models import build_esrgan

    return build_esrgan(cfg)


def _build_srvgg(cfg: SRVGGConfig):
    from .models import build_srvgg

    return build_srvgg(cfg)


def _routine(models, config, objective, ctx):
    from .routine import SRRoutine

    return SRRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "srgan",
            "SRGAN",
            SRGANConfig,
            _build_srgan,
            _routine,
            _CAPS,
            description="SRResNet generator (BN + PReLU residual blocks, pixel shuffle) "
            "with a VGG-style discriminator (Ledig et al. 2017).",
            accepts_objectives=True,
        ),
        Variant(
            "esrgan",
            "ESRGAN (RRDBNet)",
            ESRGANConfig,
            _build_esrgan,
            _routine,
            _CAPS,
            description="Residual-in-residual dense blocks (Wang et al. 2018), x1/x2/x4; "
            "Real-ESRGAN weights import directly.",
            accepts_objectives=True,
        ),
        Variant(
            "srvgg",
            "Compact SR (SRVGG)",
            SRVGGConfig,
            _build_srvgg,
            _routine,
            _CAPS,
            description="Real-ESRGAN's SRVGGNetCompact: fast enough for interactive use.",
            accepts_objectives=True,
        ),
    ]


def _super_resolve(model, params, inputs=None):
    from .action import super_resolve

    return super_resolve(model, params, inputs)


def _no_denoise_twin(model) -> str | None:
    """Why the denoise slider does nothing for ``model`` (None when it has a twin)."""
    if (getattr(model, "extras", None) or {}).get("G_weak"):
        return None
    return "this model has no weak-denoise twin (G_weak)"


def ganstudio_actions():
    return [
        Action(
            "super-resolve",
            "Super-resolve",
            _super_resolve,
            params=(
                IntParam(
                    "tile",
                    0,
                    min=0,
                    max=8192,
                    label="Tile size",
                    special="Auto",
                    help="Input tile size in pixels; 0 picks it from free memory.",
                ),
                IntParam(
                    "tile_overlap",
                    -1,
                    min=-1,
                    max=512,
                    label="Tile overlap",
                    special="Auto",
                    help="Context around each tile; -1 uses the network's receptive "
                    "radius up to 16 px (exact for compact nets; deep ESRGAN nets get "
                    "16 px). More is more exact and slower.",
                ),
                FloatParam(
                    "denoise",
                    0.5,
                    min=0.0,
                    max=1.0,
                    step=0.05,
                    label="Denoise strength",
                    unavailable_if=_no_denoise_twin,
                    help="Denoise strength, for models that carry a weak-denoise "
                    "twin (G_weak); ignored by others.",
                ),
                FloatParam(
                    "outscale",
                    0.0,
                    min=0.0,
                    max=16.0,
                    step=0.5,
                    label="Output scale",
                    special="Model's own",
                    help="Final scale (Lanczos resize of the result); 0 keeps the "
                    "model's own scale.",
                ),
            ),
            requires=_CAPS,
            input_kind="image",
            output_kind="image",
            batchable=True,
            description="Upscale an image of any size, tile by tile; alpha, greyscale, "
            "16-bit and ICC profiles are kept.",
        ),
    ]


def _importer(kind: str):
    def detect(path, state):
        from . import importer

        return importer.DETECTORS[kind](state)

    def convert(path, state, options=None):
        from . import importer

        imported = importer.CONVERTERS[kind](state)
        if kind == "srvgg":
            importer.add_denoise_twin(imported, path, options or {})
        return imported

    return detect, convert


def ganstudio_importers():
    rrdb_detect, rrdb_convert = _importer("rrdb")
    vgg_detect, vgg_convert = _importer("srvgg")
    return [
        Importer(
            "esrgan",
            "ESRGAN / Real-ESRGAN RRDBNet .pth",
            rrdb_convert,
            rrdb_detect,
            description="BasicSR (conv_first/body.N.rdbK), original ESRGAN "
            "(RRDB_trunk/trunk_conv/upconv/HRconv) and old-architecture (model.N) keys; "
            "raw or wrapped in params / params_ema.",
        ),
        Importer(
            "realesrgan-compact",
            "Real-ESRGAN SRVGGNetCompact .pth",
            vgg_convert,
            vgg_detect,
            description="realesr-general-x4v3, realesr-animevideov3 and other "
            "SRVGGNetCompact weights (body.N), raw or wrapped in params / params_ema. "
            "The weak-denoise twin that drives the denoise slider is taken from "
            "--set denoise_twin=FILE, or found beside realesr-general-x4v3.pth "
            "as realesr-general-wdn-x4v3.pth, as Real-ESRGAN's own script does.",
            options=("denoise_twin",),
        ),
    ]
