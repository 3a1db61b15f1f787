"""The 3D-GAN (Wu et al. 2016): voxel shapes from noise, and from a picture.

Discovery imports only this file and config.py; torch loads on first use.
Shapes are results of output kind ``voxels``: the GUI opens them in the voxel
viewer, ``ganstudio run … -o shape.obj`` writes a mesh.
"""

from __future__ import annotations

from ganstudio.core.specs import (
    Action,
    ChoiceParam,
    FloatParam,
    IntParam,
    SeedParam,
    Variant,
)

from .config import Gan3DConfig

GANSTUDIO_API = 1
__version__ = "1.0"


def _build(cfg: Gan3DConfig):
    from .models import build

    return build(cfg)


def _routine(models, config, objective, ctx):
    from .routine import Gan3DRoutine

    return Gan3DRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "gan3d",
            "3D-GAN (voxels)",
            Gan3DConfig,
            _build,
            _routine,
            frozenset({"sample", "latent", "voxels"}),
            data_kind="voxels",
            description="Voxel shapes from 3-D (transposed) convolutions (Wu et al. 2016), "
            "16³–64³; trains on procedural:shapes or a folder of .binvox/.npy grids.",
            accepts_objectives=True,
        )
    ]


def _preview(model, params, inputs=None):
    from .actions import voxel_preview

    return voxel_preview(model, params, inputs)


def _from_image(model, params, inputs):
    from .actions import image_to_shape

    return image_to_shape(model, params, inputs)


def _to_mesh(model, params, inputs):
    from .actions import voxels_to_mesh

    return voxels_to_mesh(model, params, inputs)


_THRESHOLD = FloatParam(
    "threshold", 0.5, min=0.05, max=0.95, step=0.05, help="Occupancy at which a voxel is solid."
)
_SMOOTH = FloatParam(
    "smooth", 0.0, min=0.0, max=3.0, step=0.25, help="Blur (in voxels) before meshing: rounder."
)
_TRUNCATION = FloatParam(
    "truncation", 1.0, min=0.05, max=1.0, step=0.05, help="Scale z toward the mean: plainer shapes."
)


def ganstudio_actions():
    return [
        Action(
            "voxel-preview",
            "Voxel preview",
            _preview,
            params=(
                ChoiceParam("mode", "seed", choices=("seed", "interpolate")),
                SeedParam("seed", 0),
                SeedParam("seed_b", 1, help="Interpolate: the shape to walk to."),
                IntParam("frames", 6, min=2, max=60, help="Interpolate: shapes along the walk."),
                _TRUNCATION,
                _THRESHOLD,
                _SMOOTH,
            ),
            requires=frozenset({"voxels"}),
            output_kind="voxels",
            interactive=True,
            description="A voxel shape from a seed, or a walk between two; opens the voxel "
            "viewer. -o .obj/.ply/.stl writes a mesh, .npy/.binvox the grid, .png a "
            "turntable, .gif a rotation.",
        ),
        Action(
            "image-to-shape",
            "Image → shape",
            _from_image,
            params=(_THRESHOLD, _SMOOTH),
            requires=frozenset({"voxels"}),
            input_kind="image",
            output_kind="voxels",
            description="A voxel shape from the active layer (a render, or an object on a "
            "plain background), through the model's image encoder.",
        ),
        Action(
            "voxels-to-mesh",
            "Voxels → mesh",
            _to_mesh,
            params=(_THRESHOLD, _SMOOTH),
            input_kind="voxels",
            output_kind="voxels",
            batchable=True,
            description="A .binvox/.npy/.npz grid as a mesh (.obj, .ply, .stl by marching "
            "cubes), a grid file or a turntable; over a folder with 'ganstudio batch'.",
        ),
    ]
