"""Latents that travel with layers: how a LayerParam's value reaches an action.

A :class:`~ganstudio.core.specs.LayerParam` names a source the user picked —
a layer id in the GUI, a ``.npz``/``.npy`` file on the command line.  The
caller resolves it to that source's latents (``{"ws": array, "z": …}``)
before the action runs, so actions only ever see a mapping of arrays and
provenance keeps what the user chose, not the arrays.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.specs import ParamError

LayerResolver = Callable[[Any], Mapping[str, Any]]


def load_latents(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """A ``.npz`` of named arrays (as ``ganstudio run --latents`` writes) or a ``.npy`` of ws."""
    p = Path(path).expanduser()
    if p.suffix.lower() not in (".npz", ".npy"):
        raise ParamError(f"{p.name}: expected a .npz/.npy latent file (ganstudio run --latents)")
    try:
        data = np.load(p, allow_pickle=False)
    except FileNotFoundError:
        raise ParamError(f"{p}: no such file") from None
    except (OSError, ValueError) as exc:
        raise ParamError(f"{p.name}: cannot read latents ({exc})") from None
    if isinstance(data, np.ndarray):
        return {"ws": data}
    with data:
        return {k: data[k] for k in data.files}


def save_latents(path: str | os.PathLike[str], latents: Mapping[str, Any]) -> Path:
    from ganstudio.core.atomic import atomic_path

    p = Path(path).expanduser()
    if p.suffix.lower() != ".npz":
        raise ParamError(f"{p.name}: latents are saved as .npz")
    with atomic_path(p) as tmp, open(tmp, "wb") as fh:
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in latents.items()}
        np.savez(fh, **arrays)
    return p
