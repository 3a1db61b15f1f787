"""text-to-image: a caption in, faces out."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult, ParamError

from .captions import tokenize
from .models import pad_ids, word_ids


def check_prompt(prompt: str, vocabulary: tuple[str, ...]) -> list[str]:
    """The prompt's words; a ParamError naming the unknown ones and listing the vocabulary."""
    words = tokenize(prompt)
    if not words:
        raise ParamError(
            "prompt: describe a face, e.g. 'a smiling old man with glasses' "
            f"(words this model knows: {', '.join(vocabulary)})"
        )
    known = set(vocabulary)
    unknown = list(dict.fromkeys(w for w in words if w not in known))
    if unknown:
        quoted = ", ".join(repr(w) for w in unknown)
        raise ParamError(
            f"prompt: this model does not know {quoted}. It was trained on captions of "
            f"procedural faces and knows only these words: {', '.join(vocabulary)}"
        )
    return words


@torch.no_grad()
def text_to_image(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """``count`` faces for the prompt; image i uses seed + i (noise and conditioning)."""
    cfg = model.config
    words = check_prompt(params["prompt"], tuple(cfg.vocabulary))
    n = params["count"]
    seeds = [params["seed"] + i for i in range(n)]
    ids = pad_ids([word_ids(words, cfg.vocabulary, cfg.max_words)] * n, model.device)
    z = seeded_normal(n, cfg.z_dim, seeds).to(model.device)
    eps = seeded_normal(n, cfg.cond_dim, [s + 7919 for s in seeds]).to(model.device)
    eps = eps * params["variety"]
    low, high, *_ = model.generator(ids, z, eps)
    if params["stages"]:  # stage I (scaled up) next to stage II, image by image
        low_up = F.interpolate(low.float(), size=high.shape[-2:], mode="nearest")
        images = torch.stack([low_up, high.float()], 1).flatten(0, 1)  # (2N, C, R, R)
    else:
        images = high.float()
    return ActionResult(
        images=images.cpu(),
        layout="grid",
        latents={"z": z.cpu().numpy(), "eps": eps.cpu().numpy()},
        info={"prompt": params["prompt"], "words": len(words), "seeds": seeds},
    )
