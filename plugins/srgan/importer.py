"""Import ESRGAN / Real-ESRGAN RRDBNet and Real-ESRGAN SRVGGNetCompact ``.pth`` files.

RRDBNet weights circulate in three key spellings, all mapped onto BasicSR's:

* BasicSR / Real-ESRGAN: ``conv_first``, ``body.N.rdbK.convJ``, ``conv_body``,
  ``conv_up1``, ``conv_up2``, ``conv_hr``, ``conv_last``;
* the original ESRGAN repository: ``conv_first``, ``RRDB_trunk.N.RDBK.convJ``,
  ``trunk_conv``, ``upconv1``, ``upconv2``, ``HRconv``, ``conv_last``;
* ESRGAN's old architecture: ``model.0``, ``model.1.sub.N.RDBK.convJ.0``,
  ``model.1.sub.{nb}`` (trunk conv), then the up-convs, HR conv and last conv
  at ``model.3``, ``model.6``, ``model.8``, ``model.10`` for x4.

Files may hold the state dict itself or wrap it in ``params_ema`` / ``params``
(BasicSR's training output; the EMA weights are preferred, as Real-ESRGAN's
inference does).  Scale, width, block count and growth come from the shapes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ganstudio.core.specs import ImportedModel

from .config import ESRGANConfig, SRVGGConfig

_RDB_ORIGINAL = re.compile(r"^RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)(?:\.0)?\.(weight|bias)$")
_RDB_OLD = re.compile(r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)(?:\.0)?\.(weight|bias)$")
_RDB_BASICSR = re.compile(r"^body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)$")
_ORIGINAL_NAMES = {
    "trunk_conv": "conv_body",
    "upconv1": "conv_up1",
    "upconv2": "conv_up2",
    "HRconv": "conv_hr",
    "conv_first": "conv_first",
    "conv_last": "conv_last",
}


def unwrap(state: Any) -> Mapping[str, Any] | None:
    """The tensor mapping inside a file: ``params_ema`` > ``params`` > the dict itself."""
    if not isinstance(state, Mapping):
        return None
    for key in ("params_ema", "params"):
        inner = state.get(key)
        if isinstance(inner, Mapping) and inner:
            return inner
    return state


def _ndim(v: Any) -> int:
    return int(getattr(v, "ndim", -1))


# --------------------------------------------------------------------------- RRDBNet


def _rrdb_basicsr(state: Mapping[str, Any]) -> dict[str, Any]:
    """Any of the three spellings → BasicSR names (raises KeyError/ValueError otherwise)."""
    if "conv_first.weight" in state and "conv_body.weight" in state:
        return dict(state)
    out: dict[str, Any] = {}
    if "conv_first.weight" in state and "trunk_conv.weight" in state:  # original ESRGAN
        for k, v in state.items():
            m = _RDB_ORIGINAL.match(k)
            if m:
                out[f"body.{m[1]}.rdb{m[2]}.conv{m[3]}.{m[4]}"] = v
                continue
            name, _, kind = k.rpartition(".")
            if name not in _ORIGINAL_NAMES:
                raise ValueError(f"unexpected key {k!r} for an ESRGAN RRDBNet")
            out[f"{_ORIGINAL_NAMES[name]}.{kind}"] = v
        return out
    if "model.0.weight" in state:  # old architecture
        top: dict[int, dict[str, Any]] = {}
        for k, v in state.items():
            m = _RDB_OLD.match(k)
            if m:
                out[f"body.{m[1]}.rdb{m[2]}.conv{m[3]}.{m[4]}"] = v
                continue
            parts = k.split(".")
            if len(parts) == 3 and parts[0] == "model":
                top.setdefault(int(parts[1]), {})[parts[2]] = v
            elif len(parts) == 5 and parts[:3] == ["model", "1", "sub"]:
                out[f"conv_body.{parts[4]}"] = v  # model.1.sub.{nb}: the trunk conv
            else:
                raise ValueError(f"unexpected key {k!r} for an old-architecture ESRGAN")
        idx = sorted(top)
        if idx[0] != 0 or len(idx) < 3:
            raise ValueError("old-architecture ESRGAN without its first and last convs")
        ups, (hr, last) = idx[1:-2], idx[-2:]
        if len(ups) != 2:
            raise ValueError(
                f"old-architecture ESRGAN with {len(ups)} x2 up-sampling stages "
                f"(x{2 ** len(ups)} natively): only the x4 layout is supported"
            )
        for name, i in (
            ("conv_first", 0),
            ("conv_up1", ups[0]),
            ("conv_up2", ups[1]),
            ("conv_hr", hr),
            ("conv_last", last),
        ):
            for kind, v in top[i].items():
                out[f"{name}.{kind}"] = v
        return out
    raise ValueError("no conv_first / model.0 keys: not an ESRGAN RRDBNet")


def detect_rrdb(state: Any) -> bool:
    inner = unwrap(state)
    if inner is None:
        return False
    keys = inner.keys()
    return any(_RDB_BASICSR.match(k) or _RDB_ORIGINAL.match(k) or _RDB_OLD.match(k) for k in keys)


def convert_rrdb(state: Any) -> ImportedModel:
    inner = unwrap(state)
    if inner is None or not detect_rrdb(inner):
        raise ValueError(
            "not an ESRGAN RRDBNet state dict (expected conv_first/body.N.rdbK, "
            "RRDB_trunk.N.RDBK or model.1.sub.N.RDBK keys)"
        )
    if any("conv1x1" in k for k in inner):
        raise ValueError("ESRGAN+ (conv1x1 in the dense blocks) is not supported")
    sd = _rrdb_basicsr(inner)
    first, last = sd["conv_first.weight"], sd["conv_last.weight"]
    out_ch, in_ch = int(last.shape[0]), int(first.shape[1])
    fold2 = in_ch // out_ch
    if in_ch % out_ch or fold2 not in (1, 4, 16):
        raise ValueError(
            f"conv_first takes {in_ch} channels for {out_ch} out: not 1x, 4x or "
            "16x (pixel-unshuffle 1, 2 or 4)"
        )
    scale = 4 // int(math.isqrt(fold2))
    blocks = {int(k.split(".")[1]) for k in sd if k.startswith("body.")}
    config = ESRGANConfig(
        scale=scale,
        channels=out_ch,
        num_feat=int(first.shape[0]),
        num_block=max(blocks) + 1,
        num_grow_ch=int(sd["body.0.rdb1.conv1.weight"].shape[0]),
        resolution=max(128, 16 * scale),
    )
    return ImportedModel(
        "esrgan",
        config,
        {f"G.{k}": v for k, v in sd.items()},
        info={"source": "ESRGAN RRDBNet", "scale": scale},
    )


# --------------------------------------------------------------------------- SRVGG


def _body_index(state: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    layers: dict[int, dict[str, Any]] = {}
    for k, v in state.items():
        parts = k.split(".")
        if len(parts) != 3 or parts[0] != "body" or not parts[1].isdigit():
            raise ValueError(f"unexpected key {k!r} for an SRVGGNetCompact")
        layers.setdefault(int(parts[1]), {})[parts[2]] = v
    return layers


def detect_srvgg(state: Any) -> bool:
    inner = unwrap(state)
    if inner is None or _ndim(inner.get("body.0.weight")) != 4:
        return False
    try:
        layers = _body_index(inner)
    except ValueError:
        return False
    return len([i for i, p in layers.items() if _ndim(p.get("weight")) == 4]) >= 2


def convert_srvgg(state: Any) -> ImportedModel:
    inner = unwrap(state)
    if inner is None or not detect_srvgg(inner):
        raise ValueError("not an SRVGGNetCompact state dict (expected body.N.weight keys)")
    layers = _body_index(inner)
    convs = sorted(i for i, p in layers.items() if _ndim(p.get("weight")) == 4)
    if convs != list(range(0, 2 * len(convs) - 1, 2)):
        raise ValueError(f"SRVGGNetCompact convs expected at body.0, body.2, …; found {convs}")
    first, last = layers[convs[0]]["weight"], layers[convs[-1]]["weight"]
    in_ch, num_feat = int(first.shape[1]), int(first.shape[0])
    upscale = math.isqrt(int(last.shape[0]) // in_ch)
    if upscale * upscale * in_ch != last.shape[0]:
        raise ValueError(f"last conv gives {last.shape[0]} channels: not {in_ch} x scale²")
    prelu = [i for i, p in layers.items() if _ndim(p.get("weight")) == 1]
    act = "prelu" if prelu else "relu"
    config = SRVGGConfig(
        scale=upscale,
        channels=in_ch,
        num_feat=num_feat,
        num_conv=len(convs) - 2,
        act=act,
        resolution=max(64, 16 * upscale),
    )
    info: dict[str, Any] = {"source": "Real-ESRGAN SRVGGNetCompact", "scale": upscale}
    if not prelu:
        info["note"] = "no PReLU weights: assumed ReLU (a LeakyReLU model cannot be told apart)"
    return ImportedModel("srvgg", config, {f"G.{k}": v for k, v in inner.items()}, info=info)


#: Real-ESRGAN's inference script finds the weak-denoise twin by this renaming
_TWIN_NAMES = ("realesr-general-x4v3", "realesr-general-wdn-x4v3")


def add_denoise_twin(imported: ImportedModel, path: Any, options: Mapping[str, Any]) -> None:
    """Store a weak-denoise twin as role ``G_weak``: the super-resolve denoise slider blends them.

    The twin is ``options["denoise_twin"]``, else realesr-general-wdn-x4v3.pth
    beside a realesr-general-x4v3.pth. It must be the same network shape.
    """
    named = options.get("denoise_twin")
    if named:
        twin = Path(str(named)).expanduser()
        if not twin.is_file():
            raise ValueError(f"denoise_twin={named}: no such file")
    else:
        src = Path(str(path))
        if _TWIN_NAMES[0] not in src.name:
            return
        twin = src.with_name(src.name.replace(*_TWIN_NAMES))
        if not twin.is_file():
            return
    import torch

    try:
        other = convert_srvgg(torch.load(twin, map_location="cpu", weights_only=True))
    except Exception as exc:  # noqa: BLE001 - any unreadable twin is the user's file problem
        raise ValueError(f"denoise twin {twin.name}: {exc}") from None
    mine = {k: tuple(v.shape) for k, v in imported.tensors.items()}
    theirs = {k: tuple(v.shape) for k, v in other.tensors.items()}
    if mine != theirs:
        raise ValueError(f"denoise twin {twin.name} is not the same network as the model")
    imported.tensors.update({f"G_weak.{k[2:]}": v for k, v in other.tensors.items()})
    imported.info["denoise_twin"] = twin.name


DETECTORS: dict[str, Callable[[Any], bool]] = {"rrdb": detect_rrdb, "srvgg": detect_srvgg}
CONVERTERS: dict[str, Callable[[Any], ImportedModel]] = {
    "rrdb": convert_rrdb,
    "srvgg": convert_srvgg,
}
