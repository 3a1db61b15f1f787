"""Import the PyTorch examples' DCGAN generator (``netG.pth``).

Its state dict is ``main.N.weight`` for the transposed convs (no bias) and
``main.N.{weight,bias,running_mean,running_var,num_batches_tracked}`` for the
batchnorms, N stepping by 3; sizes come from the first and last conv.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ganstudio.core.specs import ImportedModel

from .config import DCGANConfig


def _convs(state: Mapping[str, Any]) -> list[str]:
    keys = [
        k
        for k, v in state.items()
        if k.startswith("main.") and k.endswith(".weight") and getattr(v, "ndim", 0) == 4
    ]
    return sorted(keys, key=lambda k: int(k.split(".")[1]))


def detect(path: Any, state: Any) -> bool:
    if not isinstance(state, Mapping):
        return False
    convs = _convs(state)
    if len(convs) < 4:
        return False
    first, last = state[convs[0]], state[convs[-1]]
    bn = state.get("main.1.running_mean")
    # a transposed conv stores (in, out, k, k): the batchnorm after it has `out` entries
    # (the examples' discriminator has no batchnorm at main.1)
    return (
        tuple(first.shape[2:]) == (4, 4)
        and bn is not None
        and bn.numel() == first.shape[1]
        and last.shape[1] in (1, 3)
    )


def convert(path: Any, state: Any, options: Mapping[str, Any] | None = None) -> ImportedModel:
    if not isinstance(state, Mapping) or not detect(path, state):
        raise ValueError(
            "not a DCGAN generator state dict from the PyTorch examples "
            "(expected main.0.weight … transposed convolutions)"
        )
    convs = _convs(state)
    z_dim = int(state[convs[0]].shape[0])
    width = int(state[convs[-1]].shape[0])  # last ConvT: (ngf, nc, 4, 4)
    channels = int(state[convs[-1]].shape[1])
    resolution = 4 * 2 ** (len(convs) - 1)
    config = DCGANConfig(resolution=resolution, z_dim=z_dim, width=width, channels=channels)
    try:
        config.validate()
    except ValueError as exc:
        raise ValueError(f"unsupported DCGAN generator: {exc}") from None
    tensors = {f"G.{k}": v for k, v in state.items()}
    return ImportedModel(
        "dcgan",
        config,
        tensors,
        info={"source": "pytorch/examples dcgan netG", "resolution": resolution},
    )
