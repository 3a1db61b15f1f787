"""Face editing in W: attribute directions, sliders, and projecting a real photo.

A subpackage of the StyleGAN plugin, written against the W-space generator
interface only (``z_dim``, ``w_dim``, ``num_ws``, ``mapping``, ``synthesis``,
``w_avg``), so every variant with the ``w-latent`` capability can use it.
Torch-free at import: the actions' code loads on first use.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.specs import (
    Action,
    BoolParam,
    Capability,
    ChoiceParam,
    FaceParam,
    FloatParam,
    IntParam,
    LayerParam,
    ListParam,
    Param,
    SeedParam,
    StrParam,
)

_REQUIRES: frozenset[Capability] = frozenset({"w-latent"})
_LAYERS = ("all", "coarse", "middle", "fine")  # = wspace.LAYER_RANGES, without torch
#: param names of the attributes action; a direction with one of these names gets a prefix
_RESERVED = frozenset({"seed", "truncation", "source", "keep_fixed", "layers"})


def slider_name(direction: str) -> str:
    """The attributes action's param name for a direction."""
    return f"dir_{direction}" if direction in _RESERVED else direction


def _direction_names(model: Any) -> list[str]:
    extras = getattr(model, "extras", None) or {}
    return sorted(extras.get("directions", {}))


def _attribute_params(model: Any) -> list[Param]:
    """One slider per direction the model carries, plus where the face comes from."""
    names = _direction_names(model)
    sliders: list[Param] = [
        FloatParam(
            slider_name(n),
            0.0,
            min=-3.0,
            max=3.0,
            step=0.1,
            label=n.replace("_", " ").capitalize(),
            help="Standard deviations of W along this direction.",
        )
        for n in names
    ]
    return [
        SeedParam("seed", 0, help="The face to edit, unless a source layer is given."),
        FloatParam(
            "truncation",
            0.7,
            min=0.05,
            max=1.0,
            step=0.05,
            help="Pull the seed's latent toward the average face.",
        ),
        LayerParam(
            "source",
            label="Source layer",
            help="Edit this layer's latent instead (made by generate, "
            "attributes or project; on the command line a .npy/.npz of ws).",
        ),
        *sliders,
        ListParam(
            "keep_fixed",
            "",
            choices=tuple(names),
            label="Keep fixed",
            help="Directions to hold fixed while the others move "
            "(comma-separated): " + (", ".join(names) or "the model has none yet"),
        ),
        ChoiceParam(
            "layers",
            "all",
            choices=_LAYERS,
            label="Style layers",
            help="Which styles the edit touches: coarse (pose, shape), middle "
            "(features), fine (colour).",
        ),
    ]


def _fit_params(model: Any = None) -> list[Param]:
    return [
        ChoiceParam(
            "method",
            "labels",
            choices=("labels", "pca"),
            help="labels: a linear classifier in W per labelled attribute "
            "(InterFaceGAN); pca: principal axes of W (GANSpace), named by you.",
        ),
        IntParam("samples", 2000, min=100, max=200_000, help="Latents sampled for the fit."),
        StrParam("attributes", "", help="labels: only these (comma-separated); empty: all."),
        IntParam(
            "images",
            2000,
            min=64,
            max=200_000,
            help="labels: labelled images to train the attribute classifier on.",
        ),
        IntParam("steps", 300, min=1, max=100_000, help="labels: classifier training steps."),
        IntParam("components", 8, min=1, max=512, help="pca: how many directions."),
        StrParam(
            "names",
            "",
            help="pca: names of the components in order (e.g. turn,age); the rest are pc<i>.",
        ),
        SeedParam("seed", 0),
    ]


def _project_params(model: Any = None) -> list[Param]:
    return [
        IntParam(
            "steps",
            300,
            min=1,
            max=10_000,
            help="Optimisation steps (the first 40 % in W, then W+).",
        ),
        FloatParam(
            "lr",
            0.1,
            min=1e-4,
            max=1.0,
            step=0.01,
            label="Learning rate",
            help="Step size of the latent optimisation (Adam).",
        ),
        BoolParam(
            "noise",
            False,
            help="Also fit the per-layer noise maps (regularised). "
            "Only the projection image uses them: the latent other actions edit "
            "carries W+ alone, so off keeps an edit at 0 equal to the projection.",
        ),
        ChoiceParam(
            "align",
            "auto",
            choices=("auto", "ffhq", "none"),
            help="auto: detect the face and align it as the model's faces are "
            "framed (FFHQ's eye/mouth recipe, or the model's own template); ffhq: "
            "always FFHQ's; none: the photo is already aligned (centre square).",
        ),
        FaceParam(
            "face",
            help="Which face when the photo has several (0 = the largest; Largest: the "
            "largest, or the whole photo when none is found). In the editor, the pick "
            "button outlines the faces found so you can click one.",
        ),
        BoolParam(
            "pivotal_tuning",
            False,
            help="Then fine-tune a copy of the generator "
            "around the latent for a faithful reconstruction (slower).",
        ),
        IntParam(
            "pti_steps",
            100,
            min=1,
            max=10_000,
            label="Pivotal tuning steps",
            help="Fine-tuning steps of the generator copy (with pivotal tuning).",
        ),
        StrParam(
            "vgg_weights",
            "",
            label="VGG16 weights file",
            help="A local VGG16 weights file (torchvision's "
            "vgg16 state dict) for an LPIPS-style distance; empty: pixels and edges. "
            "Nothing is downloaded.",
        ),
        SeedParam("seed", 0),
    ]


def _fit(model, params, inputs=None):
    from .fit import fit_directions

    return fit_directions(model, params, inputs or {})


def _attributes(model, params, inputs=None):
    from .attributes import edit_attributes

    return edit_attributes(model, params, inputs)


def _project(model, params, inputs=None):
    from .project import project

    return project(model, params, inputs or {})


def editing_actions() -> list[Action]:
    """The W-space editing actions; the StyleGAN plugin adds them to its own."""
    return [
        Action(
            "fit-directions",
            "Fit attribute directions",
            _fit,
            params=_fit_params,
            requires=_REQUIRES,
            output_kind="model",
            description="Find attribute directions in W and store them in the model "
            "(ganstudio directions fit).",
        ),
        Action(
            "attributes",
            "Attributes",
            _attributes,
            params=_attribute_params,
            requires=_REQUIRES,
            interactive=True,
            description="Slide attributes (smile, age, glasses …) along the directions "
            "the model carries; hold others fixed.",
        ),
        Action(
            "project",
            "Project a photo",
            _project,
            params=_project_params,
            requires=_REQUIRES,
            input_kind="image",
            stoppable=True,  # "Stop" keeps the best latent so far
            description="Find the latent of the face in a photo (detected, aligned, "
            "blended back) so any latent action can edit it in place.",
        ),
    ]
