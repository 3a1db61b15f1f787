"""The mapping network: z → w through an MLP with a slow learning rate."""

from __future__ import annotations

from torch import Tensor, nn

from .ops import EqualLinear, pixel_norm


class MappingNetwork(nn.Module):
    """Pixel-normalised z, then ``layers`` equalized-lr fully connected layers.

    ``lr_mul`` (0.01 in the paper) makes the mapping learn 100× slower than the
    synthesis network, which keeps W well-behaved for editing.
    """

    def __init__(self, z_dim: int, w_dim: int, layers: int = 8, lr_mul: float = 0.01) -> None:
        super().__init__()
        dims = [z_dim] + [w_dim] * layers
        self.fcs = nn.ModuleList(
            EqualLinear(dims[i], dims[i + 1], lr_mul=lr_mul, activate=True) for i in range(layers)
        )

    def forward(self, z: Tensor) -> Tensor:
        x = pixel_norm(z)  # (B, z_dim)
        for fc in self.fcs:
            x = fc(x)
        return x  # (B, w_dim)
