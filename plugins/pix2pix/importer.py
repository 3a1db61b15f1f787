"""Import ``latest_net_G.pth`` of junyanz/pytorch-CycleGAN-and-pix2pix.

The four reference generators are told apart by their keys:

* U-Net: ``model.model.0.weight`` (the outermost down-conv), the blocks nested
  as ``model.model.1.model.3.model.3…``; the nesting depth is ``num_downs``
  (7: ``unet_128``, 8: ``unet_256``);
* ResNet: ``model.1.weight`` (the 7×7 stem) and ``model.N.conv_block.*``;
  the number of blocks (6 or 9) and whether they hold dropout (the second conv
  at ``conv_block.6`` rather than ``.5``) come from the keys.

Batch norm shows as norm weights and running statistics; instance norm as
biased convolutions and no norm weights.  Checkpoints saved by PyTorch < 0.4
carry ``running_mean``/``running_var`` for instance norms that keep none: the
reference drops them when loading (``__patch_instance_norm_state_dict``), and
so do we.  A ``module.`` prefix (DataParallel) is removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch

from ganstudio.core.specs import ImportedModel

from .config import Pix2PixConfig

_BLOCK = re.compile(r"^model\.(\d+)\.conv_block\.(\d+)\.")
_STATS = ("running_mean", "running_var", "num_batches_tracked")


def _plain(state: Any) -> dict[str, Any] | None:
    if not isinstance(state, Mapping) or not state:
        return None
    if all(isinstance(k, str) and k.startswith("module.") for k in state):
        return {k[len("module.") :]: v for k, v in state.items()}
    return dict(state)


def _ndim(v: Any) -> int:
    return int(getattr(v, "ndim", -1))


def unet_depth(state: Mapping[str, Any]) -> int:
    """How many nested U-Net blocks the keys hold (``num_downs``)."""
    depth, prefix = 1, "model.model.1.model."
    while any(k.startswith(prefix) for k in state):
        depth += 1
        prefix += "3.model."
    return depth


def kind_of(state: Any) -> str | None:
    """``"unet"``, ``"resnet"`` or None."""
    sd = _plain(state)
    if sd is None:
        return None
    if _ndim(sd.get("model.model.0.weight")) == 4 and _ndim(sd.get("model.model.3.weight")) == 4:
        return "unet"
    stem = sd.get("model.1.weight")
    if (
        stem is not None
        and _ndim(stem) == 4
        and tuple(stem.shape[2:]) == (7, 7)
        and any(_BLOCK.match(k) for k in sd)
    ):
        return "resnet"
    return None


def detect(path: Any, state: Any) -> bool:
    return kind_of(state) is not None


def _config(sd: Mapping[str, Any], kind: str) -> Pix2PixConfig:
    if kind == "unet":
        depth = unet_depth(sd)
        names = {7: "unet_128", 8: "unet_256"}
        if depth not in names:
            raise ValueError(
                f"a U-Net with {depth} levels is neither unet_128 (7) nor unet_256 (8)"
            )
        first, last = sd["model.model.0.weight"], sd["model.model.3.weight"]  # Conv, ConvT
        instance = "model.model.1.model.1.bias" in sd  # biased convs: instance norm
        return Pix2PixConfig(
            resolution=2**depth,
            generator=names[depth],
            ngf=int(first.shape[0]),
            ndf=64,
            norm="instance" if instance else "batch",
            dropout=True,  # no weights: the reference's pix2pix default; off unless asked
            input_channels=int(first.shape[1]),
            channels=int(last.shape[1]),
        )
    blocks = sorted({int(m[1]) for k in sd if (m := _BLOCK.match(k))})
    if blocks != list(range(10, 10 + len(blocks))):
        raise ValueError(f"ResNet blocks expected at model.10 onwards, found model.{blocks[0]}")
    names = {6: "resnet_6blocks", 9: "resnet_9blocks"}
    if len(blocks) not in names:
        raise ValueError(f"a ResNet generator with {len(blocks)} blocks is neither 6 nor 9")
    stem = sd["model.1.weight"]
    last = sd.get(f"model.{17 + len(blocks)}.weight")
    if last is None or _ndim(last) != 4:
        raise ValueError(f"no final convolution at model.{17 + len(blocks)}")
    return Pix2PixConfig(
        resolution=256,
        generator=names[len(blocks)],
        ngf=int(stem.shape[0]),
        norm="instance" if "model.1.bias" in sd else "batch",
        dropout=_ndim(sd.get("model.10.conv_block.6.weight")) == 4,
        input_channels=int(stem.shape[1]),
        channels=int(last.shape[0]),
    )


def map_state(sd: Mapping[str, Any], G: torch.nn.Module) -> dict[str, Any]:
    """``sd`` made to fit ``G``'s keys the way the reference loader does: running
    statistics of instance norms dropped, a batch norm's missing counter added."""
    expected = G.state_dict()
    modules = dict(G.named_modules())
    out: dict[str, Any] = {}
    for key, value in sd.items():
        owner, _, leaf = key.rpartition(".")
        module = modules.get(owner)
        if key not in expected and leaf in _STATS and isinstance(module, torch.nn.InstanceNorm2d):
            continue  # an old instance-norm checkpoint's statistics
        out[key] = value
    for key, value in expected.items():
        if key.endswith("num_batches_tracked") and key not in out:
            out[key] = torch.zeros_like(value)
    missing = [k for k in expected if k not in out]
    extra = [k for k in out if k not in expected]
    if missing or extra:
        what = f"missing key {missing[0]!r}" if missing else f"unexpected key {extra[0]!r}"
        raise ValueError(f"does not match the reference generator it looks like: {what}")
    return out


def convert(path: Any, state: Any, options: Mapping[str, Any] | None = None) -> ImportedModel:
    sd = _plain(state)
    kind = kind_of(sd)
    if sd is None or kind is None:
        raise ValueError(
            "not a pix2pix/CycleGAN generator state dict (expected model.model.0.weight "
            "for a U-Net or model.1.weight and model.N.conv_block keys for a ResNet)"
        )
    config = _config(sd, kind)
    try:
        config.validate()
    except ValueError as exc:
        raise ValueError(f"unsupported generator: {exc}") from None
    from .models import build_pix2pix

    G = build_pix2pix(config)["G"]
    mapped = map_state(sd, G)
    return ImportedModel(
        "pix2pix",
        config,
        {f"G.{k}": v for k, v in mapped.items()},
        info={
            "source": "junyanz/pytorch-CycleGAN-and-pix2pix latest_net_G",
            "generator": config.generator,
            "norm": config.norm,
        },
    )
