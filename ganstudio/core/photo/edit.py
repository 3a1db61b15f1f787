"""The one place an edit of a projected photo is blended back (for every latent action).

``ganstudio.core.actions.iterate_action`` calls :func:`blend_edit` after any
action that takes no input image: when one of its layer sources carries a
photo alignment (a projection), each model-sized result is put back into the
photo, the result's latents keep the alignment (so the edit can be edited
again), and provenance names the projection.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from PIL import Image

from ganstudio.core.specs import ActionResult, LayerParam, Param, ParamError

from .pipeline import Upscaler, blend_into_photo, carry_photo, photo_alignment, projection_info


def photo_source(specs: Sequence[Param], call: Mapping[str, Any]) -> tuple[str, Mapping] | None:
    """The first layer source (in the action's param order) that is a projected photo."""
    for spec in specs:
        value = call.get(spec.name)
        if isinstance(spec, LayerParam) and isinstance(value, Mapping):
            if photo_alignment(value) is not None:
                return spec.name, value
    return None


def blend_edit(
    images: list[Image.Image],
    result: ActionResult,
    prov: dict[str, Any],
    specs: Sequence[Param],
    call: Mapping[str, Any],
    inputs: Mapping[str, Any] | None,
    upscale: Upscaler | None = None,
) -> tuple[list[Image.Image], ActionResult, dict[str, Any]]:
    """``images`` blended into the photo when a source is a projected photo; else as given."""
    found = photo_source(specs, call)
    if found is None:
        return images, result, prov
    name, source = found
    photo = (inputs or {}).get("photo")
    if photo is None:
        photo = source.get("image")
    if not isinstance(photo, Image.Image):
        w, h = photo_alignment(source).photo_size  # type: ignore[union-attr]
        raise ParamError(
            f"{name} is the projection of a {w}×{h} photo: give that photo "
            "(--input PHOTO) so the edit can be blended back into it"
        )
    blended, info = blend_into_photo(images, source, photo, upscale)
    latents = carry_photo(result.latents, source)
    prov = dict(prov)
    params = dict(prov.get("params") or {})
    if isinstance(params.get(name), Mapping):  # latents handed over directly: name them
        params[name] = "projection"
    prov["params"] = params
    prov["photo"] = {"source": name, **info, "projection": projection_info(source)}
    return blended, dataclasses.replace(result, latents=latents), prov
