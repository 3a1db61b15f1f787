"""One update of MoCoGAN: image and video critics, then the generator through both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal

from .config import TemporalGANConfig


def pick_frames(video: Tensor, index: Tensor) -> Tensor:
    """(B, C, T, H, W) and (B, K) frame indices → (B*K, C, H, W)."""
    rows = torch.arange(video.size(0), device=video.device)[:, None]
    frames = video.transpose(1, 2)[rows, index]  # (B, K, C, H, W)
    return frames.reshape(-1, *frames.shape[2:])


def seeded_clip_noise(cfg: TemporalGANConfig, seeds: list[int], frames: int) -> Tensor:
    """(N, T, noise_dim): clip i's motion noise from seed i alone, as ``seeded_normal``."""
    return seeded_normal(len(seeds), frames * cfg.noise_dim, seeds=seeds).view(
        len(seeds), frames, cfg.noise_dim
    )


class TemporalRoutine:
    """MoCoGAN's alternating update (Tulyakov et al. 2018), objective-agnostic.

    The image critic D sees ``image_frames`` random frames of each clip (is
    each frame a face?); the video critic D_video sees whole clips (does it
    move like the data?).  G runs once per step with gradients; both critics
    see its output detached, then G is updated through both.
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: TemporalGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D, self.DV = models["G"], models["D"], models["D_video"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=betas)
        critics = [*self.D.parameters(), *self.DV.parameters()]
        self.opt_d = torch.optim.Adam(critics, lr=config.lr, betas=betas)
        self.steps = 0

    def _real(self, batch: Mapping[str, Tensor]) -> Tensor:
        if "video" not in batch:
            raise ValueError(
                "the temporal GAN trains on videos (batch has no 'video'): "
                "use --data procedural:face-clips"
            )
        video, t = batch["video"], self.cfg.frames  # (B, C, T', H, W)
        if video.size(2) < t:
            raise ValueError(
                f"the data's clips have {video.size(2)} frames, the model makes {t}: "
                f"use procedural:face-clips?frames={t} or --set frames={video.size(2)}"
            )
        start = int(torch.randint(video.size(2) - t + 1, ()).item())  # a window of T frames
        return video[:, :, start : start + t]

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = self._real(batch)  # (B, C, T, H, W)
        b, t, cfg, p = real.size(0), real.size(2), self.cfg, self.ctx.precision
        z_c = torch.randn(b, cfg.content_dim, device=real.device)
        eps = torch.randn(b, t, cfg.noise_dim, device=real.device)
        index = torch.randint(t, (b, cfg.image_frames), device=real.device)
        with p.autocast():
            fake = self.G(z_c, eps)  # (B, C, T, H, W)
        real_frames, fake_frames = pick_frames(real, index), pick_frames(fake, index)

        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            di_real, di_fake = self.D(real_frames).float(), self.D(fake_frames.detach()).float()
            dv_real, dv_fake = self.DV(real).float(), self.DV(fake.detach()).float()
        loss_di = self.obj.d_loss(di_real, di_fake)
        loss_dv = self.obj.d_loss(dv_real, dv_fake)
        penalty = self.obj.penalty(self.D, real_frames, fake_frames.float()) + self.obj.penalty(
            self.DV, real, fake.float()
        )
        p.backward(loss_di + loss_dv + penalty)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            gi, gv = self.D(fake_frames).float(), self.DV(fake).float()
        loss_g = self.obj.g_loss(gi) + self.obj.g_loss(gv)
        p.backward(loss_g)
        p.step(self.opt_g)
        self.steps += 1
        out = {
            "loss_d": loss_di.item(),
            "loss_d_video": loss_dv.item(),
            "loss_g": loss_g.item(),
            "d_video_real": dv_real.mean().item(),
            "d_video_fake": dv_fake.mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """n frames, clip after clip (clip i from seed + i): a grid of T columns shows
        one clip per row."""
        t = self.cfg.frames
        clips = -(-n // t)
        seeds = [seed + i for i in range(clips)]
        with sampling(self.G, self.G_ema) as g:
            device = next(g.parameters()).device
            z_c = seeded_normal(clips, self.cfg.content_dim, seeds=seeds).to(device)
            eps = seeded_clip_noise(self.cfg, seeds, t).to(device)
            video = g(z_c, eps)  # (clips, C, T, H, W)
        frames = video.transpose(1, 2)  # (clips, T, C, H, W)
        return frames.reshape(-1, *frames.shape[2:])[:n]  # (n, C, H, W)

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
