"""Convolution with its activation or residual add in one oneDNN call (CPU inference).

RRDBNet spends a fifth of its CPU time on memory-bound element-wise passes
over large activations: a leaky ReLU after most convolutions and a scaled
residual add after each dense block.  oneDNN applies them as post-ops while
the convolution's output is still in cache.  PyTorch exposes that as
``torch.ops.mkldnn._convolution_pointwise`` (what inductor emits for the same
pattern); it has no autograd, so training and anything off the fast path
run the plain modules.  If the op is missing or refuses a call, the plain
path is used from then on.  Measured in ``scripts/bench_sr.py``.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

log = logging.getLogger(__name__)
SLOPE = 0.2

_op: Any = None
_usable: bool | None = None  # None: not tried yet


def _pointwise() -> Any:
    global _op, _usable
    if _usable is None:
        _op = getattr(getattr(torch.ops, "mkldnn", None), "_convolution_pointwise", None)
        _usable = _op is not None and torch.backends.mkldnn.is_available()
    return _op if _usable else None


def _disable(exc: Exception) -> None:
    global _usable
    _usable = False
    log.info("fused conv post-ops unavailable (%s); using plain convolutions", exc)


def _fast(x: Tensor, conv: nn.Conv2d) -> bool:
    """Inference on CPU in float32 channels_last, with a plain 3×3 stride-1 conv."""
    return (
        not (torch.is_grad_enabled() and (x.requires_grad or conv.weight.requires_grad))
        and x.device.type == "cpu"
        and x.dtype == torch.float32
        and conv.weight.dtype == torch.float32
        and x.is_contiguous(memory_format=torch.channels_last)
        and conv.stride == (1, 1)
        and conv.dilation == (1, 1)
        and conv.groups == 1
        and isinstance(conv.padding, tuple)
        and _pointwise() is not None
    )


def _geometry(conv: nn.Conv2d) -> tuple[list[int], list[int], list[int], int]:
    return list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups  # type: ignore[arg-type]


def conv_lrelu(x: Tensor, conv: nn.Conv2d) -> Tensor:
    """``leaky_relu(conv(x), 0.2)``."""
    if _fast(x, conv):
        try:
            return _pointwise()(
                x, conv.weight, conv.bias, *_geometry(conv), "leaky_relu", [SLOPE], ""
            )
        except RuntimeError as exc:
            _disable(exc)
    return F.leaky_relu(conv(x), SLOPE, inplace=True)


def conv_scaled_add(x: Tensor, conv: nn.Conv2d, residual: Tensor, scale: float) -> Tensor:
    """``conv(x) * scale + residual`` (the scale folded into the weights on the fast path)."""
    if _fast(x, conv) and residual.is_contiguous(memory_format=torch.channels_last):
        bias = conv.bias * scale if conv.bias is not None else None
        try:
            return _pointwise().binary(
                x,
                residual,
                conv.weight * scale,
                bias,
                *_geometry(conv),
                "add",
                None,
                None,
                [],
                None,
            )
        except RuntimeError as exc:
            _disable(exc)
    return conv(x) * scale + residual
