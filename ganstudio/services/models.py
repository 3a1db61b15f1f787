"""Models for the front ends: loaded once, and changed only through these guards.

:class:`ModelCache` keeps loaded models by path for the GUI's jobs.

``ganstudio directions fit`` and the GUI's fit-directions action both store
what they computed with :func:`store_tensors`: a bundled demo model is never
rewritten in place (:func:`writable_target`: the CLI refuses, the GUI writes
a copy into the user's models folder), and the read-modify-write of the file happens under an
advisory lock, so two fits at once on one model both keep their directions.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganstudio.core.registry import Registry
from ganstudio.errors import UserError


def is_bundled(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is one of the demo models that ship with the package."""
    from ganstudio.core.model_files import BUNDLED_DIR

    return Path(path).resolve().is_relative_to(BUNDLED_DIR.resolve())


def writable_target(
    model_path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    bundled: str = "refuse",
) -> Path | None:
    """Where additions to ``model_path`` go: ``out``, or None for in place.

    A bundled demo is never rewritten: with ``bundled="refuse"`` that is one
    :class:`UserError` line (the CLI, asked before the work starts), with
    ``"copy"`` the answer is a free name in the user's models folder (the GUI:
    the user keeps the demo and gets a model with the additions beside it).
    """
    if out is not None:
        return Path(out).expanduser()
    if not is_bundled(model_path):
        return None
    name = Path(model_path).name
    if bundled != "copy":
        raise UserError(
            f"{name} is a bundled demo and is not rewritten; fit into a copy "
            "(ganstudio directions fit -o NEW.safetensors, or copy it to your models folder)"
        )
    from ganstudio.core import paths
    from ganstudio.core.importing import free_model_path

    folder = paths.user_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    return free_model_path(folder, Path(model_path).stem)


def store_tensors(
    model_path: str | os.PathLike[str],
    tensors: Mapping[str, Any],
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Add ``tensors`` (e.g. ``directions.smile``) to the model; returns the file written.

    In place unless ``out`` is given; a bundled model is refused in place.  The
    file's other tensors, including any another process added meanwhile, are kept.
    """
    from ganstudio.core import checkpoints
    from ganstudio.core.atomic import locked, remove_stale_temps

    model_path = Path(model_path)
    out = writable_target(model_path, out)  # refuses a bundled demo in place
    target = Path(out) if out is not None else model_path
    try:
        with locked(target):  # read, merge and write as one step
            remove_stale_temps(target.parent)  # what an earlier killed rewrite left
            return checkpoints.add_tensors(model_path, tensors, out)
    except TimeoutError as exc:
        raise UserError(str(exc)) from None


class ModelCache:
    """Loaded models by path; loading happens on whichever worker asks first."""

    def __init__(self, registry: Registry, device: str = "auto") -> None:
        self.registry = registry
        self.device = device
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, path: str | Path) -> Any:
        key = str(Path(path).resolve())
        with self._lock:
            if key not in self._models:
                from ganstudio.core.device import pick_device
                from ganstudio.core.models import load_model

                self._models[key] = load_model(key, self.registry, pick_device(self.device))
            return self._models[key]

    def loaded(self, path: str | Path) -> Any | None:
        with self._lock:
            return self._models.get(str(Path(path).resolve()))

    def clear(self) -> None:
        with self._lock:
            self._models.clear()

    def forget(self, path: str | Path) -> None:
        """Drop one model so the next use reads the file again (after it changed)."""
        with self._lock:
            self._models.pop(str(Path(path).resolve()), None)
