"""Import NVIDIA network pickles (stylegan2-ada-pytorch / stylegan3, StyleGAN2 configs).

Those ``.pkl`` files carry the *source code* of their modules and rebuild
them through ``torch_utils.persistence``: an ordinary unpickle imports and
runs that code.  We never do.  :class:`RestrictedUnpickler` resolves only a
short list of data constructors (tensors, storages, ``OrderedDict``, numpy
arrays) and turns everything else — the persistent modules included — into
inert :class:`Captured` objects that just keep the state they were given;
no embedded source is compiled or executed.  The parameters of ``G_ema``
are then read from the captured tree by their official names
(``mapping.fc0.weight``, ``synthesis.b4.const``, ``synthesis.b8.conv0.affine.weight`` …).
"""

from __future__ import annotations

import collections
import io
import math
import os
import pickle
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ganstudio.core.specs import ImportedModel

from ..config import StyleGAN2Config
from .rosinality import infer_channels

#: modules whose names in a pickle mean "run this": refused outright with a clear error
_FORBIDDEN_MODULES = (
    "builtins",
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "importlib",
    "runpy",
    "shutil",
    "socket",
    "pickle",
    "marshal",
    "types",
    "code",
)


class Captured(dict):
    """An inert stand-in for any object the pickle names: records, never runs.

    A dict subclass so that pickled dict subclasses (``dnnlib.EasyDict``) can
    fill it; ``state`` holds what ``__setstate__`` (BUILD) received.
    """

    _qualname = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.args = args
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = {**(state[0] or {}), **(state[1] or {})}
        self.state = state if isinstance(state, dict) else {"value": state}

    def __reduce__(self) -> Any:  # never re-pickled by accident
        raise TypeError("a captured object cannot be pickled")


def _captured_class(module: str, name: str) -> type[Captured]:
    return type(f"Captured[{module}.{name}]", (Captured,), {"_qualname": f"{module}.{name}"})


class PersistentModule(Captured):
    """What ``torch_utils.persistence._reconstruct_persistent_obj(meta)`` would rebuild."""

    def __init__(self, meta: Any = None) -> None:
        super().__init__()
        meta = meta if isinstance(meta, Mapping) else {}
        self.class_name = str(meta.get("class_name", "?"))
        self._qualname = f"persistent:{self.class_name}"
        state = meta.get("state")
        self.state = state if isinstance(state, dict) else {}


def _storage_from_bytes(data: bytes) -> Any:
    """Storages pickled outside torch.save are nested legacy torch.save bytes."""
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def _rebuild_parameter(
    data: Any, requires_grad: Any = False, hooks: Any = None, state: Any = None
) -> Any:
    return data  # the tensor is all we need; no hooks, no state


def _reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
    if isinstance(cls, type) and issubclass(cls, Captured):
        return cls()
    raise pickle.UnpicklingError("copyreg._reconstructor of a non-captured class")


def _codecs_encode(text: Any, encoding: Any = "utf-8", errors: Any = "strict") -> bytes:
    """How protocol-2 pickles spell ``bytes``: ``_codecs.encode(str, "latin1")``, data only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed to rebuild bytes")
    return text.encode("latin1")


_ALLOWED: dict[tuple[str, str], Any] = {
    ("_codecs", "encode"): _codecs_encode,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
    ("torch", "Size"): torch.Size,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): PersistentModule,
}


_NUMPY_MODULES = ("numpy", "numpy.core.multiarray", "numpy._core.multiarray")
_NUMPY_NAMES = ("dtype", "ndarray", "_reconstruct", "scalar")


def _numpy_rebuilder(name: str) -> Any:
    """numpy's own array/dtype/scalar rebuilders (data only, as in np.load's pickles)."""
    import numpy as np

    multiarray = getattr(np, "_core", None) or np.core
    return {
        "dtype": np.dtype,
        "ndarray": np.ndarray,
        "_reconstruct": multiarray.multiarray._reconstruct,
        "scalar": multiarray.multiarray.scalar,
    }[name]


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves data constructors only; every other global becomes a :class:`Captured`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module.split(".")[0] in _FORBIDDEN_MODULES:
            raise pickle.UnpicklingError(f"refused: the pickle calls {module}.{name}")
        if module in _NUMPY_MODULES and name in _NUMPY_NAMES:
            return _numpy_rebuilder(name)
        return _captured_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not expected in a network pickle")


#: a real G_ema nests modules about 5 deep; anything far deeper is hostile
MAX_MODULE_DEPTH = 32


def _children(obj: Any, group: str) -> list[tuple[str, Any]]:
    """``state[group]`` of a captured module as (name, value) pairs; [] if not a mapping."""
    state = getattr(obj, "state", None)
    entries = state.get(group) if isinstance(state, Mapping) else None
    if not isinstance(entries, Mapping):
        return []
    return [(str(k), v) for k, v in entries.items()]


def _flatten(root: Any) -> dict[str, Tensor]:
    """Walk a captured module: ``_parameters``, ``_buffers``, then ``_modules`` by name.

    Iterative, so a 5000-deep ``_modules`` chain cannot overflow the stack; a
    module that contains itself, or nesting beyond :data:`MAX_MODULE_DEPTH`,
    is refused.
    """
    out: dict[str, Tensor] = {}
    stack: list[tuple[Any, str, tuple[int, ...]]] = [(root, "", ())]
    while stack:
        obj, prefix, path = stack.pop()
        if id(obj) in path:
            raise ValueError(f"module {prefix.rstrip('.') or 'G_ema'} contains itself")
        if len(path) > MAX_MODULE_DEPTH:
            raise ValueError(f"modules nest more than {MAX_MODULE_DEPTH} levels deep")
        for group in ("_parameters", "_buffers"):
            for key, value in _children(obj, group):
                if torch.is_tensor(value):
                    out[prefix + key] = value
        for key, child in reversed(_children(obj, "_modules")):
            if isinstance(child, Captured):
                stack.append((child, f"{prefix}{key}.", (*path, id(obj))))
    return out


def read_network_pickle(path: str | os.PathLike[str]) -> dict[str, Tensor]:
    """``G_ema``'s tensors by official name, read without running any pickled code.

    Adds ``mapping.lr_multiplier`` (0-d) when the mapping layers record it.
    Raises ValueError with one line for anything that is not a readable
    network pickle (including malformed constructor arguments).
    """
    with open(path, "rb") as f:
        try:
            data = RestrictedUnpickler(f).load()
        except Exception as exc:  # noqa: BLE001 - hostile bytes may trip any constructor
            detail = str(exc).splitlines()[0] if str(exc) else ""
            raise ValueError(
                f"not a readable network pickle ({type(exc).__name__}"
                + (f": {detail[:200]})" if detail else ")")
            ) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("G_ema"), Captured):
        raise ValueError("the pickle holds no G_ema network")
    tensors = _flatten(data["G_ema"])
    mapping = dict(_children(data["G_ema"], "_modules")).get("mapping")
    fc0 = dict(_children(mapping, "_modules")).get("fc0")
    gain = fc0.state.get("bias_gain") if isinstance(fc0, Captured) else None
    if isinstance(gain, (int, float)) and not isinstance(gain, bool) and math.isfinite(gain):
        tensors["mapping.lr_multiplier"] = torch.tensor(float(gain))
    return tensors


# --------------------------------------------------------------------------- mapping


def detect(path: Any, state: Any) -> bool:
    return (
        isinstance(state, Mapping)
        and "synthesis.b4.const" in state
        and "mapping.fc0.weight" in state
    )


def _layer(src: str, dst: str, s: Mapping[str, Tensor]) -> dict[str, Tensor]:
    w = s[f"{src}.weight"]  # (out, in, 3, 3); NVIDIA applies no gain before demodulating
    fan_in = w.shape[1] * w.shape[2] * w.shape[3]
    noise = s.get(f"{src}.noise_const")
    out = {
        f"{dst}.conv.weight": (w * math.sqrt(fan_in)).unsqueeze(0),
        f"{dst}.conv.modulation.weight": s[f"{src}.affine.weight"],
        f"{dst}.conv.modulation.bias": s[f"{src}.affine.bias"],
        f"{dst}.noise_strength": s.get(f"{src}.noise_strength", torch.zeros(())).reshape(1),
        f"{dst}.act.bias": s[f"{src}.bias"],
    }
    out[f"{dst}.noise_const"] = (
        noise.reshape(1, 1, noise.shape[-1], noise.shape[-1])
        if noise is not None
        else torch.zeros(1, 1, 1, 1)
    )
    return out


def _torgb(src: str, dst: str, s: Mapping[str, Tensor]) -> dict[str, Tensor]:
    return {
        f"{dst}.conv.weight": s[f"{src}.weight"].unsqueeze(0),  # (1, C, in, 1, 1)
        f"{dst}.conv.modulation.weight": s[f"{src}.affine.weight"],
        f"{dst}.conv.modulation.bias": s[f"{src}.affine.bias"],
        f"{dst}.bias": s[f"{src}.bias"].reshape(1, -1, 1, 1),
    }


def convert(path: Any, state: Any, options: Mapping[str, Any] | None = None) -> ImportedModel:
    if not detect(path, state):
        raise ValueError(
            "not a StyleGAN2 network pickle (expected mapping.fc0 and synthesis.b4 "
            "in G_ema; StyleGAN3 -t/-r configurations are not supported)"
        )
    s = {k: v.float() for k, v in state.items() if torch.is_tensor(v)}
    if any(k.startswith("mapping.embed.") for k in s):
        raise ValueError("conditional (class-labelled) networks are not supported")
    n_fc = sum(1 for k in s if k.startswith("mapping.fc") and k.endswith(".weight"))
    z_dim, w_dim = (
        int(s["mapping.fc0.weight"].shape[1]),
        int(s[f"mapping.fc{n_fc - 1}.weight"].shape[0]),
    )
    blocks = sorted(
        int(k.split(".")[1][1:])
        for k in s
        if k.startswith("synthesis.b") and k.endswith(".torgb.weight")
    )
    resolution = blocks[-1]
    chans = {r: int(s[f"synthesis.b{r}.conv1.weight"].shape[0]) for r in blocks}
    base, c_max = infer_channels(chans)
    lr_mul = float(s.get("mapping.lr_multiplier", torch.tensor(0.01)))
    config = StyleGAN2Config(
        resolution=resolution,
        z_dim=z_dim,
        w_dim=w_dim,
        mapping_layers=n_fc,
        mapping_lr_mul=lr_mul,
        channel_base=base,
        channel_max=c_max,
        channels=int(s[f"synthesis.b{resolution}.torgb.weight"].shape[0]),
    )
    config.validate()
    out: dict[str, Tensor] = {}
    for i in range(n_fc):
        out[f"mapping.fcs.{i}.weight"] = s[f"mapping.fc{i}.weight"]
        out[f"mapping.fcs.{i}.bias"] = s[f"mapping.fc{i}.bias"]
    out["synthesis.const"] = s["synthesis.b4.const"].unsqueeze(0)  # (1, C, 4, 4)
    out.update(_layer("synthesis.b4.conv1", "synthesis.conv1", s))
    out.update(_torgb("synthesis.b4.torgb", "synthesis.to_rgb1", s))
    for k, r in enumerate(blocks[1:]):
        out.update(_layer(f"synthesis.b{r}.conv0", f"synthesis.convs.{2 * k}", s))
        out.update(_layer(f"synthesis.b{r}.conv1", f"synthesis.convs.{2 * k + 1}", s))
        out.update(_torgb(f"synthesis.b{r}.torgb", f"synthesis.to_rgbs.{k}", s))
    out["w_avg"] = s.get("mapping.w_avg", torch.zeros(w_dim))
    tensors = {f"G_ema.{k}": v.contiguous() for k, v in out.items()}
    return ImportedModel(
        "stylegan2",
        config,
        tensors,
        info={"source": "NVIDIA network pickle (StyleGAN2)", "resolution": resolution},
    )
