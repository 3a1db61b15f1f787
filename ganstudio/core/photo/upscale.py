"""Enlarge an edited face with an installed super-resolver before it is blended back.

A model's frame (32, 256, 1024 px) may be smaller than the face in the photo.
The upscaler is whatever the registry offers: a model file whose variant has
the ``upscale`` capability (the user's own first, then a bundled demo) and an
image→image action that accepts it — never a particular plugin.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ganstudio.core.registry import Registry

from .pipeline import Upscaler

_MAX_PASSES = 3  # ×2 three times is ×8: 32 px → 256 px


def find_upscaler(registry: Registry, device: Any = "cpu") -> Upscaler | None:
    """An upscaler from the installed plugins and models, or None when there is none."""
    from ganstudio.core.model_files import find_model_files

    for entry in find_model_files(runs_limit=0):
        try:
            variant = registry.variant(entry.variant) if entry.variant else None
        except LookupError:
            continue
        if variant is None or "upscale" not in variant.capabilities:
            continue
        actions = [
            a
            for a in registry.actions_for(variant.capabilities, entry.variant)
            if "upscale" in a.requires and a.input_kind == "image" and a.output_kind == "image"
        ]
        if actions:
            return _upscaler(registry, entry.path, actions[0], device)
    return None


def _upscaler(registry: Registry, path: Any, action: Any, device: Any) -> Upscaler:
    model: list[Any] = []

    def run(face: Image.Image, target_side: float | None = None) -> tuple[Image.Image, dict]:
        from ganstudio.core.actions import run_action
        from ganstudio.core.models import load_model

        if not model:
            model.append(load_model(path, registry, device))
        out, passes = face, 0
        want = target_side or face.width * 2
        while out.width < want and passes < _MAX_PASSES:
            out = run_action(action, model[0], {}, {"image": out}).images[0]
            passes += 1
        return out, {
            "model": path.name,
            "action": action.id,
            "factor": round(out.width / face.width, 3),
        }

    return run
