"""generate and sweep for InfoGAN: the learned codes as pickers and sliders."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult, ParamError

from .config import InfoGANConfig, category_param_names, code_param_names
from .models import compose_latent


@torch.no_grad()
def _render(model: Any, latent: Tensor) -> Tensor:
    G = model.generator.eval()
    return G(latent.to(model.device)).float().cpu()


def _categories(cfg: InfoGANConfig, params: dict[str, Any], seeds: list[int]) -> Tensor:
    """(B, n_categorical): the picked value, or one drawn from the image's seed."""
    out = torch.zeros(len(seeds), len(cfg.categorical), dtype=torch.long)
    for i, (name, k) in enumerate(zip(category_param_names(cfg), cfg.categorical, strict=True)):
        choice = params.get(name, "random")
        for row, seed in enumerate(seeds):
            if choice == "random":
                g = torch.Generator().manual_seed(int(seed) * 7919 + i + 1)
                out[row, i] = int(torch.randint(k, (1,), generator=g))
            else:
                out[row, i] = int(choice)
    return out


def _codes(cfg: InfoGANConfig, params: dict[str, Any], n: int) -> Tensor:
    values = [float(params.get(name, 0.0)) for name in code_param_names(cfg)]
    return torch.tensor(values, dtype=torch.float32).expand(n, cfg.continuous).clone()


def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Image i uses seed+i for its noise (and any 'random' category); codes as set."""
    cfg = model.config
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = seeded_normal(len(seeds), cfg.z_dim, seeds)
    cats, codes = _categories(cfg, params, seeds), _codes(cfg, params, len(seeds))
    latent = compose_latent(cfg, z, cats, codes)
    latents = {"z": z.numpy(), "categories": cats.numpy(), "codes": codes.numpy()}
    return ActionResult(
        _render(model, latent),
        layout="grid",
        latents=latents,
        info={"seeds": seeds, "categories": cats.tolist()},
    )


def sweep(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Hold the noise, walk one code: every value of a category, or a code from -span to span."""
    cfg = model.config
    code = params["code"]
    seed = params["seed"]
    base_cats = _categories(cfg, {}, [seed])  # other categories: drawn from the seed
    cat_names, code_names = category_param_names(cfg), code_param_names(cfg)
    if code in cat_names:
        i = cat_names.index(code)
        frames = cfg.categorical[i]
        cats = base_cats.expand(frames, -1).clone()
        cats[:, i] = torch.arange(frames)
        codes = torch.zeros(frames, cfg.continuous)
        values = list(range(frames))
    elif code in code_names:
        j = code_names.index(code)
        frames = params["frames"]
        cats = base_cats.expand(frames, -1).clone()
        codes = torch.zeros(frames, cfg.continuous)
        t = torch.linspace(-params["span"], params["span"], frames)
        codes[:, j] = t
        values = [round(v, 4) for v in t.tolist()]
    else:
        raise ParamError(f"code={code!r} is not one of: {', '.join(cat_names + code_names)}")
    z = seeded_normal(1, cfg.z_dim, [seed]).expand(len(values), -1)
    latent = compose_latent(cfg, z, cats, codes)
    return ActionResult(
        _render(model, latent),
        layout=params["layout"],
        latents={"z": z[:1].numpy(), "categories": cats.numpy(), "codes": codes.numpy()},
        info={"seed": seed, "code": code, "values": values},
    )
