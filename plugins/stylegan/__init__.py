"""StyleGAN2: style-based generator, style mixing, importers of the usual checkpoints.

Discovery imports only this file and ``config.py``; torch loads on first use.

The generator contract (role ``G`` and ``G_ema``; what the editing layer uses):

* ``G.z_dim``, ``G.w_dim``, ``G.num_ws`` (number of W+ entries, ``2·log2(res) − 2``),
  ``G.resolution``.
* ``G.mapping(z)``: (B, z_dim) → w (B, w_dim).
* ``G.synthesis(ws, noise_mode="const"|"random"|"none")``: (B, num_ws, w_dim) →
  image (B, 3, H, W) in about [-1, 1].  ``"const"`` uses the per-layer noise
  buffers stored in the model, so a latent always gives the same image.
* ``G(z, truncation_psi=1.0, noise_mode="random")`` → image; ``G.truncate(ws, psi)``.
* ``G.w_avg``: buffer (w_dim,), the running mean of w — truncation and projection centre.
* ``G.layer_groups()`` → ``{"coarse": [...], "middle": [...], "fine": [...]}``
  W+ indices (entry i drives the 2^(2 + i//2) px layers; coarse 4–8 px,
  middle 16–32 px, fine 64 px and up; a 32 px model's 32 px layers are fine).
* ``networks.as_ws(latent, num_ws, w_dim)`` turns W (w_dim,) / (N, w_dim) or
  W+ (N, num_ws, w_dim) into W+; ``ganstudio.blocks.seeded_normal(n, z_dim,
  seeds=…)`` is the seeded z the actions use (row i from seed i).

Capabilities: ``sample``, ``latent``, ``style-mix``, ``w-latent``.
Config (:class:`StyleGAN2Config`): ``resolution``, ``z_dim``, ``w_dim`` and the rest.

Actions put the latents they used into ``ActionResult.latents``: ``"ws"``
(N, num_ws, w_dim), the W+ the synthesis network consumed (after truncation),
and ``"z"`` (N, z_dim) when the images came from seeds.  Any action that takes
a source layer reads ``ws`` (or ``w``) back from the layer's latents.

``style-mix``'s ``source_a``/``source_b`` accept a layer object with
``.latents``, a dict holding ``ws``/``w`` (or ``{"latents": {...}}``), an
array, or a path to a ``.npy``/``.npz`` latent (the CLI).

Importers: ``stylegan2-rosinality`` reads ``.pt``/``.pth`` through the core's
weights-only loader; ``stylegan2-nvidia`` needs its own restricted reader
(``importers.nvidia_pickle.read_network_pickle``), passed as ``read=`` when
the core's ``Importer`` has that field.

The editing actions (attributes, fit-directions, project) live in the
``editing`` subpackage and are added here when it is present.
"""

from __future__ import annotations

import dataclasses

from ganstudio.core.specs import (
    Action,
    BoolParam,
    Capability,
    ChoiceParam,
    FloatParam,
    Importer,
    IntParam,
    LayerParam,
    ListParam,
    SeedParam,
    Variant,
)

from .config import StyleGAN2Config

GANSTUDIO_API = 1
__version__ = "1.0"

CAPABILITIES: frozenset[Capability] = frozenset({"sample", "latent", "style-mix", "w-latent"})
_VARIANTS = frozenset({"stylegan2"})


def _build(cfg: StyleGAN2Config):
    from .networks import build

    return build(cfg)


def _routine(models, config, objective, ctx):
    from .routine import StyleGAN2Routine

    return StyleGAN2Routine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "stylegan2",
            "StyleGAN2",
            StyleGAN2Config,
            _build,
            _routine,
            CAPABILITIES,
            description="Style-based generator (Karras et al. 2020): mapping network, "
            "modulated convolutions, noise inputs, skip toRGB; residual D; lazy R1; "
            "style mixing; 32–1024 px.",
        ),
    ]


def _lazy(name: str):
    def run(model, params, inputs=None):
        from . import actions

        return getattr(actions, name)(model, params, inputs)

    run.__name__ = name
    return run


_TRUNCATION = FloatParam(
    "truncation",
    1.0,
    min=0.0,
    max=1.0,
    step=0.05,
    help="ψ: pull w toward the average face; lower is cleaner, less varied.",
)
_CROSSOVER = ChoiceParam(
    "styles",
    "coarse",
    label="Styles from B",
    choices=("coarse", "middle", "fine", "range"),
    help="Which styles B contributes: coarse (pose, face shape), middle "
    "(features), fine (colours), or the explicit layer range.",
)


def _own_actions() -> list[Action]:
    needs: frozenset[Capability] = frozenset({"sample", "w-latent"})
    return [
        Action(
            "generate",
            "Generate",
            _lazy("generate"),
            params=(SeedParam("seed", 0), IntParam("count", 1, min=1, max=256), _TRUNCATION),
            requires=needs,
            interactive=True,
            variants=_VARIANTS,
            description="Sample faces; image i of a batch uses seed + i.",
        ),
        Action(
            "interpolate",
            "Interpolate",
            _lazy("interpolate"),
            params=(
                SeedParam("seed_a", 0, label="Seed A"),
                SeedParam("seed_b", 1, label="Seed B"),
                LayerParam(
                    "source_a",
                    label="Source A",
                    help="a layer (or .npz latent) to "
                    "start from instead of seed A; a projected photo is blended back "
                    "in every frame",
                ),
                LayerParam(
                    "source_b",
                    label="Source B",
                    help="a layer (or .npz latent) to end at instead of seed B",
                ),
                IntParam("frames", 8, min=2, max=240),
                ChoiceParam(
                    "mode",
                    "lerp-w",
                    choices=("lerp-w", "slerp-z"),
                    help="lerp-w: a straight line in W; slerp-z: along the sphere in Z.",
                ),
                _TRUNCATION,
            ),
            requires=needs,
            output_kind="images",
            variants=_VARIANTS,
            description="Walk from seed A to seed B (straight in W, or on the sphere "
            "in Z): a strip, or a GIF when saved as .gif.",
        ),
        Action(
            "style-mix",
            "Style mix",
            _lazy("style_mix"),
            params=(
                SeedParam("seed_a", 0, label="Seed A"),
                SeedParam("seed_b", 1, label="Seed B"),
                LayerParam(
                    "source_a",
                    label="Source A",
                    help="a layer (or .npy latent) to use instead of seed A",
                ),
                LayerParam(
                    "source_b",
                    label="Source B",
                    help="a layer (or .npy latent) to use instead of seed B",
                ),
                _CROSSOVER,
                IntParam(
                    "layer_from",
                    0,
                    min=0,
                    max=17,
                    label="Style layers from",
                    help="first W+ entry (style layer, not a document layer) from B "
                    "when Styles is range",
                ),
                IntParam(
                    "layer_to",
                    3,
                    min=0,
                    max=17,
                    label="Style layers to",
                    help="last W+ entry (style layer, not a document layer) from B "
                    "when Styles is range",
                ),
                _TRUNCATION,
                BoolParam(
                    "grid",
                    False,
                    help="the StyleGAN paper's figure: rows of "
                    "destinations × columns of style sources",
                ),
                ListParam(
                    "rows",
                    "",
                    item="int",
                    label="Row seeds",
                    help="grid: seeds of the rows, e.g. 10,11,12 (default: seed_a, seed_a+1, …)",
                ),
                ListParam(
                    "columns",
                    "",
                    item="int",
                    label="Column seeds",
                    help="grid: seeds of the columns (default: seed_b, seed_b+1, …)",
                ),
                IntParam(
                    "grid_size",
                    3,
                    min=1,
                    max=8,
                    help="grid: rows and columns when no seeds are given",
                ),
            ),
            requires=frozenset({"sample", "style-mix", "w-latent"}),
            variants=_VARIANTS,
            interactive=True,
            description="Take the coarse, middle or fine styles of B and the rest of A.",
        ),
    ]


def ganstudio_actions():
    actions = _own_actions()
    try:
        from .editing import editing_actions
    except ImportError:
        return actions
    return actions + list(editing_actions())


def _rosinality_detect(path, state):
    from .importers.rosinality import detect

    return detect(path, state)


def _rosinality_convert(path, state, options=None):
    from .importers.rosinality import convert

    return convert(path, state, options)


def _nvidia_detect(path, state):
    from .importers.nvidia_pickle import detect

    return detect(path, state)


def _nvidia_convert(path, state, options=None):
    from .importers.nvidia_pickle import convert

    return convert(path, state, options)


def _nvidia_read(path):
    from .importers.nvidia_pickle import read_network_pickle

    return read_network_pickle(path)


def _read_option() -> dict:
    """``read=`` for cores whose Importer can route a file to its own reader."""
    names = {f.name for f in dataclasses.fields(Importer)}
    return {"read": _nvidia_read} if "read" in names else {}


def ganstudio_importers():
    return [
        Importer(
            "stylegan2-rosinality",
            "StyleGAN2 (rosinality stylegan2-pytorch)",
            _rosinality_convert,
            _rosinality_detect,
            description="A checkpoint of rosinality/stylegan2-pytorch (its train.py's "
            "dict with g_ema and args, or a bare g_ema state dict), 32–1024 px, channel "
            "multiplier 1 or 2.  Option lr_mlp: the mapping network's learning-rate "
            "multiplier it was trained with (default 0.01, their train.py's default).",
            options=("lr_mlp",),
        ),
        Importer(
            "stylegan2-nvidia",
            "StyleGAN2 network pickle (NVIDIA)",
            _nvidia_convert,
            _nvidia_detect,
            extensions=(".pkl",),
            **_read_option(),
            description="A network pickle of stylegan2-ada-pytorch / stylegan3 "
            "(StyleGAN2 configs), read without running the code it carries.",
        ),
    ]
