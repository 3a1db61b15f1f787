"""The text encoder, conditioning augmentation, the two generator stages and their critics.

``G`` holds text encoder, conditioning augmentation, stage I and stage II, so
the Trainer's EMA (``G_ema``) and the model file keep them together.  ``D``
holds one matching-aware critic per stage.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import dcgan_down_layers, dcgan_init, dcgan_up_layers

from .captions import COLUMNS
from .config import TextToImageConfig


def word_ids(words: Sequence[str], vocabulary: Sequence[str], max_words: int) -> list[int]:
    """Known words → ids (1-based; 0 pads), cut at ``max_words``; unknown words are skipped
    (callers check them first and tell the user)."""
    index = {w: i + 1 for i, w in enumerate(vocabulary)}
    return [index[w] for w in words if w in index][:max_words]


def pad_ids(rows: Sequence[Sequence[int]], device: torch.device | None = None) -> Tensor:
    """(B, L) long, zero-padded to the longest row (at least one column)."""
    length = max(1, max((len(r) for r in rows), default=1))
    out = torch.zeros(len(rows), length, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    return out.to(device) if device is not None else out


class TextEncoder(nn.Module):
    """Word embeddings and a bidirectional GRU; the sentence is the mean over its words.

    ``attributes`` reads the face's labels back out of the sentence embedding:
    the loss that teaches this encoder from scratch (no language model).
    """

    def __init__(self, cfg: TextToImageConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(cfg.vocabulary) + 1, cfg.word_dim, padding_idx=0)
        self.rnn = nn.GRU(cfg.word_dim, cfg.text_dim // 2, batch_first=True, bidirectional=True)
        self.attributes = nn.Linear(2 * (cfg.text_dim // 2), len(COLUMNS))
        self.dim = 2 * (cfg.text_dim // 2)

    def forward(self, ids: Tensor) -> Tensor:
        keep = (ids > 0).unsqueeze(-1).float()  # (B, L, 1)
        words, _ = self.rnn(self.embed(ids))  # (B, L, dim)
        return (words * keep).sum(1) / keep.sum(1).clamp(min=1)  # (B, dim)


class ConditioningAugmentation(nn.Module):
    """c ~ N(μ(e), σ(e)²): a smooth conditioning manifold from few captions (StackGAN)."""

    def __init__(self, text_dim: int, cond_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(text_dim, 2 * cond_dim)

    def forward(self, sentence: Tensor) -> tuple[Tensor, Tensor]:
        mu, logvar = F.leaky_relu(self.fc(sentence), 0.2).chunk(2, 1)
        return mu, logvar.clamp(-10, 4)


class _Residual(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(True),
            nn.Conv2d(c, c, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c),
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))


def _up(cin: int, cout: int) -> list[nn.Module]:
    return [
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(True),
    ]


class StageTwo(nn.Module):
    """Stage II: the stage-I image and the condition → an image twice the size."""

    def __init__(self, cfg: TextToImageConfig) -> None:
        super().__init__()
        w = cfg.width
        self.down = nn.Sequential(
            nn.Conv2d(cfg.channels, w, 3, 1, 1),
            nn.ReLU(True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),  # (B, 2w, R/4, R/4)
            nn.BatchNorm2d(2 * w),
            nn.ReLU(True),
        )
        self.joint = nn.Sequential(
            nn.Conv2d(2 * w + cfg.cond_dim, 2 * w, 3, 1, 1, bias=False),
            nn.BatchNorm2d(2 * w),
            nn.ReLU(True),
            _Residual(2 * w),
            _Residual(2 * w),
        )
        self.up = nn.Sequential(
            *_up(2 * w, w),  # (B, w, R/2, R/2)
            *_up(w, max(8, w // 2)),  # (B, w/2, R, R)
            nn.Conv2d(max(8, w // 2), cfg.channels, 3, 1, 1),
            nn.Tanh(),
        )

    def forward(self, low: Tensor, c: Tensor) -> Tensor:
        h = self.down(low)
        tiled = c[:, :, None, None].expand(-1, -1, h.size(2), h.size(3))
        return self.up(self.joint(torch.cat([h, tiled.to(h.dtype)], 1)))


class TextToImageGenerator(nn.Module):
    """Caption ids + noise → (stage-I image at R/2, stage-II image at R)."""

    def __init__(self, cfg: TextToImageConfig) -> None:
        super().__init__()
        self.text = TextEncoder(cfg)
        self.ca = ConditioningAugmentation(self.text.dim, cfg.cond_dim)
        self.stage1 = nn.Sequential(
            *dcgan_up_layers(cfg.z_dim + cfg.cond_dim, cfg.width, cfg.channels, cfg.resolution // 2)
        )
        self.stage2 = StageTwo(cfg)

    def draw(self, z: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        low = self.stage1(torch.cat([z, c.to(z.dtype)], 1)[:, :, None, None])  # (B, C, R/2, R/2)
        return low, self.stage2(low, c)  # (B, C, R, R)

    def forward(
        self, ids: Tensor, z: Tensor, eps: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        """(low, high, μ, log σ², sentence, attribute logits); c = μ + σ·eps (eps ~ N(0, 1))."""
        sentence = self.text(ids)
        mu, logvar = self.ca(sentence)
        eps = torch.randn_like(mu) if eps is None else eps.to(mu.dtype)
        c = mu + eps * (0.5 * logvar).exp()
        low, high = self.draw(z, c)
        return low, high, mu, logvar, sentence, self.text.attributes(sentence)


class _StageCritic(nn.Module):
    """DCGAN trunk, joined with the compressed sentence at 4×4 (StackGAN's D)."""

    def __init__(self, cfg: TextToImageConfig, resolution: int, text_dim: int) -> None:
        super().__init__()
        layers, feat = dcgan_down_layers(cfg.channels, cfg.width, resolution)
        self.trunk = nn.Sequential(*layers)  # (B, F, 4, 4)
        self.text = nn.Linear(text_dim, cfg.cond_dim)
        self.head = nn.Sequential(
            nn.Conv2d(feat + cfg.cond_dim, feat, 1, 1, 0),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(feat, 1, 4, 1, 0),  # (B, 1, 1, 1)
        )
        self.features = feat * 16

    def forward(self, x: Tensor, sentence: Tensor) -> tuple[Tensor, Tensor]:
        """(logits (B,), the image's own trunk features (B, F*16))."""
        h = self.trunk(x)
        t = F.leaky_relu(self.text(sentence.to(h.dtype)), 0.2)[:, :, None, None].expand(
            -1, -1, 4, 4
        )
        return self.head(torch.cat([h, t], 1)).view(-1), h.flatten(1)


class TextToImageCritic(nn.Module):
    """Matching-aware critics: does this image look real *and* fit this caption?"""

    def __init__(self, cfg: TextToImageConfig) -> None:
        super().__init__()
        text_dim = 2 * (cfg.text_dim // 2)
        self.stage1 = _StageCritic(cfg, cfg.resolution // 2, text_dim)
        self.stage2 = _StageCritic(cfg, cfg.resolution, text_dim)
        self.attributes = nn.Linear(self.stage2.features, len(COLUMNS))

    def forward(
        self, low: Tensor | None, high: Tensor, sentence: Tensor
    ) -> tuple[Tensor | None, Tensor, Tensor]:
        """Logits (B,) per stage, and the attributes seen in the stage-II image (B, K)
        (TAC-GAN's auxiliary classifier); ``low`` None scores stage II only."""
        first = self.stage1(low, sentence)[0] if low is not None else None
        second, features = self.stage2(high, sentence)
        return first, second, self.attributes(features)


def build_text2image(cfg: TextToImageConfig) -> dict[str, nn.Module]:
    cfg.validate()
    if cfg.resolution < 16:
        raise ValueError("resolution must be at least 16")
    G, D = TextToImageGenerator(cfg), TextToImageCritic(cfg)
    G.stage1.apply(dcgan_init)
    G.stage2.apply(dcgan_init)
    D.apply(dcgan_init)
    return {"G": G, "D": D}
