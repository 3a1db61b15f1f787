"""Edit the face in a photo with any latent action, in one call (``ganstudio run ACTION
--input PHOTO``): project it (or reuse a saved projection), edit, blend back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from ganstudio.core.models import LoadedModel
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, LayerParam, ParamError, Progress, parse_params

from .pipeline import photo_alignment

PROJECT_ACTION = "project"


def split_pairs(
    edit: Sequence[Any], project: Sequence[Any], pairs: Sequence[str]
) -> tuple[list[str], list[str]]:
    """``--param`` pairs for the edit, and those only the projection knows (face=N, steps …)."""
    mine = {p.name for p in edit}
    theirs = {p.name for p in project}
    to_edit: list[str] = []
    to_project: list[str] = []
    for pair in pairs:
        key = pair.partition("=")[0].strip()
        (to_project if key in theirs and key not in mine else to_edit).append(pair)
    return to_edit, to_project


def _saved_projection(path: Path, photo: Image.Image) -> dict[str, Any]:
    from ganstudio.core.latents import load_latents

    latents = load_latents(path)
    alignment = photo_alignment(latents)
    if alignment is None:
        raise ParamError(
            f"--latents {path.name}: not a photo projection "
            "(make one with 'ganstudio run project --input PHOTO --latents FILE')"
        )
    if alignment.photo_size != photo.size:
        w, h = alignment.photo_size
        raise ParamError(
            f"--latents {path.name} is the projection of a {w}×{h} photo, "
            f"not of this {photo.width}×{photo.height} one"
        )
    return latents


def edit_photo(
    registry: Registry,
    model: LoadedModel,
    action: Action,
    pairs: Sequence[str],
    photo: Image.Image,
    latents_path: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    upscale: Any = None,
) -> Any:
    """Project ``photo`` (or reuse the projection saved at ``latents_path``; a missing file
    is written), run ``action`` on it, and return its output blended into the photo."""
    from ganstudio.core.actions import run_action
    from ganstudio.core.latents import save_latents

    layer_params = [p for p in action.params_for(model) if isinstance(p, LayerParam)]
    if not layer_params:
        raise ParamError(
            f"action {action.id!r} takes no source latent, so it cannot edit a photo (--input)"
        )
    project = registry.action_for(PROJECT_ACTION, model.capabilities, model.variant_id)
    edit_pairs, project_pairs = split_pairs(
        action.params_for(model), project.params_for(model), pairs
    )
    values = parse_params(action.params_for(model), edit_pairs)
    source = layer_params[0].name
    if values.get(source) not in (None, ""):
        raise ParamError(
            f"--input edits the photo's own face: drop --param {source}=… "
            "(reuse a projection with --latents FILE)"
        )
    path = Path(latents_path).expanduser() if latents_path else None
    if path is not None and path.is_file():
        latents = _saved_projection(path, photo)
        origin = path.name
    else:
        project_values = parse_params(project.params_for(model), project_pairs)
        projected = run_action(
            project, model, project_values, {"image": photo}, on_progress=on_progress
        )
        latents = dict(projected.result.latents)
        origin = "projected now"
        if path is not None:
            save_latents(path, latents)
            origin = f"projected now, saved as {path.name}"
    values[source] = latents
    out = run_action(
        action, model, values, {"photo": photo}, on_progress=on_progress, upscale=upscale
    )
    out.provenance["params"][source] = str(path.name if path else "projection")
    photo_prov: Mapping[str, Any] = out.provenance.get("photo", {})
    out.provenance["photo"] = {**photo_prov, "projection_source": origin}
    return out
