"""One update of the two-stage text-to-image GAN, captions written on the fly from labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal

from .captions import COLUMNS, caption, tokenize
from .config import TextToImageConfig
from .models import pad_ids, word_ids

#: what the training previews draw (every word is in the default vocabulary)
PREVIEW_CAPTIONS = (
    "a smiling old man with glasses and a beard",
    "a young person with long blonde hair on a pink background",
    "a frowning face with short black hair",
    "a happy person with red hair looking left",
    "an elderly face with grey hair and dark skin",
    "a sad young person wearing glasses on a green background",
    "a cheerful bearded man with brown hair",
    "a person with closed eyes and long black hair on a yellow background",
)


def column_indices(label_names: Sequence[str]) -> list[int]:
    """Where each caption column sits in the dataset's labels; a clear error if absent."""
    missing = [c for c in COLUMNS if c not in label_names]
    if missing:
        raise ValueError(
            "text-to-image writes its captions from procedural:faces labels; this data "
            f"lacks {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''} "
            "(train with --data procedural:faces)"
        )
    return [list(label_names).index(c) for c in COLUMNS]


def attribute_targets(values: Tensor) -> Tensor:
    """The caption columns scaled to [0, 1] (head_turn is in [-1, 1])."""
    out = values.clone()
    turn = COLUMNS.index("head_turn")
    out[:, turn] = (out[:, turn] + 1) / 2
    return out.clamp(0, 1)


def kl_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean()


class TextToImageRoutine:
    """StackGAN's losses, both stages trained together (as StackGAN-v2 does).

    D: real/matching caption → real; fake → fake; real/mismatched caption →
    fake (``mismatch_weight``); and, like TAC-GAN's auxiliary classifier, it
    reads the attributes off real stage-II images.  G: fool both critics + draw
    the captioned attributes (``class_weight``) + KL of the conditioning
    augmentation + the text encoder's attribute loss.  Critics get the
    sentence detached: the text encoder learns from G's losses and its own.
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: TextToImageConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D, self.G_ema = models["G"], models["D"], models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.columns = column_indices(ctx.label_names) if ctx.label_names else None
        betas = (config.beta1, 0.999)
        g: Any = getattr(self.G, "module", self.G)  # the text encoder learns faster than the GAN
        text = list(g.text.parameters())
        ids = {id(t) for t in text}
        rest = [t for t in self.G.parameters() if id(t) not in ids]
        groups: list[dict[str, Any]] = [
            {"params": rest},
            {"params": text, "lr": config.text_lr},
        ]
        self.opt_g = torch.optim.Adam(groups, lr=config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=betas)
        self.steps = 0

    def captions_for(self, labels: Tensor) -> tuple[Tensor, Tensor]:
        """(word ids (B, L), caption-column values (B, K)); phrasing drawn from torch's RNG."""
        if self.columns is None:
            raise ValueError("text-to-image needs labelled data (--data procedural:faces)")
        values = labels[:, self.columns].float().cpu()  # (B, K)
        variants = torch.randint(0, 2**30, (labels.size(0),)).tolist()
        rows = [
            word_ids(
                tokenize(caption(dict(zip(COLUMNS, row, strict=True)), v)),
                self.cfg.vocabulary,
                self.cfg.max_words,
            )
            for row, v in zip(values.tolist(), variants, strict=True)
        ]
        return pad_ids(rows, labels.device), values.to(labels.device)

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        if "labels" not in batch:
            raise ValueError("text-to-image needs labelled data (--data procedural:faces)")
        ids, values = self.captions_for(batch["labels"])
        real2 = batch["image"]  # (B, C, R, R)
        real1 = F.avg_pool2d(real2, 2)  # (B, C, R/2, R/2)
        p, cfg, b = self.ctx.precision, self.cfg, real2.size(0)
        z = torch.randn(b, cfg.z_dim, device=real2.device)
        with p.autocast():
            low, high, mu, logvar, sentence, attributes = self.G(ids, z)
        s = sentence.detach()

        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():  # one call per kind: the critics' batch norm never mixes them
            real = self.D(real1, real2, s)
            fake = self.D(low.detach(), high.detach(), s)
            wrong = self.D(real1, real2, s.roll(1, 0))
        loss_d = real2.new_zeros((), dtype=torch.float32)
        w = cfg.mismatch_weight
        for r, f, m in zip(real[:2], fake[:2], wrong[:2], strict=True):
            assert r is not None and f is not None and m is not None
            r, f, m = r.float(), f.float(), m.float()
            loss_d = loss_d + (1 - w) * self.obj.d_loss(r, f) + w * self.obj.d_loss(r, m)
        targets = attribute_targets(values)
        seen = F.binary_cross_entropy_with_logits(real[2].float(), targets)  # real images
        loss_d = loss_d + cfg.class_weight * seen
        penalty = self.obj.penalty(lambda x: self.D(None, x, s)[1], real2, high.detach().float())
        p.backward(loss_d + penalty)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            g1, g2, drawn = self.D(low, high, s)
        assert g1 is not None
        loss_g = self.obj.g_loss(g1.float()) + self.obj.g_loss(g2.float())
        kl = kl_normal(mu.float(), logvar.float())
        aux = F.binary_cross_entropy_with_logits(attributes.float(), targets)
        follows = F.binary_cross_entropy_with_logits(drawn.float(), targets)  # as captioned?
        p.backward(loss_g + cfg.kl_weight * kl + cfg.aux_weight * aux + cfg.class_weight * follows)
        p.step(self.opt_g)
        self.steps += 1
        out = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "kl": kl.item(),
            "text": aux.item(),
            "classes": follows.item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Stage-II images for the preview captions, in turn; image i uses seed + i."""
        with sampling(self.G, self.G_ema) as g:
            device = next(g.parameters()).device
            texts = [PREVIEW_CAPTIONS[i % len(PREVIEW_CAPTIONS)] for i in range(n)]
            rows = [word_ids(tokenize(t), self.cfg.vocabulary, self.cfg.max_words) for t in texts]
            seeds = [seed + i for i in range(n)]
            z = seeded_normal(n, self.cfg.z_dim, seeds).to(device)
            eps = seeded_normal(n, self.cfg.cond_dim, [s + 7919 for s in seeds]).to(device)
            return g(pad_ids(rows, device), z, eps)[1]

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "steps": self.steps,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
