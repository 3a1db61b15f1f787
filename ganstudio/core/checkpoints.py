"""Model files: ``.safetensors`` with JSON metadata; atomic writes; safe loading.

A model file holds tensors by role (``G.…``, ``G_ema.…``, ``directions.smile``)
and, under the header key ``ganstudio``, JSON with the variant id, its config,
the format version and what it was trained on.  Nothing here ever unpickles
code: foreign ``.pth``/``.pt`` files go through ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganstudio import __version__
from ganstudio.core import untrusted
from ganstudio.core.atomic import atomic_path
from ganstudio.core.model_header import (  # noqa: F401 - re-exported
    FORMAT_VERSION,
    META_KEY,
    CheckpointError,
    existing_file,
    read_metadata,
    tensor_names,
)

LATEST_NAME = "latest.safetensors"


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def save_model(
    path: str | os.PathLike[str], tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any]
) -> Path:
    """Write tensors + metadata atomically; contiguous CPU copies, shared storage split."""
    path = Path(path)
    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    header = dict(meta)
    header.setdefault("format", FORMAT_VERSION)
    header.setdefault("app_version", __version__)
    header.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    with atomic_path(path) as tmp:
        save_file(clean, str(tmp), metadata={META_KEY: json.dumps(header, sort_keys=True)})
    return path


def load_model_file(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Metadata (schema-checked) and tensors (dtype, finite values) of a model file."""
    meta = read_metadata(path)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: damaged model file ({untrusted.safe_text(exc)})") from None
    tensors = untrusted.check_tensors(tensors, str(path))
    return tensors, meta


def split_roles(tensors: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """``{"G.a.weight": t}`` → ``{"G": {"a.weight": t}}``."""
    roles: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        role, _, rest = key.partition(".")
        roles.setdefault(role, {})[rest] = value
    return roles


def join_roles(states: Mapping[str, Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {f"{role}.{k}": v for role, state in states.items() for k, v in state.items()}


def load_strict(module: torch.nn.Module, state: Mapping[str, torch.Tensor], where: str) -> None:
    """Load with a strict key and shape check and an error naming the first mismatch."""
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing:
        raise CheckpointError(
            f"{where}: missing key {missing[0]!r} (shape {list(expected[missing[0]].shape)})"
            + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
        )
    if unexpected:
        raise CheckpointError(
            f"{where}: unexpected key {unexpected[0]!r} (shape {list(state[unexpected[0]].shape)})"
            + (f" and {len(unexpected) - 1} more" if len(unexpected) > 1 else "")
        )
    for k, v in expected.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise CheckpointError(
                f"{where}: key {k!r} has shape {list(state[k].shape)}, "
                f"the model expects {list(v.shape)}"
            )
    module.load_state_dict(dict(state), strict=True)


#: classes a weights-only load may rebuild besides tensors and containers: exactly the
#: ``args`` of rosinality/stylegan2-pytorch's train.py checkpoints (inert attributes)
SAFE_GLOBALS: tuple[type, ...] = (argparse.Namespace,)

_BLOCKED = re.compile(r"unsupported GLOBAL (\S+) whose module (\S+) is blocked", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"Unsupported global: GLOBAL (\S+)")


def load_foreign(path: str | os.PathLike[str]) -> Any:
    """Read a ``.pth``/``.pt`` without executing code (weights_only=True), then validate it.

    Only tensors, plain containers and :data:`SAFE_GLOBALS` are rebuilt; the
    tensors then pass :func:`untrusted.check_tensors` (no stride-0 bombs, no
    NaN, float32 or losslessly widened).
    """
    path = existing_file(path)
    try:
        # torch's own warnings about odd files (old pickle protocols, sparse tensors) would
        # add lines to the one the user gets; the checks below say what matters
        with torch.serialization.safe_globals(list(SAFE_GLOBALS)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - UnpicklingError and friends: say what it means
        raise CheckpointError(f"{path}: {_refusal(exc)}") from None
    return untrusted.check_tensors(state, str(path))


def _refusal(exc: BaseException) -> str:
    """torch's weights-only error in one line: code, an unexpected type, or damage."""
    text = str(exc)
    blocked = _BLOCKED.search(text)
    if blocked:
        return (
            f"refused to load: it calls {untrusted.safe_text(blocked.group(1))}, which "
            "would run code; a plain weights file never does"
        )
    unsupported = _UNSUPPORTED.search(text)
    if unsupported:
        return (
            f"refused to load: it holds an object of type "
            f"{untrusted.safe_text(unsupported.group(1).rstrip('.,'))}, which GAN Studio "
            "does not rebuild (it loads tensors and plain containers only)"
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    detail = next(
        (
            ln
            for ln in lines
            if not ln.startswith(
                ("Weights only load failed", "Check the documentation", "Please file an issue")
            )
        ),
        lines[0] if lines else type(exc).__name__,
    )
    return (
        f"refused to load: damaged, or not a PyTorch weights file "
        f"({untrusted.safe_text(detail[:200])})"
    )


def publish_latest(ckpt: Path, keep_last: int) -> None:
    """Point ``latest.safetensors`` at ``ckpt`` (atomically) and prune old ones."""
    latest = ckpt.parent / LATEST_NAME
    with atomic_path(latest) as tmp:
        tmp.unlink()
        try:
            os.link(ckpt, tmp)
        except OSError:
            shutil.copyfile(ckpt, tmp)
    if keep_last > 0:
        steps = sorted(ckpt.parent.glob("step_*.safetensors"))
        for old in steps[:-keep_last]:
            old.unlink(missing_ok=True)


def add_tensors(
    path: str | os.PathLike[str],
    tensors: Mapping[str, torch.Tensor],
    out: str | os.PathLike[str] | None = None,
    meta_update: Mapping[str, Any] | None = None,
) -> Path:
    """Add or replace non-module tensors (e.g. ``directions.smile``) in a model file.

    Written atomically to ``out`` (default: in place), so a crash never
    damages the user's model.
    """
    existing, meta = load_model_file(path)
    merged = {**existing, **tensors}
    if meta_update:
        meta = {**meta, **meta_update}
    return save_model(out or path, merged, meta)
