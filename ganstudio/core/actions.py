"""Running an action on a loaded model, the same way for GUI, CLI and batch."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ganstudio import __version__
from ganstudio.core.imaging import as_images, compose
from ganstudio.core.jobs import drive
from ganstudio.core.latents import LayerResolver, load_latents
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import Action, ActionResult, LayerParam, Progress, validate_params


@dataclass(frozen=True)
class ActionOutput:
    """An action's result as images, plus the provenance to store with them (frozen:
    a worker makes it, the GUI thread reads it)."""

    images: list[Image.Image]
    layout: str
    provenance: dict[str, Any]
    result: ActionResult

    def composite(self) -> Image.Image:
        return compose(self.images, self.layout)

    def layers(self, name: str) -> list[tuple[Image.Image, str]]:
        """(image, layer name) bottom to top: one per image for layout ``layers``
        (named by ``info["layer_names"]`` when given), else the composite alone."""
        if self.layout != "layers" or len(self.images) < 2:
            return [(self.composite(), name)]
        names = self.result.info.get("layer_names")
        if not isinstance(names, list) or len(names) != len(self.images):
            names = [f"{name} {i + 1}" for i in range(len(self.images))]
        return [(im, f"{name}: {n}") for im, n in zip(self.images, names, strict=True)]


def provenance(
    model: LoadedModel | None, action: Action, params: Mapping[str, Any], info: Mapping[str, Any]
) -> dict[str, Any]:
    """How an image was made: enough to make it again or reopen it with its sliders."""
    return {
        "app": "GAN Studio",
        "app_version": __version__,
        "model": None
        if model is None
        else {
            "file": model.path.name if model.path else None,
            "sha256": model.sha256,
            "variant": model.variant_id,
        },
        "action": action.id,
        # which plugin (and version) made it: set on every spec at discovery
        "plugin": getattr(action, "provided_by", None),
        "params": dict(params),
        "seed": params.get("seed", params.get("seed_a")),
        **({"info": dict(info)} if info else {}),
    }


def iterate_action(
    action: Action,
    model: LoadedModel | None,
    values: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
    resolve_layer: LayerResolver | None = None,
    upscale: Any = None,
) -> Generator[Progress, None, ActionOutput]:
    """Validate params, run (as a generator when the action is one), wrap the result.

    A :class:`LayerParam` value (a layer id, a latent file) is turned into that
    source's latents by ``resolve_layer`` (default: read a ``.npz``/``.npy``);
    provenance records the user's choice, the action receives the arrays.
    When that source is a projected photo, the result is blended back into the
    photo (``inputs["photo"]``, else the source layer's own ``image``): one
    place for every latent action (``ganstudio.core.photo``); ``upscale``
    optionally enlarges a face smaller than its place in the photo first.
    """
    specs = action.params_for(model)
    params = validate_params(specs, values)
    resolve = resolve_layer or load_latents
    call = dict(params)
    for spec in specs:
        value = params[spec.name]
        if isinstance(spec, LayerParam):
            if value in (None, ""):
                call[spec.name] = None
            elif not isinstance(value, Mapping):  # a mapping is latents already
                call[spec.name] = resolve(value)
    produced = action.run(model, call, dict(inputs or {}))
    if inspect.isgenerator(produced):
        result = yield from produced
    else:
        result = produced
    if not isinstance(result, ActionResult):
        raise TypeError(f"action {action.id!r} returned {type(result).__name__}, not ActionResult")
    images = as_images(result.images) if result.images is not None else []
    info = {k: v for k, v in result.info.items() if isinstance(v, (int, float, str, list, bool))}
    prov = provenance(model, action, params, info)
    if action.input_kind != "image":  # a latent edit: a projected source goes back in place
        from ganstudio.core.photo.edit import blend_edit

        images, result, prov = blend_edit(images, result, prov, specs, call, inputs, upscale)
    return ActionOutput(images, result.layout, prov, result)


def run_action(
    action: Action,
    model: LoadedModel | None,
    values: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resolve_layer: LayerResolver | None = None,
    upscale: Any = None,
) -> ActionOutput:
    """Run to completion (CLI, batch, tests): progress to a callback, cancel between yields."""
    gen = iterate_action(action, model, values, inputs, resolve_layer, upscale)
    return drive(gen, on_progress, should_stop)
