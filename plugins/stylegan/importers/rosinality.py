"""Import rosinality/stylegan2-pytorch generators (``g_ema``) by their exact key names.

Their ``Generator`` is: ``style.1…n`` (EqualLinear, lr multiplier 0.01) after a
PixelNorm, ``input.input`` (1, C, 4, 4), ``conv1`` / ``to_rgb1`` at 4 px, then
pairs ``convs.2k`` (upsampling) / ``convs.2k+1`` and ``to_rgbs.k`` per
resolution, with noise buffers ``noises.noise_i``.  Each StyledConv is
``conv`` (weight (1, out, in, 3, 3), ``modulation``), ``noise.weight`` and
``activate.bias``.  Our generator has the same arithmetic, so the mapping is
renaming (and reshaping nothing); sizes are read from the tensors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ganstudio.core.specs import ImportedModel

from ..config import StyleGAN2Config

DEFAULT_LR_MLP = 0.01  # their train.py's --lr_mlp default (its ``args`` record the one used)


def _g_ema(state: Any) -> Mapping[str, Tensor] | None:
    if not isinstance(state, Mapping):
        return None
    inner = state.get("g_ema", state)
    if (
        isinstance(inner, Mapping)
        and "input.input" in inner
        and "style.1.weight" in inner
        and "to_rgb1.conv.weight" in inner
    ):
        return inner
    return None


def detect(path: Any, state: Any) -> bool:
    return _g_ema(state) is not None


def _lr_mlp(options: Mapping[str, Any] | None, state: Any) -> float:
    """The mapping network's learning-rate multiplier: ``--set lr_mlp=X``, else the value
    their train.py recorded in ``args`` (an ``argparse.Namespace``), else its default."""
    recorded = getattr(state.get("args"), "lr_mlp", None) if isinstance(state, Mapping) else None
    default = recorded if isinstance(recorded, (int, float)) else DEFAULT_LR_MLP
    text = (options or {}).get("lr_mlp", default)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"lr_mlp must be a number, got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise ValueError(f"lr_mlp must be in (0, 1], got {text!r}")
    return value


def infer_channels(chans: Mapping[int, int]) -> tuple[int, int]:
    """(channel_base, channel_max) with ``min(base // r, max) == chans[r]`` for every r."""
    c_max = max(chans.values())
    top = max(chans)
    candidates = [c * r for r, c in chans.items() if c < c_max] or [c_max * top]
    for base in candidates:
        if all(min(base // r, c_max) == c for r, c in chans.items()):
            return base, c_max
    raise ValueError(
        f"unsupported channel layout {dict(sorted(chans.items()))} "
        "(expected min(base / resolution, max) per resolution)"
    )


def _styled(src: str, dst: str, g: Mapping[str, Tensor], noise: Tensor) -> dict[str, Tensor]:
    return {
        f"{dst}.conv.weight": g[f"{src}.conv.weight"],
        f"{dst}.conv.modulation.weight": g[f"{src}.conv.modulation.weight"],
        f"{dst}.conv.modulation.bias": g[f"{src}.conv.modulation.bias"],
        f"{dst}.noise_strength": g[f"{src}.noise.weight"].reshape(1),
        f"{dst}.noise_const": noise.reshape(1, 1, *noise.shape[-2:]),
        f"{dst}.act.bias": g[f"{src}.activate.bias"],
    }


def _to_rgb(src: str, dst: str, g: Mapping[str, Tensor]) -> dict[str, Tensor]:
    return {
        f"{dst}.conv.weight": g[f"{src}.conv.weight"],
        f"{dst}.conv.modulation.weight": g[f"{src}.conv.modulation.weight"],
        f"{dst}.conv.modulation.bias": g[f"{src}.conv.modulation.bias"],
        f"{dst}.bias": g[f"{src}.bias"],
    }


def convert(path: Any, state: Any, options: Mapping[str, Any] | None = None) -> ImportedModel:
    g = _g_ema(state)
    if g is None:
        raise ValueError(
            "not a rosinality stylegan2-pytorch checkpoint "
            "(expected g_ema with style.1.weight, input.input, to_rgb1 …)"
        )
    g = {k: v.float() for k, v in g.items() if torch.is_tensor(v)}
    lr_mlp = _lr_mlp(options, state)
    n_mlp = sum(1 for k in g if k.startswith("style.") and k.endswith(".weight"))
    style_dim = int(g["style.1.weight"].shape[1])
    n_rgbs = sum(1 for k in g if k.startswith("to_rgbs.") and k.endswith(".conv.weight"))
    resolution = 2 ** (n_rgbs + 2)
    chans = {4: int(g["input.input"].shape[1])}
    for k in range(n_rgbs):
        chans[2 ** (k + 3)] = int(g[f"convs.{2 * k}.conv.weight"].shape[1])
    base, c_max = infer_channels(chans)
    config = StyleGAN2Config(
        resolution=resolution,
        z_dim=style_dim,
        w_dim=style_dim,
        mapping_layers=n_mlp,
        mapping_lr_mul=lr_mlp,
        channel_base=base,
        channel_max=c_max,
        channels=int(g["to_rgb1.conv.weight"].shape[1]),
    )
    config.validate()

    out: dict[str, Tensor] = {}
    for i in range(n_mlp):
        out[f"mapping.fcs.{i}.weight"] = g[f"style.{i + 1}.weight"]
        out[f"mapping.fcs.{i}.bias"] = g[f"style.{i + 1}.bias"]
    out["synthesis.const"] = g["input.input"]
    found = [g.get(f"noises.noise_{i}") for i in range(2 * n_rgbs + 1)]
    noises = [
        n if n is not None else torch.randn(1, 1, 4 * 2 ** ((i + 1) // 2), 4 * 2 ** ((i + 1) // 2))
        for i, n in enumerate(found)
    ]
    out.update(_styled("conv1", "synthesis.conv1", g, noises[0]))
    out.update(_to_rgb("to_rgb1", "synthesis.to_rgb1", g))
    for i in range(2 * n_rgbs):
        out.update(_styled(f"convs.{i}", f"synthesis.convs.{i}", g, noises[i + 1]))
    for k in range(n_rgbs):
        out.update(_to_rgb(f"to_rgbs.{k}", f"synthesis.to_rgbs.{k}", g))

    latent_avg = (
        state.get("latent_avg") if isinstance(state, Mapping) and "g_ema" in state else None
    )
    if latent_avg is None:
        latent_avg = _estimate_w_avg(config, out)
    out["w_avg"] = latent_avg.float().reshape(style_dim)
    tensors = {f"G_ema.{k}": v.contiguous() for k, v in out.items()}
    return ImportedModel(
        "stylegan2",
        config,
        tensors,
        info={"source": "rosinality/stylegan2-pytorch g_ema", "resolution": resolution},
    )


@torch.no_grad()
def _estimate_w_avg(config: StyleGAN2Config, tensors: Mapping[str, Tensor]) -> Tensor:
    """A bare g_ema has no latent_avg: average the mapping of 10,000 fixed z."""
    from ..mapping import MappingNetwork

    m = MappingNetwork(config.z_dim, config.w_dim, config.mapping_layers, config.mapping_lr_mul)
    m.load_state_dict(
        {k[len("mapping.") :]: v for k, v in tensors.items() if k.startswith("mapping.")}
    )
    z = torch.randn(10_000, config.z_dim, generator=torch.Generator().manual_seed(0))
    return m(z).mean(0)
